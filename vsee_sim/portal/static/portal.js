// vsee-sim portal: the live pages poll a small JSON endpoint of the portal.
// <body data-poll-url=... data-version=... [data-next-url=...]>: each answer fills the
// elements with data-field="<key>"; when its "version" differs from the page's, the page
// goes to data-next-url (or reloads). Each poll also keeps the user "alive" server-side.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-poll-url");
  if (!url) { return; }
  var every = parseInt(body.getAttribute("data-poll-ms") || "1500", 10);
  var version = body.getAttribute("data-version");
  var next = body.getAttribute("data-next-url");
  var state = document.querySelector("[data-testid='live-state']");

  function duration(seconds) {
    seconds = Math.max(0, Math.round(Number(seconds) || 0));
    if (seconds < 60) { return seconds + " s"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes + " min"; }
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function fill(data) {
    Object.keys(data).forEach(function (key) {
      document.querySelectorAll("[data-field='" + key + "']").forEach(function (el) {
        el.textContent = el.getAttribute("data-format") === "duration" ? duration(data[key]) : String(data[key]);
      });
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        fill(data);
        if (version !== null && String(data.version) !== version) {
          window.location.assign(next || window.location.href);
          return;
        }
        if (state) { state.textContent = "Live: checked just now."; }
        window.setTimeout(poll, every);
      })
      .catch(function (err) {
        if (state) { state.textContent = "Connection problem (" + err.message + "); retrying."; }
        window.setTimeout(poll, every * 2);
      });
  }

  window.setTimeout(poll, every);
}());
