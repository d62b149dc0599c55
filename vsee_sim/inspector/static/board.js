/* vsee-sim inspector: the clinic board (GET /_sim/ui/api/board), mounted by inspector.js as
 * window.VseeBoard.mount(section, api).
 *
 * Per room: the waiting queue in order (before_me, waited, expected wait), the visits by status
 * as columns with the provider's Start / End / No-show buttons (POST .../board/<id>/<action>,
 * /_sim/provider's own actions), and today's slots and appointments drawn in SVG.
 *
 * Every name and reason comes from namespace state and is untrusted: the DOM is built with
 * createElement/createElementNS and textContent only, never innerHTML, and no attribute is set
 * from data except data-* ids and SVG numbers. It polls while the Board tab is shown (and after
 * every clock move); it redraws only when the board's version changes, and otherwise only
 * updates the waits, so a button is never replaced under the pointer.
 */
(function () {
  "use strict";

  const POLL_MS = 2000;
  const SVG = "http://www.w3.org/2000/svg";
  const BUTTONS = { start: "Start", end: "End", noshow: "No-show" };
  const STATUS_CLASS = { 10: "pending", 20: "confirmed", 25: "inprogress", 30: "completed", 40: "cancelled" };
  const LANE_H = 32, LABEL_W = 130, WIDTH = 820, TOP = 26;

  let section = null, api = null, view = null, status = null, picker = null, accounts = null;
  let version = null, timer = null, loading = false, again = false, drawn = false;
  const chosen = { room: "", account: "" };

  // -- DOM helpers: text only ----------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function shape(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function tip(node, text) { node.append(shape("title", {}, text)); return node; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function duration(seconds) {
    const s = Math.max(0, Math.round(Number(seconds) || 0));
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    const h = Math.floor(m / 60);
    if (h < 48) return h + " h " + String(m % 60).padStart(2, "0") + " min";
    return Math.floor(h / 24) + " d " + (h % 24) + " h";
  }

  let today = null;   // the namespace's now, for clock(): another day's times show their date

  // Making an Intl.DateTimeFormat costs about a millisecond and a day's timeline labels
  // hundreds of slots: one formatter per time zone, made once.
  const formatters = new Map();

  function formatsOf(zone) {
    let found = formatters.get(zone);
    if (!found) {
      found = { day: new Intl.DateTimeFormat("en-CA", { timeZone: zone }),
                time: new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone }) };
      formatters.set(zone, found);
    }
    return found;
  }

  function clock(ts, zone) {
    if (ts === null || ts === undefined || ts === "") return "";
    const date = new Date(Number(ts) * 1000);
    if (isNaN(date)) return String(ts);
    try {
      const formats = formatsOf(zone || "UTC");
      const day = formats.day.format(date);
      if (today !== null && day !== formats.day.format(today)) return day + " " + formats.time.format(date);
      return formats.time.format(date);
    } catch (e) {
      return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
  }

  function say(text, bad) {
    status.textContent = text || "";
    status.classList.toggle("bad", Boolean(bad));
  }

  // -- loading ---------------------------------------------------------------------------------------
  function query() {
    const params = new URLSearchParams();
    if (chosen.room) params.set("room", chosen.room);
    if (chosen.account) params.set("account", chosen.account);
    const text = params.toString();
    return "/board" + (text ? "?" + text : "");
  }

  async function refresh(force) {
    if (!section || loading) { again = again || Boolean(force); return; }
    loading = true;
    try {
      const data = (await api.get(query())).data;
      if (force || data.version !== version) render(data);
      else paintWaits(data);
      version = data.version;
    } catch (e) {
      say((e && e.message) || "The board could not be read.", true);
    } finally {
      loading = false;
      if (again) { again = false; refresh(true); }
    }
  }

  function visible() { return section && !section.hidden && !document.hidden; }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (visible()) await refresh(false);
      schedule();
    }, POLL_MS);
  }

  async function act(visit, action, button) {
    const group = section.querySelectorAll('button[data-visit="' + CSS.escape(visit.id) + '"]');
    group.forEach((b) => { b.disabled = true; });
    try {
      const moved = (await api.post("/board/" + encodeURIComponent(visit.id) + "/" + action, {})).data;
      say(BUTTONS[action] + ": visit " + moved.id + " is now " + moved.status + ".");
    } catch (e) {
      say((e && e.message) || "The action failed.", true);
      group.forEach((b) => { b.disabled = false; });
    }
    button.blur();
    await refresh(true);
  }

  // -- drawing ---------------------------------------------------------------------------------------
  function buttons(visit, where) {
    const box = el("span", { class: "board-buttons" });
    for (const action of visit.actions || []) {
      const button = el("button", {
        type: "button", class: action === "start" ? "" : "quiet", "data-visit": visit.id,
        "data-testid": where + "-" + action + "-" + visit.id, text: BUTTONS[action],
      });
      button.addEventListener("click", () => act(visit, action, button));
      box.append(button);
    }
    return box;
  }

  function who(visit) {
    return visit.member_name || (visit.member_id ? "patient " + visit.member_id : "no patient");
  }

  function queueList(room, data) {
    const list = el("ol", { class: "board-queue", "data-testid": "queue-" + room.code });
    if (!room.queue.length) list.append(el("li", { class: "hint", text: "Nobody waiting." }));
    for (const row of room.queue) {
      const visit = row.visit;
      list.append(el("li", { "data-testid": "queue-row-" + visit.id, class: row.alive ? "alive" : "away" },
        el("span", { class: "board-pos", text: row.position }),
        el("span", { class: "board-who" },
          el("strong", { text: who(visit) }),
          el("span", { class: "board-meta" },
            el("span", { "data-testid": "before-me-" + visit.id, text: "before me " + row.before_me }), " · waited ",
            el("span", { "data-waited": visit.id, text: duration((data.waited || {})[visit.id]) }),
            " · expected " + duration(row.expected_wait) + " · " + (row.alive ? "online" : "offline") +
            " · #" + visit.id)),
        buttons(visit, "queue")));
    }
    if (room.waiting > room.queue.length) {
      list.append(el("li", { class: "hint", text: (room.waiting - room.queue.length) + " more waiting" }));
    }
    return list;
  }

  function card(visit, zone) {
    const times = visit.status === 25 ? "since " + clock(visit.actual_start, zone)
      : visit.status >= 30 ? "ended " + clock(visit.actual_end, zone)
        : (visit.type === 1 ? "entered " + clock(visit.created, zone) : "at " + clock(visit.start, zone));
    return el("li", { class: "board-card status-" + (STATUS_CLASS[visit.status] || "other"), "data-testid": "card-" + visit.id },
      el("strong", { text: who(visit) }),
      el("span", { class: "board-meta", text: "#" + visit.id + " · " + visit.type_name + " · " + times }),
      visit.provider_name ? el("span", { class: "board-meta", text: "with " + visit.provider_name }) : null,
      visit.reason ? el("span", { class: "board-meta", text: visit.reason }) : null,
      buttons(visit, "board"));
  }

  function columns(room, zone) {
    const box = el("div", { class: "board-columns" });
    for (const column of room.columns) {
      const list = el("ol", { class: "board-cards" });
      for (const visit of column.visits) list.append(card(visit, zone));
      if (column.count > column.visits.length) {
        list.append(el("li", { class: "hint", text: (column.count - column.visits.length) + " more" }));
      }
      box.append(el("section", { class: "board-column status-" + STATUS_CLASS[column.status],
        "data-testid": "column-" + room.code + "-" + column.status },
      el("h4", {}, column.status + " " + column.name + " ", el("span", { class: "board-count", text: column.count })),
      list));
    }
    return box;
  }

  function timeline(room, now) {
    const line = room.timeline;
    const [from, to] = line.span;
    const zone = line.timezone;
    const x = (t) => LABEL_W + (Math.min(Math.max(t, from), to) - from) / Math.max(1, to - from) * (WIDTH - LABEL_W - 10);
    const lanes = line.lanes.length ? line.lanes : [{ provider_id: null, provider_name: "no provider", slots: [], appointments: [] }];
    const height = TOP + lanes.length * LANE_H + 6;
    const drawing = shape("svg", { viewBox: "0 0 " + WIDTH + " " + height, class: "board-timeline", role: "img",
      "data-testid": "timeline-" + room.code });
    drawing.append(shape("title", {}, "Today in " + room.name + " (" + zone + "): " + line.counts.free + " free, " +
      line.counts.booked + " booked, " + line.counts.past + " past slots"));
    line.ticks.forEach((mark, i) => {
      const anchor = i === line.ticks.length - 1 ? "end" : "middle";   // the last label stays inside
      drawing.append(shape("line", { x1: x(mark.at), x2: x(mark.at), y1: TOP - 6, y2: height - 4, class: "tick" }));
      drawing.append(shape("text", { x: x(mark.at), y: TOP - 10, class: "tick-label", "text-anchor": anchor }, mark.label));
    });
    lanes.forEach((lane, i) => {
      const y = TOP + i * LANE_H;
      const name = lane.provider_name || "";
      drawing.append(shape("rect", { x: 0, y: y + 2, width: WIDTH, height: LANE_H - 4, class: "lane" }));
      drawing.append(tip(shape("text", { x: 6, y: y + LANE_H / 2 + 5, class: "lane-label" },
        name.length > 16 ? name.slice(0, 15) + "…" : name), name));
      for (const slot of lane.slots) {
        drawing.append(tip(shape("rect", { x: x(slot.start) + 0.5, y: y + 5, width: Math.max(1, x(slot.end) - x(slot.start) - 1),
          height: LANE_H - 10, rx: 2, class: "slot " + slot.state, "data-state": slot.state }),
        clock(slot.start, zone) + "–" + clock(slot.end, zone) + " " + slot.state));
      }
      for (const booked of lane.appointments) {
        drawing.append(tip(shape("rect", { x: x(booked.start), y: y + LANE_H - 11, width: Math.max(3, x(booked.end) - x(booked.start)),
          height: 7, rx: 2, class: "appt status-" + (STATUS_CLASS[booked.status] || "other"), "data-testid": "timeline-visit-" + booked.id }),
        (booked.member_name || "patient") + " · " + clock(booked.start, zone) + "–" + clock(booked.end, zone) + " · " +
          booked.status_name + " · #" + booked.id));
      }
    });
    if (now >= from && now <= to) {
      drawing.append(shape("line", { x1: x(now), x2: x(now), y1: TOP - 4, y2: height - 2, class: "now-line" }));
    }
    const legend = el("p", { class: "board-legend" },
      el("span", { class: "key free", text: "free" }), el("span", { class: "key booked", text: "booked" }),
      el("span", { class: "key past", text: "past" }), el("span", { class: "key appt", text: "appointment" }),
      el("span", { class: "key now", text: "now" }),
      " " + line.counts.free + " free · " + line.counts.booked + " booked · times in " + zone);
    return el("figure", { class: "board-day" }, drawing, legend);
  }

  function render(data) {
    today = new Date(Number(data.now) * 1000);
    fillPickers(data);
    const rooms = data.board.map((room) => {
      const zone = room.timeline.timezone;
      return el("article", { class: "board-room", "data-testid": "board-room-" + room.code },
        el("h3", {}, room.name + " ", el("code", { text: room.code }),
          room.closed ? el("span", { class: "board-closed", text: "closed" }) : null,
          el("span", { class: "board-providers", text: room.providers.map((p) => p.name).join(", ") })),
        el("div", { class: "board-top" },
          el("div", {}, el("h4", { text: "Waiting room (" + room.waiting + ")" }), queueList(room, data)),
          el("div", {}, el("h4", { text: "Today" }), timeline(room, data.now))),
        columns(room, zone));
    });
    if (!rooms.length) rooms.push(el("p", { class: "hint", text: "This clinic has no rooms." }));
    clear(view).append(...rooms);
    // bench/inspector.py reads when the board was first drawn
    if (!drawn && window.performance && performance.mark) performance.mark("vsee-board-data");
    drawn = true;
  }

  function paintWaits(data) {
    view.querySelectorAll("[data-waited]").forEach((node) => {
      node.textContent = duration((data.waited || {})[node.getAttribute("data-waited")]);
    });
  }

  function fillPickers(data) {
    const rooms = [["", "All rooms"]].concat(data.rooms.map((r) => [r.code, r.name + " (" + r.code + ")"]));
    fill(picker, rooms, chosen.room);
    fill(accounts, data.accounts.map((a) => [a, a]), data.account);
    accounts.parentElement.style.display = data.accounts.length < 2 ? "none" : "";   // CSSOM: allowed by the CSP
  }

  function fill(select, options, value) {
    const wanted = JSON.stringify(options);
    if (select.dataset.options !== wanted) {
      clear(select).append(...options.map(([v, label]) => el("option", { value: v, text: label })));
      select.dataset.options = wanted;
    }
    select.value = value;
  }

  // -- mounting ----------------------------------------------------------------------------------------
  function mount(element, inspectorApi) {
    section = element;
    api = inspectorApi;
    picker = el("select", { "data-testid": "board-room-picker" });
    accounts = el("select", { "data-testid": "board-account-picker" });
    picker.addEventListener("change", () => { chosen.room = picker.value; refresh(true); });
    accounts.addEventListener("change", () => { chosen.account = accounts.value; chosen.room = ""; refresh(true); });
    status = el("p", { class: "board-status", role: "status", "aria-live": "polite", "data-testid": "board-status" });
    view = el("div", { class: "board-rooms", "data-testid": "board-rooms" }, el("p", { class: "hint", text: "Loading…" }));
    section.append(
      el("form", { class: "filters board-filters", onsubmit: (e) => e.preventDefault() },
        el("label", {}, "Room ", picker), el("label", {}, "Account ", accounts),
        el("button", { type: "button", class: "quiet", "data-testid": "board-refresh", text: "Refresh",
          onclick: () => refresh(true) })),
      status, view);
    if (typeof api.onClock === "function") api.onClock(() => { if (visible()) refresh(false); });
    document.addEventListener("visibilitychange", () => { if (visible()) refresh(false); });
    schedule();
    if (visible()) refresh(true);
  }

  window.VseeBoard = { mount, show: () => refresh(false) };
}());
