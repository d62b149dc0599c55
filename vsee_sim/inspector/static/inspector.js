/* vsee-sim inspector: the page's core (the API, text-only DOM helpers, the header clock, the
 * live journal, the tabs). panels.js adds the other tabs, board.js the clinic board.
 * Served from the package; no inline script (CSP).
 *
 * Every value shown comes from recorded traffic or namespace state and is untrusted: the DOM is
 * built with createElement/textContent only (el() below), never innerHTML, and links are made
 * only from http(s) URLs, rewritten onto this server (portalHref).
 */
(function () {
  "use strict";

  const body = document.body;
  const NS = body.dataset.ns || "default";
  const PREFIX = body.dataset.prefix || "";
  const UI = PREFIX + "/_sim/ui";
  const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const POLL_MS = 1000;
  const REFRESH_MS = 3000;
  const clockListeners = [];
  // What the page was served with (a JSON data block, never run): the clock and the newest requests.
  const firstBlock = document.getElementById("inspector-first");
  const first = firstBlock ? JSON.parse(firstBlock.textContent) : {};

  // -- the API the panels (and the board) use ---------------------------------------------------
  async function call(method, path, payload) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRF-Token"] = CSRF;
      init.body = JSON.stringify(payload || {});
    }
    const response = await fetch(UI + "/api" + path, init);
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    if (!response.ok) {
      const err = new Error((json && json.message) || response.statusText || "Request failed");
      err.status = response.status;
      err.body = json;
      if (response.status === 401) { window.location.reload(); }
      throw err;
    }
    return json;
  }

  const api = {
    ns: NS,
    prefix: PREFIX,
    get: (path) => call("GET", path),
    post: (path, payload) => call("POST", path, payload),
    onClock: (fn) => { clockListeners.push(fn); },
  };
  // What panels.js (and the board) build on: the API, the DOM helpers, the clock.
  const inspector = { api, panels: {} };
  window.VseeInspector = inspector;

  // -- DOM helpers: text only --------------------------------------------------------------------
  const SAFE_ATTRS = new Set(["id", "class", "title", "type", "name", "value", "colspan", "target", "rel", "role",
    "aria-label", "aria-selected", "hidden", "disabled", "tabindex"]);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "href") node.setAttribute("href", value);   // callers pass portalHref() results only
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key.startsWith("data-") || SAFE_ATTRS.has(key)) node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  const $ = (id) => document.getElementById(id);

  function when(ts) {
    if (ts === null || ts === undefined || ts === "") return "";
    const date = new Date(Number(ts) * 1000);
    return isNaN(date) ? String(ts) : date.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function say(text, bad) {
    const status = $("status");
    status.textContent = text || "";
    status.className = "status" + (bad ? " bad" : "");
  }

  function fail(err) { say(err && err.message ? err.message : String(err), true); }

  /** A same-server http(s) link for a URL found in data (the host it names may be another name of this server). */
  function portalHref(raw) {
    let url;
    try { url = new URL(String(raw), window.location.origin); } catch (e) { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return window.location.origin + url.pathname + url.search;
  }

  function pretty(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") {
      try { return JSON.stringify(JSON.parse(value), null, 2); } catch (e) { return value; }
    }
    return JSON.stringify(value, null, 2);
  }

  /** A button that asks once more before acting (no window.confirm: dialogs block a projector demo). */
  const ARMED_MS = 5000;   // an unanswered "Really ...?" goes back to its label

  function confirmButton(label, testid, action) {
    const button = el("button", { type: "button", class: "quiet", "data-testid": testid, text: label });
    let armed = false, timer = null;
    const disarm = () => { armed = false; clearTimeout(timer); button.textContent = label; button.classList.remove("armed"); };
    button.addEventListener("click", () => {
      if (!armed) {
        armed = true; button.textContent = "Really " + label.toLowerCase() + "?"; button.classList.add("armed");
        timer = setTimeout(disarm, ARMED_MS);
        return;
      }
      disarm();
      action();
    });
    return button;
  }

  // A refreshed table's rows, made again only when its data changed, swapped in at once (no
  // flicker), and left alone while one of its buttons asks "Really ...?" (a rebuild would
  // silently disarm it).
  function refill(tbody, items, makeRow) {
    const seen = JSON.stringify(items);
    if (tbody.dataset.seen === seen || tbody.querySelector(".armed")) return;
    tbody.dataset.seen = seen;
    tbody.replaceChildren(...items.map(makeRow));
  }

  // -- the clock in the header ------------------------------------------------------------------
  let clockState = null, clockSeen = 0;

  function clockNow() {
    if (!clockState) return null;
    if (clockState.mode === "frozen") return clockState.now;
    return clockState.now + (Date.now() - clockSeen) / 1000;
  }

  function showClock(clock) {
    clockState = clock; clockSeen = Date.now();
    paintClock();
    clockListeners.forEach((fn) => { try { fn(clock); } catch (e) { /* a listener's error is its own */ } });
  }

  function paintClock() {
    const now = clockNow();
    if (now === null) return;
    const mode = clockState.mode === "frozen" ? "frozen" : clockState.mode === "offset" ? "shifted" : "real";
    $("header-clock").textContent = when(now) + " · " + mode;
    if ($("clock-time")) $("clock-time").textContent = when(now);
    if ($("clock-mode")) {
      $("clock-mode").textContent = mode === "frozen" ? "Frozen: time stands still until you move it."
        : mode === "shifted" ? "Running, shifted from the wall clock by " + Math.round(clockState.offset || 0) + " s."
          : "Running on the wall clock.";
    }
  }

  async function refreshClock() {
    try { showClock((await api.get("/clock")).data); } catch (e) { fail(e); }
  }

  Object.assign(inspector, { NS, PREFIX, el, clear, $, when, say, fail, portalHref, pretty, confirmButton, refill,
    showClock, refreshClock });

  // -- journal ------------------------------------------------------------------------------------
  const journalState = { newest: 0, entries: [], ids: new Set(), selected: null, paused: false, generation: 0, loaded: false };

  function journalQuery(extra) {
    const form = new FormData($("journal-filters"));
    const params = new URLSearchParams();
    for (const [key, value] of form.entries()) if (String(value).trim()) params.set(key, String(value).trim());
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    return params.toString();
  }

  function statusClass(status) { return "s" + String(status).charAt(0) + "xx"; }

  /** The path in this namespace: a recorded /ns/<name> prefix dropped, this page's put in its place. */
  function hereUrl(entry) {
    const path = String(entry.path).replace(/^\/ns\/[^/]+(?=\/|$)/, "") || "/";
    return PREFIX + path + (entry.query ? "?" + entry.query : "");
  }

  function shellQuote(text) { return "'" + String(text).replace(/'/g, "'\\''") + "'"; }

  function curlOf(entry) {
    const parts = ["curl", "-X", entry.method, shellQuote(window.location.origin + hereUrl(entry))];
    for (const [name, value] of Object.entries(entry.headers || {})) parts.push("-H", shellQuote(name + ": " + value));
    if (entry.body) {
      if (entry.body_encoding === "base64") parts.unshift("echo", shellQuote(entry.body), "| base64 -d |");
      parts.push("--data-binary", entry.body_encoding === "base64" ? "@-" : shellQuote(entry.body));
    }
    return parts.join(" ");
  }

  function entryRow(entry) {
    return el("li", { "data-testid": "journal-entry", "data-id": entry.id, class: journalState.selected === entry.id ? "selected" : "",
      tabindex: 0, onclick: () => showEntry(entry) },
      el("span", { class: "method", text: entry.method }),
      el("span", { class: "code " + statusClass(entry.status), text: entry.status }),
      el("span", { class: "path", text: entry.path + (entry.query ? "?" + entry.query : "") }),
      el("span", { class: "meta", text: when(entry.at) + " · " + entry.duration_ms + " ms" + (entry.fault ? " · fault " + entry.fault : "") }));
  }

  function renderJournal() {
    const list = clear($("journal-list"));
    if (!journalState.entries.length) list.append(el("li", { class: "hint", text: "No requests yet in namespace " + NS + "." }));
    for (const entry of journalState.entries) list.append(entryRow(entry));
  }

  function block(title, value, testid, truncated) {
    return el("div", { class: "block" }, el("h4", { text: title + (truncated ? " (cut short)" : "") }),
      el("pre", { "data-testid": testid, text: pretty(value) || "(empty)" }));
  }

  function headersTable(headers, testid) {
    const table = el("table", { class: "headers", "data-testid": testid });
    const names = Object.keys(headers || {});
    if (!names.length) table.append(el("tr", {}, el("td", { class: "hint", text: "(none recorded)" })));
    for (const name of names) table.append(el("tr", {}, el("th", { text: name }), el("td", { text: headers[name] })));
    return table;
  }

  async function showEntry(summary) {
    journalState.selected = summary.id;
    for (const li of $("journal-list").children) li.classList.toggle("selected", li.dataset.id === String(summary.id));
    let entry;
    try { entry = (await api.get("/journal/" + encodeURIComponent(summary.id))).data; } catch (e) { fail(e); return; }
    if (journalState.selected !== summary.id) return;   // another one was picked meanwhile
    const detail = clear($("journal-detail"));
    const result = el("div", { class: "again", "data-testid": "again-result" });
    const copy = el("button", { type: "button", "data-testid": "copy-curl", text: "Copy as curl",
      onclick: async () => {
        const text = curlOf(entry);
        $("curl-text").textContent = text;
        try { await navigator.clipboard.writeText(text); say("Copied the curl command."); } catch (e) { say("Select the command below to copy it."); }
      } });
    const again = el("button", { type: "button", "data-testid": "send-again", text: "Send again",
      onclick: () => sendAgain(entry, result) });
    detail.append(
      el("h3", { "data-testid": "detail-title" }, el("span", { class: "method", text: entry.method }), " ",
        el("span", { class: "path", text: entry.path + (entry.query ? "?" + entry.query : "") })),
      el("p", { class: "meta" }, el("span", { class: "code " + statusClass(entry.status), "data-testid": "detail-status", text: entry.status }),
        " · " + when(entry.at) + " · " + entry.duration_ms + " ms" + (entry.fault ? " · fault rule " + entry.fault + " fired" : "")),
      el("div", { class: "buttons" }, copy, again),
      el("pre", { id: "curl-text", class: "curl", "data-testid": "curl-text" }),
      el("h4", { text: "Request headers" }), headersTable(entry.headers, "detail-headers"),
      block("Request body" + (entry.body_encoding === "base64" ? " (base64)" : ""), entry.body, "detail-body", entry.body_truncated),
      el("h4", { text: "Response headers" }), headersTable(entry.response_headers, "detail-response-headers"),
      block("Response" + (entry.response_encoding === "base64" ? " (base64)" : ""), entry.response, "detail-response", entry.response_truncated),
      result);
  }

  function bodyBytes(entry) {
    if (!entry.body || entry.method === "GET" || entry.method === "HEAD") return undefined;
    if (entry.body_encoding !== "base64") return entry.body;
    const raw = atob(entry.body);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  async function sendAgain(entry, result) {
    clear(result).append(el("p", { class: "hint", text: "Sending…" }));
    let status, text;
    try {
      const response = await fetch(hereUrl(entry), { method: entry.method, headers: entry.headers || {}, body: bodyBytes(entry),
        credentials: "omit", redirect: "manual" });
      status = response.status;
      text = await response.text();
    } catch (e) {
      clear(result).append(el("p", { class: "bad", text: "Could not send it: " + e.message }));
      return;
    }
    clear(result).append(el("h4", { text: "Sent again into namespace " + NS }),
      el("div", { class: "side" },
        el("div", {}, el("h5", {}, "Recorded ", el("span", { class: "code " + statusClass(entry.status), text: entry.status })),
          el("pre", { "data-testid": "again-old", text: pretty(entry.response) })),
        el("div", {}, el("h5", {}, "Now ", el("span", { class: "code " + statusClass(status), "data-testid": "again-status", text: status })),
          el("pre", { "data-testid": "again-new", text: pretty(text) }))));
    pollJournal();
  }

  async function loadJournal() {
    const generation = ++journalState.generation;   // a poll or load begun before this one is stale
    const given = first.journal;   // the page came with the newest entries: no round trip for them
    first.journal = null;
    const data = given || (await api.get("/journal?" + journalQuery({ limit: 200 }))).data;
    if (generation !== journalState.generation) return;
    journalState.newest = data.newest;
    journalState.entries = data.entries;
    journalState.ids = new Set(data.entries.map((e) => e.id));
    renderJournal();
    if (!journalState.loaded && window.performance && performance.mark) performance.mark("vsee-inspector-data");
    journalState.loaded = true;
  }

  async function pollJournal() {
    if (journalState.paused || !journalState.loaded) return;
    const generation = journalState.generation;
    try {
      const data = (await api.get("/journal?" + journalQuery({ after: journalState.newest }))).data;
      if (generation !== journalState.generation) return;
      if (data.newest < journalState.newest) { await loadJournal(); return; }   // cleared, or another server
      journalState.newest = Math.max(journalState.newest, data.newest);
      data.entries = data.entries.filter((e) => !journalState.ids.has(e.id));
      data.entries.forEach((e) => journalState.ids.add(e.id));
      if (data.entries.length) {
        journalState.entries = data.entries.concat(journalState.entries).slice(0, 500);
        const list = $("journal-list");
        if (list.firstChild && list.firstChild.classList.contains("hint")) list.removeChild(list.firstChild);
        for (const entry of data.entries.slice().reverse()) list.prepend(entryRow(entry));
        while (list.children.length > 500) list.removeChild(list.lastChild);
      }
      $("journal-live").textContent = "live · newest #" + journalState.newest;
    } catch (e) { fail(e); }
  }

  function wireForms() {
    $("journal-filters").addEventListener("input", () => { loadJournal().catch(fail); });
    $("journal-filters").addEventListener("submit", (event) => event.preventDefault());
    $("journal-pause").addEventListener("click", (event) => {
      journalState.paused = !journalState.paused;
      event.target.textContent = journalState.paused ? "Resume" : "Pause";
      $("journal-live").textContent = journalState.paused ? "paused" : "live";
    });
    const signout = $("signout");
    if (signout) {
      signout.addEventListener("click", async () => {
        try {
          await fetch(UI + "/signout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": CSRF } });
        } finally { window.location.reload(); }
      });
    }
  }

  // -- tabs and the refresh loop --------------------------------------------------------------------
  // The other tabs are panels.js's (inspector.panels): {load, refresh} each.
  const LOADERS = { journal: loadJournal, clock: refreshClock, board: async () => {
    if (window.VseeBoard && typeof window.VseeBoard.show === "function") window.VseeBoard.show();
  } };
  const REFRESHED = {};
  let current = null, loop = null;

  function showTab(name) {
    if (!LOADERS[name]) name = "journal";
    current = name;
    document.querySelectorAll(".panel").forEach((panel) => { panel.hidden = panel.id !== name; });
    document.querySelectorAll("#tabs a").forEach((a) => a.setAttribute("aria-selected", a.dataset.tab === name ? "true" : "false"));
    say("");
    LOADERS[name]().catch(fail);
    schedule();
  }

  function schedule() {
    clearTimeout(loop);
    loop = setTimeout(async () => {
      if (!document.hidden) {
        if (current === "journal") await pollJournal();
        else if (REFRESHED[current]) await REFRESHED[current]().catch(() => {});
      }
      schedule();
    }, current === "journal" ? POLL_MS : REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const [name, panel] of Object.entries(inspector.panels)) {
      LOADERS[name] = panel.load;
      if (panel.refresh) REFRESHED[name] = panel.load;
      if (panel.wire) panel.wire();
    }
    wireForms();
    if (first.clock) showClock(first.clock); else refreshClock();
    setInterval(paintClock, 1000);
    setInterval(refreshClock, 15000);
    const section = $("board");
    if (window.VseeBoard && typeof window.VseeBoard.mount === "function") {
      const placeholder = $("board-placeholder");
      if (placeholder) placeholder.remove();
      try { window.VseeBoard.mount(section, api); } catch (e) { fail(e); }
    }
    window.addEventListener("hashchange", () => showTab(window.location.hash.slice(1)));
    showTab(window.location.hash.slice(1) || "journal");
  });
}());
