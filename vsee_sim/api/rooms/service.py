"""Rooms: the clinic's waiting rooms, their providers, and users' rooms.

Other areas find rooms and their consultations here (``get_room``, ``room_consultation``,
``provider_rooms``, ``user_rooms``).

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, R1-R13):
- GET /rooms, /rooms/:code and the provider lists are public (as documented); a room
  is shown in one representation (the union of the documented examples' keys).
- A duplicate slug or code is a 400 naming it (case-insensitive); a missing code is
  5 lowercase alphanumerics.
- ``users`` is the room's provider ids joined by commas (one provider in the docs).
- Only providers, admins and API users may create rooms; a provider creating a room
  joins it. POST /users/:id/rooms: the user themself or staff.
- Patients are associated with rooms through ``room_codes`` on their user record; a
  user's default room is ``default_room`` on the user.
- A provider who joins a room without a schedule there gets Mon-Fri 09:00-17:00,
  licensed in every state (the real service leaves the hours to its dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator

from vsee_sim.api.rooms import rules
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound
from vsee_sim.core.tenancy import Ctx


# -- lookups, for other areas ---------------------------------------------------------
def get_room(ctx: Ctx, code: str, *, field: str | None = None) -> dict:
    """The account's room with this code: 404, or a 400 naming ``field`` when it came in a body."""
    room = ctx.db.rooms.find_one("code", code, fold=True) if code else None
    if room is None:
        if field:
            raise BadRequest.field(field, f"no room with code {code!r} in this clinic.")
        raise NotFound(f"Room {code} not found.")
    return room


def room_consultation(room: dict, consultation_id: str | None, *,
                      field: str = "consultation_id") -> dict | None:
    """One of the room's ``payment.consultations`` (the first when no id is given; None if it has none)."""
    consultations = (room.get("payment") or {}).get("consultations") or []
    if not consultation_id:
        return consultations[0] if consultations else None
    found = offered_consultation(room, consultation_id)
    if found is None:
        raise BadRequest.field(field, f"no consultation {consultation_id!r} in room {room['code']}.")
    return found


def offered_consultation(room: dict, consultation_id: str | None) -> dict | None:
    """The room's consultation with this id, or None."""
    for consultation in (room.get("payment") or {}).get("consultations") or []:
        if consultation_id and consultation.get("id") == consultation_id:
            return consultation
    return None


def visit_consultation(room: dict, consultation_id: str | None, intake: dict | None) -> dict | None:
    """What a visit in this room is priced and timed by, as availability and booking agree:
    the one asked for (400 if the room has no such); else the intake's, if the room offers
    it; else the room's first."""
    if consultation_id:
        return room_consultation(room, consultation_id)
    return offered_consultation(room, (intake or {}).get("consultation_id")) or room_consultation(room, None)


def can_see_visit(ctx: Ctx, user: dict, visit: dict) -> bool:
    """Staff; the visit's patient or provider; a provider of the visit's room.

    Here rather than in visits because files need it too, and files sit below visits
    (visits.present -> users.service -> files.service).
    """
    if users.is_staff(user) or user["id"] in (str(visit.get("member_id")), str(visit.get("provider_id"))):
        return True
    if users.is_provider(user):
        room = ctx.db.rooms.find_one("code", visit.get("room_code"))
        return bool(room) and user["id"] in (room.get("provider_ids") or [])
    return False


def seen_in_provider_rooms(ctx: Ctx, member_id: str, provider_id: str) -> bool:
    """Has this patient a visit in one of this provider's rooms? Reads whichever is fewer, the
    provider's rooms (an index lookup each) or the patient's visits, so neither a long history
    nor a provider of many rooms makes the answer slower (issue 14)."""
    member_id, provider_id = str(member_id), str(provider_id)
    visits = ctx.db.visits
    if ctx.db.rooms.count("provider_ids", provider_id, each=True) <= visits.count("member_id", member_id):
        return any(visits.count(("member_id", "room_code"), (member_id, room["code"]))
                   for room in provider_rooms(ctx, provider_id))
    for visit in visits.find("member_id", member_id):
        room = ctx.db.rooms.find_one("code", visit.get("room_code"))
        if room is not None and provider_id in (room.get("provider_ids") or []):
            return True
    return False


def provider_rooms(ctx: Ctx, user_id: str) -> list[dict]:
    """The rooms whose ``provider_ids`` hold this user, in the clinic's order."""
    return ctx.db.rooms.find("provider_ids", str(user_id), each=True)


def user_rooms(ctx: Ctx, user: dict) -> list[dict]:
    """A provider's rooms, or the rooms a patient was associated with (``room_codes``)."""
    if users.is_provider(user):
        return provider_rooms(ctx, user["id"])
    rooms = (ctx.db.rooms.find_one("code", code) for code in user.get("room_codes") or [])
    return [room for room in rooms if room is not None]


# -- views ----------------------------------------------------------------------------
def _payment_view(room: dict) -> dict:
    payment = dict(room.get("payment") or {})
    currency = payment.get("currency") or payment.get("paymentCurrency") or "USD"
    payment.update(currency=currency, paymentCurrency=currency, __note__=rules.PAYMENT_NOTE)
    payment["consultations"] = payment.get("consultations") or []
    return payment


def room_view(room: dict) -> dict:
    """A room as GET /rooms, GET /rooms/:code and POST /rooms show it."""
    view = dict(room)
    view["users"] = ",".join(room.get("provider_ids") or [])
    view["payment"] = _payment_view(room)
    return view


def _user_room_view(room: dict, user: dict) -> dict:
    view = room_view(room)
    view["_id"] = room["id"]
    view["created"] = rules.sec_usec(room.get("created"))
    view["modified"] = rules.sec_usec(room.get("modified"))
    view["default"] = user.get("default_room") == room["code"]
    return view


def _provider_view(ctx: Ctx, user: dict) -> dict:
    view = users.user_view(ctx, user)
    # PHP sends false for a flag or text that was never set, as for provider 401.
    for key in ("status", "short_bio"):
        if view.get(key) is None:
            view[key] = False
    return view


# -- use cases ------------------------------------------------------------------------
def list_rooms(ctx: Ctx) -> Iterator[dict]:
    """Every room, each made as the encoder reaches it (core/wire.py ``JsonItems``)."""
    return (room_view(room) for room in ctx.db.rooms.all())


def show_room(ctx: Ctx, code: str) -> dict:
    return room_view(get_room(ctx, code))


def room_providers(ctx: Ctx, code: str) -> list[dict]:
    room = get_room(ctx, code)
    found = (ctx.db.users.get(pid) for pid in room.get("provider_ids") or [])
    return [_provider_view(ctx, user) for user in found if users.is_provider(user)]


def room_provider(ctx: Ctx, code: str, provider_id: str) -> dict:
    room = get_room(ctx, code)
    user = ctx.db.users.get(provider_id)
    if not users.is_provider(user) or str(provider_id) not in (room.get("provider_ids") or []):
        raise NotFound(f"Provider {provider_id} not found in room {room['code']}.")
    return _provider_view(ctx, user)


def create_room(ctx: Ctx, args: dict) -> dict:
    caller = ctx.require_user()
    if not (users.is_provider(caller) or users.is_staff(caller)):
        raise Forbidden("Only providers and clinic staff may create rooms.")
    domain = rules.clean_domain(args["domain"])
    name = rules.clean_name(args["name"])
    given = args.get("slug")
    slug = rules.clean_slug(given if given is not None else rules.slug_from(args.get("code") or name))
    # codes and slugs are unique without regard to case (rules.same_key): the folded indexes
    if ctx.db.rooms.find_one("slug", slug, fold=True):
        raise BadRequest.field("slug", f"a room with slug {slug!r} already exists in this clinic.")
    if (args.get("code") or "").strip():
        code = rules.clean_code(args["code"])
        if ctx.db.rooms.find_one("code", code, fold=True):
            raise BadRequest.field("code", f"a room with code {code!r} already exists in this clinic.")
    else:
        code = _new_code(ctx)
    default = bool(args.get("default"))
    if default:
        _clear_default(ctx)
    provider_ids = [caller["id"]] if users.is_provider(caller) else []
    room = ctx.db.rooms.insert(rules.new_room(
        room_id=ctx.ids.next_number("rooms"), code=code, slug=slug, name=name, domain=domain,
        account_code=ctx.db.code, provider_ids=provider_ids, consultation_id=ctx.ids.uuid(),
        now=ctx.now, default=default))
    if provider_ids:
        _ensure_schedule(ctx, caller, room)
    return room_view(room)


def _new_code(ctx: Ctx) -> str:
    while True:
        code = ctx.ids.alnum(rules.GENERATED_CODE_LENGTH)
        if not ctx.db.rooms.find_one("code", code, fold=True):
            return code


def _clear_default(ctx: Ctx) -> None:
    for room in ctx.db.rooms.find("default", True):
        ctx.db.rooms.update(room["id"], default=False, modified=ctx.now)


def add_user_room(ctx: Ctx, user_id: str, args: dict) -> list[dict]:
    """Associate a room with a user; ``default`` makes it the user's default room."""
    caller = ctx.require_user()
    user_id = ctx.user_id(user_id)
    user = ctx.db.users.get_or_404(user_id)
    if user["id"] != caller["id"] and not users.is_staff(caller):
        raise Forbidden("You may only add rooms to yourself.")
    code = (args.get("code") or "").strip()
    if not code:
        raise BadRequest.field("code", "must not be blank.")
    room = get_room(ctx, code)
    if users.is_provider(user):
        if user["id"] not in (room.get("provider_ids") or []):
            provider_ids = [*(room.get("provider_ids") or []), user["id"]]
            room = ctx.db.rooms.update(room["id"], provider_ids=provider_ids, modified=ctx.now)
        _ensure_schedule(ctx, user, room)
    elif users.is_patient(user):
        codes = list(user.get("room_codes") or [])
        if room["code"] not in codes:
            user = ctx.db.users.update(user["id"], room_codes=[*codes, room["code"]], modified=ctx.now)
    else:
        raise BadRequest.field("id", f"user {user['id']} is of type {user.get('type')}: "
                                     "only providers, patients and guests have rooms.")
    if args.get("default") is True and user.get("default_room") != room["code"]:
        user = ctx.db.users.update(user["id"], default_room=room["code"], modified=ctx.now)
    elif args.get("default") is False and user.get("default_room") == room["code"]:
        user = ctx.db.users.update(user["id"], default_room=None, modified=ctx.now)
    return [_user_room_view(r, user) for r in user_rooms(ctx, user)]


# Every state and DC, sorted: one list shared by the schedules made here (records are never
# changed in place), not a sort and a list per room made.
_LICENSED_STATES = sorted(users.us_states())


def _ensure_schedule(ctx: Ctx, provider: dict, room: dict) -> None:
    """A provider who joins a room gets working hours there, so it can be booked at once."""
    if ctx.db.schedules.find_one(("provider_id", "room_code"), (provider["id"], room["code"])):
        return
    ctx.db.schedules.insert({
        "id": ctx.ids.uuid(), "provider_id": provider["id"], "room_code": room["code"],
        "timezone": rules.schedule_timezone(provider.get("timezone"), room),
        "weekly": rules.default_weekly(), "licensed_states": _LICENSED_STATES,
    })
