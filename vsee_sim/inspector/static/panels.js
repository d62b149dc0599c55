/* vsee-sim inspector: the Namespaces, Outbox, Clock, Webhooks, Faults and Snapshots tabs.
 *
 * Loaded after inspector.js (its helpers: window.VseeInspector); each tab registers
 * {load, refresh, wire} in inspector.panels. The same rule as there: data becomes text
 * (el(..., {text}) / textContent), never HTML, and links only through portalHref.
 */
(function () {
  "use strict";

  const inspector = window.VseeInspector;
  const { api, NS, PREFIX, el, clear, $, when, say, fail, portalHref, pretty, confirmButton, refill, showClock, refreshClock } = inspector;

  // -- namespaces ---------------------------------------------------------------------------------
  async function loadNamespaces() {
    refill($("namespaces-rows"), (await api.get("/namespaces")).data, namespaceRow);
  }

  function namespaceRow(item) {
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
    return el("tr", { "data-testid": "ns-row", "data-ns": item.namespace, class: item.namespace === NS ? "current" : "" },
      el("td", { class: "name", text: item.namespace }), el("td", { text: item.fixture }), el("td", { text: item.seed }),
      el("td", { text: mode + " · " + when(item.clock.now) }), el("td", { class: "num", text: item.users }),
      el("td", { class: "num", text: item.visits }), el("td", { class: "num", text: item.journal }),
      el("td", { class: "num", text: item.outbox }), el("td", { text: when(item.last_request) || "—" }),
      el("td", { class: "actions" }, open, reset, drop));
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
      window.open(PREFIX + "/auth?sso_token=" + encodeURIComponent(json.data.token), "_blank", "noopener");
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
      for (const item of data.effects) {
        list.append(el("li", { class: "effect " + item.kind, "data-testid": "clock-effect", "data-kind": item.kind },
          el("span", { class: "tag", text: item.kind }), item.text));
      }
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
    refill($("faults-rows"), (await api.get("/faults")).data, (rule) =>
      el("tr", { "data-testid": "fault-row", "data-id": rule.id },
        el("td", { text: rule.method }), el("td", { text: rule.path }), el("td", { text: rule.status || "" }),
        el("td", { text: rule.latency_ms ? rule.latency_ms + " ms" : "" }),
        el("td", { text: rule.count === null || rule.count === undefined ? "∞" : Math.max(rule.count - (rule.fired || 0), 0) }),
        el("td", { class: "num", text: rule.matched || 0 }), el("td", { class: "num", "data-testid": "fault-fired", text: rule.fired || 0 }),
        el("td", {}, el("button", { type: "button", class: "quiet", "data-testid": "fault-remove", text: "Remove",
          onclick: async () => { try { await api.post("/faults/" + encodeURIComponent(rule.id) + "/delete"); loadFaults(); } catch (e) { fail(e); } } }))));
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
  }

  Object.assign(inspector.panels, {
    namespaces: { load: loadNamespaces, refresh: true },
    outbox: { load: loadOutbox, refresh: true },
    webhooks: { load: loadWebhooks, refresh: true },
    faults: { load: loadFaults, refresh: true, wire: wireForms },
    snapshots: { load: loadSnapshots },
    clock: { load: refreshClock, wire: wireClock },
  });
}());
