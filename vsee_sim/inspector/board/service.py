"""The clinic board: a namespace's rooms as the inspector shows them, and the provider's buttons.

What it reads, and how (it must stay fast with thousands of visits):
- the account's visits once: one room by the ``room_code`` index, all rooms in one pass
  grouped by room; columns and queues are built from those lists, never by a scan per visit;
- names of the patients and providers shown only (a memo of ``users.get``), columns capped;
- each room's slots for its day by ``appointments.service.room_slots`` (GET /availability's
  rows), so the board's free and booked slots are the ones the API offers.

Reading the board cancels walk-ins past the clinic's max wait first, as every API read of
visits does (``visits.service.expire_waiting``), so it never shows a patient the next API
call would not. The buttons are ``/_sim/provider``'s actions (``control.provider.service``):
the same status machine, notifications, webhooks and related-visit mirroring.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import replace

from vsee_sim.api.appointments import service as appointments
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import rules as visit_rules
from vsee_sim.api.visits import service as visits
from vsee_sim.control.provider import service as provider
from vsee_sim.core.errors import BadRequest
from vsee_sim.core.tenancy import Ctx
from vsee_sim.inspector.board import rules

TYPE_NAMES = {visit_rules.WALKIN: "walk-in", visit_rules.SCHEDULED: "appointment",
              visit_rules.ECONSULT: "e-consult", visit_rules.INVITED_GUEST: "invited guest"}
BUTTONS = {"start": provider.start, "end": provider.end, "noshow": provider.no_show}


def for_account(ctx: Ctx, account: str | None) -> Ctx:
    """The context of ``account`` of this namespace (the request's own when none is named)."""
    if not account or account == ctx.db.code:
        return ctx
    db = ctx.world.account(account)
    if db is None:
        raise BadRequest.field("account", f"no account {account!r} in namespace {ctx.world.name}.")
    return replace(ctx, db=db, token=None, api_key=None)


# -- reading ---------------------------------------------------------------------------------------
def board(ctx: Ctx, room_code: str | None = None, limit: int = rules.DEFAULT_LIMIT) -> dict:
    """The board of the account: every room (or ``room_code``'s) with its queue (the first
    ``limit`` patients; ``waiting`` counts them all), its visits by status (``limit`` cards per
    column) and its day's timeline.

    ``version`` changes when what is shown changes, not when only time passes (``now`` and the
    ``waited`` seconds are outside it): a poller redraws only then.
    """
    visits.expire_waiting(ctx)
    now = ctx.now
    every_room = ctx.db.rooms.all()
    if room_code:
        chosen = [rooms.get_room(ctx, room_code, field="room")]
        by_room = {chosen[0]["code"]: ctx.db.visits.find("room_code", chosen[0]["code"])}
    else:
        chosen, by_room = every_room, defaultdict(list)
        for visit in ctx.db.visits.all():
            by_room[visit.get("room_code")].append(visit)
    waiting_room = {"capacity": int(visits.setting(ctx, "waiting_room", "capacity") or 0),
                    "average_visit_time": int(visits.setting(ctx, "waiting_room", "average_visit_time") or 0)}
    names = _Names(ctx)
    waited: dict[str, int] = {}
    shown = [_room(ctx, room, by_room.get(room["code"], []), waiting_room, limit, names, waited)
             for room in chosen]
    body = {
        "namespace": ctx.world.name, "account": ctx.db.code,
        "accounts": sorted(ctx.world.accounts), "room": chosen[0]["code"] if room_code else None,
        "rooms": [{"code": r["code"], "name": r.get("name") or r["code"]} for r in every_room],
        "waiting_room": waiting_room, "limit": limit, "board": shown,
    }
    version = hashlib.sha1(json.dumps(body, default=str).encode()).hexdigest()[:16]  # built in a fixed order
    return {"now": now, "version": version, "waited": waited, **body}


def _room(ctx: Ctx, room: dict, found: list[dict], waiting_room: dict, limit: int,
          names: _Names, waited: dict[str, int]) -> dict:
    now = ctx.now
    queue = []
    rows = rules.queue(found, now, waiting_room["average_visit_time"])
    for row in rows[:limit]:
        waited[row["visit"]["id"]] = row["waited"]
        queue.append({"visit": _card(row["visit"], names), "position": row["position"],
                      "before_me": row["before_me"], "expected_wait": row["expected_wait"],
                      "alive": users.is_alive(names.user(row["visit"].get("member_id")), now)})
    columns = [{**col, "visits": [_card(v, names) for v in col["visits"]]}
               for col in rules.columns(found, limit)]
    return {"code": room["code"], "name": room.get("name") or room["code"],
            "closed": bool((room.get("operation_settings") or {}).get("is_closed")),
            "providers": [{"id": str(p), "name": names.name(p)} for p in room.get("provider_ids") or []],
            "waiting": len(rows), "queue": queue, "columns": columns,
            "timeline": _timeline(ctx, room, found, names)}


def _timeline(ctx: Ctx, room: dict, found: list[dict], names: _Names) -> dict:
    """Today in the room's timezone (its first schedule's; UTC without one): the providers'
    slots and the appointments (scheduled visits) of the day."""
    schedule = ctx.db.schedules.find_one("room_code", room["code"]) or {}
    tz = rules.zone(schedule.get("timezone"))
    day = rules.day_bounds(ctx.now, tz)
    scheduled = [v for v in found if int(v.get("type") or 0) == visit_rules.SCHEDULED]
    drawn = rules.timeline(day, appointments.room_slots(ctx, room, *day), scheduled, ctx.now,
                           [str(p) for p in room.get("provider_ids") or []])
    for lane in drawn["lanes"]:
        lane["provider_name"] = names.name(lane["provider_id"]) if lane["provider_id"] else "no provider"
        lane["appointments"] = [_booked(a, names) for a in lane["appointments"]]
    drawn["timezone"] = tz.key
    drawn["ticks"] = rules.ticks(tuple(drawn["span"]), tz)
    return drawn


def _booked(appointment: dict, names: _Names) -> dict:
    """An appointment on the timeline: who, when, which status (no buttons: the cards have them)."""
    status, visit = appointment["status"], appointment["visit"]
    return {"id": visit["id"], "member_name": names.name(visit.get("member_id")),
            "start": appointment["start"], "end": appointment["end"], "status": status,
            "status_name": visit_rules.STATUSES.get(status, str(status))}


def _card(visit: dict, names: _Names) -> dict:
    """A visit as the board shows it: who, what, when, and the buttons its status offers."""
    status, kind = int(visit.get("status") or 0), int(visit.get("type") or 0)
    return {
        "id": visit["id"], "type": kind, "type_name": TYPE_NAMES.get(kind, str(kind)),
        "status": status, "status_name": visit_rules.STATUSES.get(status, str(status)),
        "room_code": visit.get("room_code"),
        "member_id": visit.get("member_id"), "member_name": names.name(visit.get("member_id")),
        "provider_id": visit.get("provider_id"), "provider_name": names.name(visit.get("provider_id")),
        **{k: visit.get(k) for k in ("created", "start", "end", "actual_start", "actual_end", "reason")},
        "actions": rules.actions(status),
    }


class _Names:
    """Users by id, each looked up once per board."""

    def __init__(self, ctx: Ctx) -> None:
        self._users = ctx.db.users
        self._seen: dict[str, dict | None] = {}
        self._names: dict[str, str] = {}

    def user(self, user_id) -> dict | None:
        if user_id in (None, ""):
            return None
        key = str(user_id)
        if key not in self._seen:
            self._seen[key] = self._users.get(key)
        return self._seen[key]

    def name(self, user_id) -> str:
        if user_id in (None, ""):
            return ""
        key = str(user_id)
        name = self._names.get(key)
        if name is None:
            user = self.user(key)
            name = users.full_name(user) or (f"user {key}" if user else f"unknown user {key}")
            self._names[key] = name
        return name


# -- the buttons -------------------------------------------------------------------------------------
def act(ctx: Ctx, visit_id: str, button: str, provider_id: str | None = None) -> dict:
    """Start, End or No-show: ``/_sim/provider``'s action on the visit; the visit as the API
    shows it afterwards. A move the status does not allow is the machine's own 400."""
    action = BUTTONS.get(button)
    if action is None:
        raise BadRequest.field("action", f"use one of {', '.join(BUTTONS)}.")
    return action(ctx, visit_id, provider_id)
