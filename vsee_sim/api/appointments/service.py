"""Appointments: providers' available slots (GET /availability), and the slot checks
the booking of an appointment (POST /visits) makes under the world lock.

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, AV1-AV10):
- Slots come from ``schedules`` records (weekly hours per provider and room, in the
  provider's timezone), cut from each interval's start into slots of the consultation's
  duration. A booked slot is listed with ``slot_booked`` 1; a slot starting before now
  is listed with ``slot_available`` 0.
- A provider is taken by any visit of theirs, in any room, of a type other than walk-in
  (1) whose status is pending, confirmed or in progress (10, 20, 25), from its ``start``
  to its ``end``, for at most 31 days (AV11: so a window reads only the bookings that
  start near it, through an index ordered by ``start``, however many are booked ahead).
- Room: ``room_code``; else the intake's room; else the caller's ``default_room``; else
  the clinic's default room. A ``room_code`` given but unknown is a 400 naming it; a
  fallback room that no longer exists is a 404.
- Without a live token, X-ApiKey, X-ApiSecret, room_code, start, end and
  consultation_id are all required (one 400 naming every missing one), then a wrong key
  or secret is a 401.
- ``slot_id`` is ``<slot_start // 60><provider_id>``: stable, not VSee's counter.
  ``slot_available`` is always a number (the second documented example shows "1").
- "available" (rows 1 and 7 of the table) is searched up to 28 days ahead of now.
- A window may span at most 31 days.
"""

from __future__ import annotations

from vsee_sim.api.appointments import rules
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import BadRequest, Forbidden, Unauthorized
from vsee_sim.core.tenancy import Ctx

WALK_IN = 1
ECONSULT = 3            # answered later, at no set time: takes no slot
TAKING_STATUSES = frozenset({10, 20, 25})   # pending, confirmed, in progress
DEFAULT_SLOT_MINUTES = 15                   # a room without consultations (the first example's 900 s)
SEARCH_AHEAD = 28 * rules.DAY               # how far "available" is looked for
LONGEST_TAKE = rules.MAX_SPAN               # a visit takes its provider for at most 31 days
KEYLESS_REQUIRED = ("room_code", "start", "end", "consultation_id")

FREE, BOOKED, OUTSIDE = "free", "booked", "outside"


# -- GET /availability --------------------------------------------------------------------
def availability(ctx: Ctx, args: dict) -> dict:
    """``{"slots": [...]}`` of the room's providers in the window of the documented table."""
    args = {k: v for k, v in args.items() if v not in (None, "")}
    user = _check_credentials(ctx, args)
    intake = _intake(ctx, user, args.get("intake_id"))
    room = _room(ctx, user, args.get("room_code"), intake)
    consultation = rooms.visit_consultation(room, args.get("consultation_id"), intake)
    duration_s = slot_seconds(consultation)
    location = args.get("location") or (intake or {}).get("location") or None
    provider_id = args.get("provider_id")
    if provider_id is not None and str(provider_id) not in _provider_ids(room):
        raise BadRequest.field("provider_id", f"provider {provider_id} is not in room {room['code']}.")
    plans = _plans(ctx, room, location, None if provider_id is None else str(provider_id))
    if not _takes_appointments(room):
        plans = []
    now = ctx.now
    ahead = now + SEARCH_AHEAD + duration_s + 1   # the last slot first_available may look at
    start, end = rules.window(args.get("start"), args.get("end"), args.get("duration"),
                              lambda: first_available(_with_busy(ctx, plans, now, ahead), now, duration_s))
    return {"slots": _slot_rows(_with_busy(ctx, plans, start, end), room, start, end, duration_s, now)}


def room_slots(ctx: Ctx, room: dict, start: int, end: int) -> list[dict]:
    """Every provider's slots of ``room`` in ``[start, end]``, as GET /availability lists
    them for the room's first consultation and no location (the inspector's clinic board)."""
    plans = _plans(ctx, room, None, None) if _takes_appointments(room) else []
    duration_s = slot_seconds(rooms.room_consultation(room, None))
    return _slot_rows(_with_busy(ctx, plans, start, end), room, start, end, duration_s, ctx.now)


def _slot_rows(plans: list, room: dict, start: int, end: int, duration_s: int, now: int) -> list[dict]:
    slots = []
    for pid, schedules, busy in plans:
        for slot_start, slot_end, schedule in _provider_slots(schedules, start, end, duration_s):
            booked = busy.overlaps(slot_start, slot_end)
            slots.append({
                "slot_id": slot_id(pid, slot_start),
                "slot_start": slot_start,
                "slot_end": slot_end,
                "slot_booked": int(booked),
                "slot_available": int(not booked and slot_start >= now),
                "group_id": schedule.get("id"),
                "provider_id": pid,
                "room_code": room["code"],
            })
    slots.sort(key=lambda s: (s["slot_start"], _id_order(s["provider_id"])))
    return slots


def slot_id(provider_id: str, slot_start: int) -> str:
    """A numeric string, the same for the same provider and start (docs/fidelity.md AV6)."""
    return f"{slot_start // 60}{provider_id}"


def slot_seconds(consultation: dict | None) -> int:
    """The consultation's ``duration`` (minutes) in seconds; 15 minutes when unknown."""
    try:
        minutes = int((consultation or {}).get("duration") or 0)
    except (TypeError, ValueError):
        minutes = 0
    return (minutes if minutes > 0 else DEFAULT_SLOT_MINUTES) * 60


def first_available(plans: list, now: int, duration_s: int) -> int:
    """The start of the first free slot starting at or after now (28 days ahead; else now)."""
    day_start = now
    while day_start < now + SEARCH_AHEAD:
        day_end = min(day_start + rules.DAY, now + SEARCH_AHEAD)
        best = None
        for _pid, schedules, busy in plans:
            candidates = _provider_slots(schedules, day_start, day_end + duration_s, duration_s)
            for slot_start, slot_end, _schedule in candidates:
                if slot_start >= day_end or (best is not None and slot_start >= best):
                    break
                if not busy.overlaps(slot_start, slot_end):
                    best = slot_start
                    break
        if best is not None:
            return best
        day_start = day_end
    return now


# -- for the booking (POST /visits), under the world lock --------------------------------------
def slot_status(ctx: Ctx, room: dict, provider_id: str, start: int, end: int,
                consultation: dict | None) -> str:
    """``"free"``, ``"booked"`` or ``"outside"`` for this provider's slot ``start``-``end``.

    Outside: the provider is not in the room, or ``(start, end)`` is not a slot of their
    schedule grid there for the consultation's duration. Booked: a visit takes them
    (``TAKING_STATUSES``, not a walk-in) at an overlapping time. The past is not judged here.
    """
    provider_id = str(provider_id)
    if provider_id not in _provider_ids(room):
        return OUTSIDE
    schedule = _grid_schedule(ctx, room, provider_id, start, end, consultation)
    if schedule is None:
        return OUTSIDE
    return BOOKED if busy_of(ctx, provider_id, start, end).overlaps(start, end) else FREE


def free_providers(ctx: Ctx, room: dict, start: int, end: int, consultation: dict | None,
                   location: str | None = None) -> list[str]:
    """The room's providers (in ``room.provider_ids`` order) for whom this slot is free,
    licensed in ``location`` when one is given."""
    out = []
    for pid in _provider_ids(room):
        schedule = _grid_schedule(ctx, room, pid, start, end, consultation, location)
        if schedule is not None and not busy_of(ctx, pid, start, end).overlaps(start, end):
            out.append(pid)
    return out


def busy_of(ctx: Ctx, provider_id: str, lo: int, hi: int) -> rules.Busy:
    """The intervals in which visits take this provider (any room), as far as they can
    overlap ``[lo, hi]``: a visit takes at most ``LONGEST_TAKE``, so only those starting
    from ``lo - LONGEST_TAKE`` to ``hi`` are read (by (provider, status), ordered by
    ``start``): not the provider's history, nor every booking months ahead."""
    found = [v for status in TAKING_STATUSES
             for v in ctx.db.visits.ordered(("provider_id", "status"), (str(provider_id), status), "start",
                                            below=hi + 1, at_least=lo - LONGEST_TAKE)]
    intervals = []
    for visit in found:
        if _int(visit.get("type")) in (WALK_IN, ECONSULT) or _int(visit.get("status")) not in TAKING_STATUSES:
            continue
        start = _int(visit.get("start"))
        if start is None:
            continue
        end = _int(visit.get("end"))
        end = end if end is not None and end > start else start + 1
        intervals.append((start, min(end, start + LONGEST_TAKE)))
    return rules.Busy(intervals)


# -- internals ---------------------------------------------------------------------------------
def _check_credentials(ctx: Ctx, args: dict) -> dict | None:
    """A live token is enough; otherwise key, secret and the four parameters (DESIGN 6)."""
    user = ctx.user
    if user is not None:
        return user
    if ctx.raw_token and not ctx.raw_api_key:
        raise Unauthorized("A valid X-ApiToken header is required.")
    missing = [name for name, sent in (("X-ApiKey", ctx.raw_api_key), ("X-ApiSecret", ctx.raw_api_secret))
               if not sent]
    missing += [name for name in KEYLESS_REQUIRED if name not in args]
    if missing:
        raise BadRequest.missing(*missing)
    if ctx.api_key is None:
        raise Unauthorized("Invalid API key for this clinic.")
    if ctx.raw_api_secret != ctx.api_key.get("secret"):
        raise Unauthorized("Invalid API secret.")
    return None


def _intake(ctx: Ctx, user: dict | None, intake_id: str | None) -> dict | None:
    if intake_id is None:
        return None
    intake = ctx.db.intakes.get(intake_id)
    if intake is None:
        raise BadRequest.field("intake_id", f"no intake {intake_id!r} in this clinic.")
    if users.is_patient(user) and str(intake.get("member_id")) != str(user["id"]):
        raise Forbidden("This intake belongs to another patient.")
    return intake


def _room(ctx: Ctx, user: dict | None, room_code: str | None, intake: dict | None) -> dict:
    if room_code is not None:
        return rooms.get_room(ctx, room_code, field="room_code")
    for fallback in ((intake or {}).get("room_code"), (user or {}).get("default_room")):
        if fallback:
            return rooms.get_room(ctx, fallback)  # 404: the record names a room that is gone
    room = ctx.db.rooms.find_one("default", True)
    if room is None:
        raise BadRequest.missing("room_code")
    return room


def _takes_appointments(room: dict) -> bool:
    """A closed room, or one with appointments switched off, offers no slot (booking refuses them)."""
    if (room.get("operation_settings") or {}).get("is_closed"):
        return False
    return ((room.get("visits") or {}).get("appointment") or {}).get("enabled", True) is not False


def _provider_ids(room: dict) -> list[str]:
    return [str(pid) for pid in room.get("provider_ids") or []]


def _schedules(ctx: Ctx, room: dict, provider_id: str) -> list[dict]:
    """The provider's hours in this room (by index: not every provider's hours in the room)."""
    return ctx.db.schedules.find(("provider_id", "room_code"), (provider_id, room["code"]))


def _plans(ctx: Ctx, room: dict, location: str | None, provider_id: str | None) -> list:
    """(provider_id, schedules) of each provider offered: in the room, licensed, filtered."""
    plans = []
    for pid in _provider_ids(room):
        if provider_id is not None and pid != provider_id:
            continue
        schedules = [s for s in _schedules(ctx, room, pid) if rules.licensed(s, location)]
        if schedules:
            plans.append((pid, schedules))
    return plans


def _with_busy(ctx: Ctx, plans: list, lo: int, hi: int) -> list:
    """(provider_id, schedules, busy) of each plan, busy as far as it can overlap ``[lo, hi]``."""
    return [(pid, schedules, busy_of(ctx, pid, lo, hi)) for pid, schedules in plans]


def _provider_slots(schedules: list[dict], start: int, end: int, duration_s: int) -> list:
    """(slot_start, slot_end, schedule) of one provider, sorted; never two overlapping,
    even when two of their schedules in the room overlap (the earlier slot is kept)."""
    if len(schedules) == 1:
        return [(s, e, schedules[0]) for s, e in rules.schedule_slots(schedules[0], start, end, duration_s)]
    # Resolve overlaps on a wider grid than the window, so the answer does not depend on it.
    margin = max(rules.DAY, duration_s)
    tagged = sorted((s, e, i) for i, schedule in enumerate(schedules)
                    for s, e in rules.schedule_slots(schedule, start - margin, end + margin, duration_s))
    out: list = []
    for s, e, i in tagged:
        if not out or s >= out[-1][1]:
            out.append((s, e, schedules[i]))
    return [slot for slot in out if slot[0] >= start and slot[1] <= end]


def _grid_schedule(ctx: Ctx, room: dict, provider_id: str, start: int, end: int,
                   consultation: dict | None, location: str | None = None) -> dict | None:
    """The provider's schedule in this room whose slot grid has exactly ``(start, end)``."""
    duration_s = slot_seconds(consultation)
    if end - start != duration_s:
        return None
    schedules = [s for s in _schedules(ctx, room, provider_id) if rules.licensed(s, location)]
    for slot_start, slot_end, schedule in _provider_slots(schedules, start, end, duration_s):
        if (slot_start, slot_end) == (start, end):
            return schedule
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _id_order(provider_id: str) -> tuple[int, str]:
    """Numeric ids in numeric order."""
    return (len(provider_id), provider_id) if provider_id.isdigit() else (1 << 30, provider_id)
