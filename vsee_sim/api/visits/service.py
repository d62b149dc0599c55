"""Visits: walk-ins, appointments, the status machine in use, and the waiting room.

Deviations from VSee, and choices where the documentation is silent (docs/fidelity.md V*):
- A pending walk-in older than the clinic's ``visit.time.max_wait_time`` is cancelled
  (reason ``maxwaitingtime_reached``) when anything next looks at the clinic's visits:
  the effect a client sees is the same as the real service's timer, on the namespace clock.
- ``GET /visits/current`` with no visit in progress or waiting answers ``{"data": null}``.
- A second walk-in of a patient already waiting is accepted (a new visit, as the real
  service's PHP does not refuse it); the queue counts the patient from their first.
- A patient's add_walkin counts as a keep-alive (``last_connected``).
- Booking lives in ``visits/booking.py``; the provider's side in ``visits/desk.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

from vsee_sim.api.intakes import service as intakes
from vsee_sim.api.notifications import service as notifications
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import rules
from vsee_sim.api.visits.present import present
from vsee_sim.core import events
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound
from vsee_sim.core.tenancy import Ctx


# -- reading ------------------------------------------------------------------------
def list_visits(ctx: Ctx, args: dict) -> Iterator[dict]:
    """The visits the caller sees, newest ``start`` first, each presented as the encoder
    reaches it (core/wire.py ``JsonItems``)."""
    user = ctx.require_user()
    expire_waiting(ctx)
    found = [v for v in _visible(ctx, user, args) if _matches(v, args)]
    found.sort(key=lambda v: (int(v.get("start") or 0), rules.queue_key(v)), reverse=True)
    return (present(ctx, v) for v in found)


def get_visit(ctx: Ctx, visit_id: str) -> dict:
    user = ctx.require_user()
    expire_waiting(ctx)
    return present(ctx, _visit_for(ctx, user, visit_id))


def current(ctx: Ctx) -> dict | None:
    """The caller's visit in progress; else the walk-in they are waiting in; else null."""
    user = ctx.require_user()
    expire_waiting(ctx)
    field = "provider_id" if users.is_provider(user) else "member_id"
    # by (user, status): a call in progress, or (a patient) a walk-in waiting; never the user's
    # history or the appointments booked ahead, however many there are
    statuses = (rules.IN_PROGRESS,) if field == "provider_id" else (rules.IN_PROGRESS, rules.PENDING)
    mine = [v for status in statuses for v in ctx.db.visits.find((field, "status"), (user["id"], status))]
    in_call = [v for v in mine if int(v["status"]) == rules.IN_PROGRESS]
    if in_call:
        return present(ctx, max(in_call, key=lambda v: int(v.get("actual_start") or 0)))
    if users.is_provider(user):
        return None             # a provider's current visit is a call; waiting patients are the queue's
    waiting = sorted((v for v in mine if rules.is_waiting(v)), key=rules.queue_key)
    return present(ctx, waiting[0]) if waiting else None


def queue(ctx: Ctx, room_code: str) -> dict:
    room = rooms.get_room(ctx, room_code)
    expire_waiting(ctx)
    waiting = _waiting_in(ctx, room["code"])
    user = ctx.user
    mine = None
    if user is not None:
        own = sorted((v for v in waiting if v.get("member_id") == user["id"]), key=rules.queue_key)
        mine = own[0] if own else None
    settings = _waiting_room_settings(ctx)
    return rules.queue_view(waiting, mine, **settings)


# -- creating -----------------------------------------------------------------------
def add_walkin(ctx: Ctx, args: dict) -> dict:
    """Enter the waiting room (status 10), for oneself or, as staff or provider, for a patient."""
    user = ctx.require_user()
    expire_waiting(ctx)
    member = member_for(ctx, user, args)
    appointment = _appointment_for_walkin(ctx, member, args)
    intake_id = args.get("intake_id") or (appointment or {}).get("intake_id")
    if not intake_id:
        raise BadRequest.missing("intake_id")
    intake = usable_intake(ctx, intake_id, member, allow_visit=(appointment or {}).get("id"))
    room = rooms.get_room(ctx, args.get("room_code") or intake.get("room_code") or "", field="room_code")
    room_open(room, "walkin")
    provider_id = room_provider(ctx, room, args.get("provider_id"))
    waiting = _waiting_in(ctx, room["code"])
    settings = _waiting_room_settings(ctx)
    if rules.room_is_full(len(waiting), settings["capacity"]):
        raise BadRequest(f"The waiting room {room['code']} is full ({settings['capacity']} waiting).")
    consultation = rooms.visit_consultation(room, None, intake)
    duration = _minutes(consultation)
    visit = new_visit(ctx, user, member, room, intake, consultation, type=rules.WALKIN,
                       status=rules.PENDING, provider_id=provider_id,
                       start=ctx.now, end=ctx.now + duration * 60)
    if member["id"] == user["id"]:
        users.connected(ctx, member)  # entering the waiting room is a keep-alive (fidelity Q3)
    if appointment is not None:
        visit = ctx.db.visits.update(visit["id"], appointment_id=appointment["id"])
        ctx.db.visits.update(appointment["id"], related_walkin_id=visit["id"], modified=ctx.now)
    publish(ctx, "visit.created", visit)
    return present(ctx, visit)


def add_econsult(ctx: Ctx, args: dict) -> dict:
    """An e-consult (type 3): a pending visit a provider answers later; it never queues."""
    user = ctx.require_user()
    member = member_for(ctx, user, args)
    if not args.get("intake_id"):
        raise BadRequest.missing("intake_id")
    intake = usable_intake(ctx, args["intake_id"], member)
    room = rooms.get_room(ctx, args.get("room_code") or intake.get("room_code") or "", field="room_code")
    room_open(room, None)
    provider_id = room_provider(ctx, room, args.get("provider_id") or intake.get("provider_id"))
    consultation = rooms.visit_consultation(room, None, intake)
    visit = new_visit(ctx, user, member, room, intake, consultation, type=rules.ECONSULT,
                       status=rules.PENDING, provider_id=provider_id, start=ctx.now,
                       end=ctx.now + _minutes(consultation) * 60)
    publish(ctx, "visit.created", visit)
    return present(ctx, visit)


# -- changing status ----------------------------------------------------------------
def start(ctx: Ctx, args: dict) -> dict:
    """POST /visits/inprogress: the call begins (10/20 -> 25)."""
    user = ctx.require_user()
    expire_waiting(ctx)
    if not (users.is_provider(user) or users.is_staff(user)):
        raise Forbidden("Only a provider (or staff) starts a visit.")
    visit = _visit_for(ctx, user, args["id"])
    actual_start = args.get("actual_start") or ctx.now
    if not int(visit.get("created") or 0) <= actual_start <= ctx.now:
        raise BadRequest.field("actual_start", "must lie between the visit's creation and now.")
    changes = {"actual_start": actual_start}
    if not visit.get("provider_id") and users.is_provider(user):
        changes["provider_id"] = user["id"]
    return present(ctx, change_status(ctx, visit, "start", user, **changes))


def close(ctx: Ctx, args: dict) -> dict:
    """POST /visits/close: 25 -> 30 (call ended); 10/20 -> 40 (left, cancelled, max wait)."""
    user = ctx.require_user()
    expire_waiting(ctx)
    visit = _visit_for(ctx, user, args["id"])
    action = rules.close_action(args.get("status"))
    reason = rules.clean_reason(args.get("reason"))
    extra = {}
    if args.get("actual_end") is not None:
        began = int(visit.get("actual_start") or visit.get("created") or 0)
        if not began <= args["actual_end"] <= ctx.now:
            raise BadRequest.field("actual_end", "must lie between the visit's start (or creation) and now.")
        extra["actual_end"] = args["actual_end"]
    return present(ctx, change_status(ctx, visit, action, user, reason=reason, **extra))


def delete(ctx: Ctx, args: dict) -> dict:
    """POST /visits/delete: cancel (status 40); the record stays, as VSee's does."""
    user = ctx.require_user()
    expire_waiting(ctx)
    visit = _visit_for(ctx, user, args["id"])
    reason = rules.clean_reason(args.get("reason"))
    return present(ctx, change_status(ctx, visit, "cancel", user, reason=reason))


def change_status(ctx: Ctx, visit: dict, action: str, user: dict | None, *, reason: str | None = None,
                  **changes) -> dict:
    """Every status change goes through here (and so through the rules' table)."""
    current = int(visit.get("status") or 0)
    status = rules.transition(current, action)
    changes.update(status=status, modified=ctx.now)
    if status in (rules.COMPLETED, rules.CANCELLED):
        changes.setdefault("actual_end", ctx.now)
        changes["completed_by"] = user["id"] if user else visit.get("member_id")
        changes["reason"] = reason or rules.default_reason(status, int(visit.get("type") or 0))
    updated = ctx.db.visits.update(visit["id"], **changes)
    notifications.tell_visit(ctx, updated, notifications.VISIT_EVENTS[status], user)
    publish(ctx, notifications.VISIT_EVENTS[status], updated)
    _follow_related(ctx, updated, action, user)
    return updated


def expire_waiting(ctx: Ctx) -> None:
    """Cancel pending walk-ins that waited longer than the clinic allows (on the namespace clock)."""
    max_wait = int(setting(ctx, "visit", "time", "max_wait_time") or 0)
    if max_wait <= 0:
        return
    now = ctx.now
    for visit in ctx.db.visits.find("status", rules.PENDING):
        if rules.waited_too_long(visit, now, max_wait):
            change_status(ctx, visit, "expire", None, reason=rules.MAX_WAIT_REASON,
                          actual_end=int(visit.get("created") or now) + max_wait)


# -- helpers ------------------------------------------------------------------------
def publish(ctx: Ctx, event: str, visit: dict) -> None:
    """Tell the namespace's webhooks (DESIGN decision 13): ``{"event", "data": <visit>}``."""
    events.publish(ctx.world, event, lambda: present(ctx, ctx.db.visits.get(visit["id"]) or visit),
                   account=ctx.db.code)


def _follow_related(ctx: Ctx, visit: dict, action: str, user: dict | None) -> None:
    """An appointment and the walk-in entered for it start and end together, when they can.

    Each change is mirrored once: the mirror's own status no longer allows the action, so
    the recursion stops there.
    """
    other_id = visit.get("appointment_id") or visit.get("related_walkin_id")
    other = ctx.db.visits.get(other_id) if other_id else None
    if other is None or action == "expire":
        return
    if int(other.get("status") or 0) in rules.TRANSITIONS[action]:
        extra = {k: visit[k] for k in ("actual_start",) if action == "start" and visit.get(k)}
        change_status(ctx, other, action, user, reason=visit.get("reason"), **extra)


def new_visit(ctx: Ctx, creator: dict, member: dict, room: dict, intake: dict | None,
               consultation: dict | None, **fields) -> dict:
    now = ctx.now
    visit_id = ctx.ids.next_number("visit")
    visit = {
        "id": visit_id,
        "code": ctx.ids.hex32(),
        "member_id": member["id"],
        "room_code": room["code"],
        "intake_id": intake["id"] if intake else None,
        "subtype": 3,
        "actual_start": None,
        "actual_end": None,
        "completed_by": None,
        "reason": None,
        "one_time_link_token": None,
        "creator_id": creator["id"],
        "payment": _payment(consultation),
        "meeting": {"meeting_id": f"{now * 1000}_{ctx.ids.uuid()}__jitsi",
                    "conference_pin": int(ctx.ids.digits(6))},
        "created": now,
        "modified": now,
        **fields,
    }
    ctx.db.visits.insert(visit)
    linked = ctx.db.visits.get(intake.get("visit_id")) if intake and intake.get("visit_id") else None
    if linked is not None and int(linked.get("status") or 0) in rules.ACTIVE:
        intake = None  # a walk-in for an appointment shares its intake; it stays the appointment's
    if intake is not None:
        # the intake records who is visited: the visit's provider, once there is one
        ctx.db.intakes.update(intake["id"], visit_id=visit_id, modified=now,
                              type=1 if fields["type"] == rules.WALKIN else 2,
                              provider_id=fields.get("provider_id") or intake.get("provider_id"),
                              consultation_id=(consultation or {}).get("id") or intake.get("consultation_id"))
    return visit


def _payment(consultation: dict | None) -> dict:
    if not consultation:
        return {"duration": None, "amount": "0.00", "description": None, "id": None}
    amount = f"{float(consultation.get('amount') or 0):.2f}"
    return {"duration": consultation.get("duration"), "amount": amount,
            "description": consultation.get("description"), "id": consultation.get("id")}


def _minutes(consultation: dict | None) -> int:
    return int((consultation or {}).get("duration") or 15)


def member_for(ctx: Ctx, user: dict, args: dict) -> dict:
    """The patient the visit is for: the caller, or (staff, providers) member_id / member_code."""
    member = None
    if args.get("member_id"):
        member = ctx.db.users.get(str(args["member_id"]))
        if member is None:
            raise BadRequest.field("member_id", f"no user {args['member_id']} in this clinic.")
    elif args.get("member_code"):
        member = ctx.db.users.find_one("code", args["member_code"])
        if member is None:
            raise BadRequest.field("member_code", f"no user with code {args['member_code']!r} here.")
    if member is None:
        if users.is_patient(user):
            return user
        raise BadRequest.missing("member_id")
    name = "member_id" if args.get("member_id") else "member_code"
    if not users.is_patient(member):
        raise BadRequest.field(name, f"user {member['id']} is not a patient.")
    if member["id"] != user["id"] and not (users.is_staff(user) or users.is_provider(user)):
        raise Forbidden("Only staff or providers may act on behalf of another patient.")
    return member


def usable_intake(ctx: Ctx, intake_id: str, member: dict, allow_visit: str | None = None) -> dict:
    intake = intakes.get_intake(ctx, intake_id, field="intake_id")
    if intake.get("member_id") is None:
        intake = intakes.claim(ctx, intake, member)
    elif intake["member_id"] != member["id"]:
        raise BadRequest.field("intake_id", "this intake belongs to another patient.")
    linked = ctx.db.visits.get(intake.get("visit_id")) if intake.get("visit_id") else None
    if linked is not None and linked["id"] != allow_visit and int(linked.get("status") or 0) in rules.ACTIVE:
        raise BadRequest.field("intake_id", f"this intake is already used by visit {linked['id']}.")
    return intake


def _appointment_for_walkin(ctx: Ctx, member: dict, args: dict) -> dict | None:
    """add_walkin's visit_id / appointment_id: the patient arrives for a scheduled appointment."""
    name = "visit_id" if args.get("visit_id") else "appointment_id"
    visit_id = args.get(name)
    if not visit_id:
        return None
    appointment = ctx.db.visits.get(str(visit_id))
    if appointment is None or appointment.get("member_id") != member["id"]:
        raise BadRequest.field(name, f"no appointment {visit_id} of this patient.")
    if int(appointment.get("type") or 0) != rules.SCHEDULED or int(appointment["status"]) != rules.CONFIRMED:
        raise BadRequest.field(name, f"visit {visit_id} is not a confirmed appointment "
                                     f"(status {rules.describe(int(appointment['status']))}).")
    return appointment


def room_provider(ctx: Ctx, room: dict, provider_id) -> str | None:
    if not provider_id:
        return None
    provider_id = str(provider_id)
    if provider_id not in (room.get("provider_ids") or []):
        raise BadRequest.field("provider_id", f"user {provider_id} is not a provider of room {room['code']}.")
    return provider_id


def room_open(room: dict, kind: str | None) -> None:
    if (room.get("operation_settings") or {}).get("is_closed"):
        raise BadRequest(room["operation_settings"].get("close_msg") or f"Room {room['code']} is closed.")
    if kind and not ((room.get("visits") or {}).get(kind) or {}).get("enabled", True):
        raise BadRequest(f"Room {room['code']} does not take {kind} visits.")


def _waiting_in(ctx: Ctx, room_code: str) -> list[dict]:
    # by (room, status): a room's pending visits are few (max wait cancels them), its history is not
    return [v for v in ctx.db.visits.find(("room_code", "status"), (room_code, rules.PENDING))
            if rules.is_waiting(v)]


def _waiting_room_settings(ctx: Ctx) -> dict:
    settings = (ctx.db.meta.get("settings") or {}).get("waiting_room") or {}
    return {"capacity": int(settings.get("capacity") or 0),
            "average_visit_time": int(settings.get("average_visit_time") or 0)}


def setting(ctx: Ctx, *path: str):
    node = ctx.db.meta.get("settings") or {}
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _visible(ctx: Ctx, user: dict, args: dict | None = None) -> list[dict]:
    """Patients see their own visits, providers those of their rooms, staff the account's
    (only the ones a filter in ``args`` can match: by its index, not by scanning them all)."""
    if users.is_staff(user):
        for name in ("member_id", "provider_id", "room_code"):
            if (args or {}).get(name):
                return ctx.db.visits.find(name, str(args[name]))
        return ctx.db.visits.all()
    if users.is_provider(user):
        return _provider_visits(ctx, user["id"])
    return ctx.db.visits.find("member_id", user["id"])


def _provider_visits(ctx: Ctx, provider_id: str) -> list[dict]:
    """A provider's visits, then those of their rooms. Reads whichever is fewer: each of the
    provider's rooms (an index lookup each) or the account's visits (a room lookup each), so
    a provider of thousands of rooms does not pay for the empty ones (issue 14)."""
    visits = ctx.db.visits
    seen: dict[str, dict] = {v["id"]: v for v in visits.find("provider_id", provider_id)}
    if ctx.db.rooms.count("provider_ids", provider_id, each=True) <= len(visits):
        for room in rooms.provider_rooms(ctx, provider_id):
            seen.update((v["id"], v) for v in visits.find("room_code", room["code"]))
        return list(seen.values())
    theirs: dict = {}   # room code -> is it one of the provider's rooms?
    for visit in visits.all():
        code = visit.get("room_code")
        if not isinstance(code, str):
            continue
        if code not in theirs:
            room = ctx.db.rooms.find_one("code", code)
            theirs[code] = room is not None and provider_id in (room.get("provider_ids") or [])
        if theirs[code]:
            seen.setdefault(visit["id"], visit)
    return list(seen.values())


def can_see(ctx: Ctx, user: dict, visit: dict) -> bool:
    return rooms.can_see_visit(ctx, user, visit)


def _visit_for(ctx: Ctx, user: dict, visit_id) -> dict:
    visit = ctx.db.visits.get(str(visit_id))
    if visit is None:
        raise NotFound(f"Visit {visit_id} not found.")
    if not can_see(ctx, user, visit):
        raise Forbidden(f"You may not see or change visit {visit_id}.")
    return visit


def _matches(visit: dict, args: dict) -> bool:
    for name in ("status", "type"):
        wanted = args.get(name)
        if wanted and int(visit.get(name) or 0) not in wanted:
            return False
    for name in ("room_code", "member_id", "provider_id"):
        if args.get(name) and str(visit.get(name)) != str(args[name]):
            return False
    return True
