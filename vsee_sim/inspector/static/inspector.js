/* vsee-sim inspector: the page's behaviour. Served from the package; no inline script (CSP).
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
  window.VseeInspector = { api };

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
  function confirmButton(label, testid, action) {
    const button = el("button", { type: "button", class: "quiet", "data-testid": testid, text: label });
    let armed = false;
    button.addEventListener("click", () => {
      if (!armed) { armed = true; button.textContent = "Really " + label.toLowerCase() + "?"; button.classList.add("armed"); return; }
      armed = false; button.textContent = label; button.classList.remove("armed");
      action();
    });
    return button;
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

  // -- namespaces ---------------------------------------------------------------------------------
  async function loadNamespaces() {
    const rows = clear($("namespaces-rows"));
    const list = (await api.get("/namespaces")).data;
    for (const item of list) {
      const mode = item.clock.mode === "frozen" ? "frozen" : item.clock.mode === "offset" ? "shifted" : "real";
      const open = el("button", { type: "button", "data-testid": "ns-open", text: "Open",
        onclick: async () => {
          try { window.location.href = (await api.post("/namespaces/" + encodeURIComponent(item.namespace) + "/open")).data.url; } catch (e) { fail(e); }
        } });
      const reset = confirmButton("Reset", "ns-reset", async () => {
        try { await api.post("/namespaces/" + encodeURIComponent(item.namespace) + "/reset"); say("Namespace " + item.namespace + " is back to its fixture."); loadNamespaces(); refreshClock(); } catch (e) { fail(e); }
      });
      const drop = confirmButton("Drop", "ns-drop", async () => {
        try { await api.post("/namespaces/" + encodeURIComponent(item.namespace) + "/drop"); say("Namespace " + item.namespace + " dropped."); loadNamespaces(); } catch (e) { fail(e); }
      });
      rows.append(el("tr", { "data-testid": "ns-row", "data-ns": item.namespace, class: item.namespace === NS ? "current" : "" },
        el("td", { class: "name", text: item.namespace }), el("td", { text: item.fixture }), el("td", { text: item.seed }),
        el("td", { text: mode + " · " + when(item.clock.now) }), el("td", { class: "num", text: item.users }),
        el("td", { class: "num", text: item.visits }), el("td", { class: "num", text: item.journal }),
        el("td", { class: "num", text: item.outbox }), el("td", { text: when(item.last_request) || "—" }),
        el("td", { class: "actions" }, open, reset, drop)));
    }
  }

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

  // -- outbox -------------------------------------------------------------------------------------
  const outboxState = { items: [], selected: null, seen: "" };
  const URL_IN_TEXT = /(https?:\/\/[^\s<>"']+)/g;

  function linkedText(text) {
    const out = [];
    String(text || "").split(URL_IN_TEXT).forEach((part, i) => {
      const href = i % 2 === 1 ? portalHref(part) : null;
      out.push(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", "data-testid": "mail-link", text: part }) : part);
    });
    return out;
  }

  async function signInWithCode(item) {
    try {
      const response = await fetch(PREFIX + "/api_v3/users/login", { method: "POST", credentials: "omit",
        headers: { "Content-Type": "application/json", "X-AccountCode": item.account || "" },
        body: JSON.stringify({ email: item.to, email_token: item.code }) });
      const json = await response.json();
      if (!response.ok) { fail(new Error(json.message || "The code was refused.")); return; }
      window.open(PREFIX + "/auth?sso_token=" + encodeURIComponent(json.data.token.token), "_blank", "noopener");
    } catch (e) { fail(e); }
  }

  function showMail(item) {
    outboxState.selected = item.id;
    for (const li of $("outbox-list").children) li.classList.toggle("selected", li.dataset.id === String(item.id));
    const detail = clear($("outbox-detail"));
    const push = item.channel === "push";
    detail.append(el("h3", { "data-testid": "mail-subject", text: push ? (item.title || item.type || "Push") : (item.subject || "(no subject)") }),
      el("dl", { class: "mailhead" },
        el("dt", { text: "To" }), el("dd", { "data-testid": "mail-to", text: item.to || "" }),
        el("dt", { text: "Sent" }), el("dd", { text: when(item.created) }),
        el("dt", { text: push ? "Push" : "Template" }), el("dd", { text: push ? (item.push || "") + " · " + (item.type || "") : item.template || "" })));
    if (item.code) {
      detail.append(el("p", { class: "code-line" }, "Code ", el("strong", { class: "otp", "data-testid": "mail-code", text: item.code }), " ",
        el("button", { type: "button", "data-testid": "mail-code-signin", text: "Sign in to the portal with it", onclick: () => signInWithCode(item) })));
    }
    detail.append(el("div", { class: "mailbody", "data-testid": "mail-body" }, ...linkedText(push ? pretty(item.data) : item.body)));
    const href = item.url ? portalHref(item.url) : null;
    if (href) detail.append(el("p", {}, el("a", { class: "button", href, target: "_blank", rel: "noopener noreferrer", "data-testid": "mail-open-link", text: "Open the link in the portal" })));
  }

  async function loadOutbox() {
    const items = (await api.get("/outbox")).data;
    const seen = JSON.stringify(items.map((m) => m.id));
    if (seen === outboxState.seen) return;
    outboxState.seen = seen; outboxState.items = items;
    const list = clear($("outbox-list"));
    if (!items.length) list.append(el("li", { class: "hint", text: "Nothing sent yet." }));
    for (const item of items) {
      list.append(el("li", { "data-testid": "outbox-item", "data-id": item.id, class: item.id === outboxState.selected ? "selected" : "", onclick: () => showMail(item) },
        el("span", { class: "channel", text: item.channel === "push" ? "push" : "mail" }),
        el("span", { class: "to", text: item.to || "" }),
        el("span", { class: "subject", text: item.channel === "push" ? (item.title || item.type || "") : (item.subject || "") }),
        el("span", { class: "meta", text: when(item.created) })));
    }
  }

  // -- clock panel --------------------------------------------------------------------------------
  async function moveClock(payload) {
    try {
      const data = (await api.post("/clock", payload)).data;
      showClock(data.clock);
      const list = clear($("clock-effects"));
      list.append(el("li", { class: "moved", "data-testid": "clock-moved", text: "Moved from " + when(data.from) + " to " + when(data.to) + "." }));
      if (!data.effects.length) list.append(el("li", { class: "hint", text: "Nothing fell due." }));
      for (const item of data.effects) list.append(el("li", { class: "effect " + item.kind, "data-testid": "clock-effect", "data-kind": item.kind, text: item.text }));
      if (data.more) list.append(el("li", { class: "hint", text: "… and " + data.more + " more." }));
    } catch (e) { fail(e); }
  }

  function wireClock() {
    document.querySelectorAll("[data-clock]").forEach((button) => button.addEventListener("click", () => {
      const payload = { action: button.dataset.clock };
      if (button.dataset.seconds) payload.seconds = Number(button.dataset.seconds);
      moveClock(payload);
    }));
    $("clock-to").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = new FormData(event.target).get("at");
      if (value) moveClock({ action: "to", at: String(value) + (String(value).length === 16 ? ":00" : "") + "Z" });
    });
  }

  // -- webhooks, faults, snapshots --------------------------------------------------------------------
  async function loadWebhooks() {
    const data = (await api.get("/webhooks")).data;
    const hooks = clear($("webhooks-list"));
    if (!data.webhooks.length) hooks.append(el("li", { class: "hint", text: "No webhooks (POST /_sim/webhooks adds one)." }));
    for (const hook of data.webhooks) hooks.append(el("li", { "data-testid": "webhook" }, el("code", { text: hook.url }), " · " + (hook.events || []).join(", ")));
    const rows = clear($("deliveries-rows"));
    for (const delivery of data.deliveries) {
      rows.append(el("tr", { "data-testid": "delivery-row", "data-id": delivery.id },
        el("td", { text: when(delivery.created) }), el("td", { text: delivery.event }),
        el("td", { class: "dstatus " + delivery.status, "data-testid": "delivery-status", text: delivery.status }),
        el("td", { class: "num", "data-testid": "delivery-attempts", text: delivery.attempts || 0 }),
        el("td", { text: delivery.last_error || "" }),
        el("td", {}, el("button", { type: "button", class: "quiet", "data-testid": "redeliver", text: "Re-deliver",
          onclick: async () => { try { await api.post("/deliveries/" + encodeURIComponent(delivery.id) + "/retry"); say("Delivery sent again."); loadWebhooks(); } catch (e) { fail(e); } } }))));
    }
  }

  async function loadFaults() {
    const rows = clear($("faults-rows"));
    for (const rule of (await api.get("/faults")).data) {
      rows.append(el("tr", { "data-testid": "fault-row", "data-id": rule.id },
        el("td", { text: rule.method }), el("td", { text: rule.path }), el("td", { text: rule.status || "" }),
        el("td", { text: rule.latency_ms ? rule.latency_ms + " ms" : "" }),
        el("td", { text: rule.count === null || rule.count === undefined ? "∞" : Math.max(rule.count - (rule.fired || 0), 0) }),
        el("td", { class: "num", text: rule.matched || 0 }), el("td", { class: "num", "data-testid": "fault-fired", text: rule.fired || 0 }),
        el("td", {}, el("button", { type: "button", class: "quiet", "data-testid": "fault-remove", text: "Remove",
          onclick: async () => { try { await api.post("/faults/" + encodeURIComponent(rule.id) + "/delete"); loadFaults(); } catch (e) { fail(e); } } }))));
    }
  }

  async function loadSnapshots() {
    const rows = clear($("snapshots-rows"));
    for (const snap of (await api.get("/snapshots")).data) {
      const path = "/snapshots/" + encodeURIComponent(snap.name);
      rows.append(el("tr", { "data-testid": "snapshot-row", "data-name": snap.name },
        el("td", { class: "name", text: snap.name }), el("td", { text: when(snap.created) }),
        el("td", { class: "num", text: snap.records }), el("td", { class: "num", text: snap.bytes }),
        el("td", { class: "actions" },
          confirmButton("Restore", "snapshot-restore", async () => { try { await api.post(path + "/restore"); say("Restored " + snap.name + "."); refreshClock(); } catch (e) { fail(e); } }),
          confirmButton("Delete", "snapshot-delete", async () => { try { await api.post(path + "/delete"); loadSnapshots(); } catch (e) { fail(e); } }))));
    }
  }

  function wireForms() {
    $("journal-filters").addEventListener("input", () => { loadJournal().catch(fail); });
    $("journal-filters").addEventListener("submit", (event) => event.preventDefault());
    $("journal-pause").addEventListener("click", (event) => {
      journalState.paused = !journalState.paused;
      event.target.textContent = journalState.paused ? "Resume" : "Pause";
      $("journal-live").textContent = journalState.paused ? "paused" : "live";
    });
    $("fault-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const payload = {};
      for (const [key, value] of new FormData(event.target).entries()) {
        if (String(value).trim() === "") continue;
        payload[key] = ["status", "latency_ms", "count"].includes(key) ? Number(value) : String(value).trim();
      }
      try { await api.post("/faults", payload); event.target.reset(); say("Fault rule added."); loadFaults(); } catch (e) { fail(e); }
    });
    $("snapshot-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = String(new FormData(event.target).get("name") || "").trim();
      try { await api.post("/snapshots", { name }); say("Saved snapshot " + name + "."); event.target.reset(); loadSnapshots(); } catch (e) { fail(e); }
    });
    const signout = $("signout");
    if (signout) signout.addEventListener("click", async () => { try { await api.post("/signout"); } finally { window.location.reload(); } });
  }

  // -- tabs and the refresh loop --------------------------------------------------------------------
  const LOADERS = { namespaces: loadNamespaces, journal: loadJournal, outbox: loadOutbox, clock: refreshClock,
    webhooks: loadWebhooks, faults: loadFaults, snapshots: loadSnapshots, board: async () => {
      if (window.VseeBoard && typeof window.VseeBoard.show === "function") window.VseeBoard.show();
    } };
  const REFRESHED = { namespaces: loadNamespaces, outbox: loadOutbox, webhooks: loadWebhooks, faults: loadFaults };
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
    wireClock();
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
