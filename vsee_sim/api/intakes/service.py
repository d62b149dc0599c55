"""Intakes: create, update and read the patient's intake; the view other areas embed.

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, I1-I7):
- ``POST /intakes`` works without a token (its documented example sends none): the
  intake is created without a member, and the first patient who uses it with a token
  (an update, a walk-in, a booking: ``claim``) becomes its member.
- Without ``room_code`` the intake goes to the provider's first room, else to the
  account's default room. The provider need not be one of the room's providers:
  the visit that uses the intake decides that.
- ``member_code`` (and ``member_id``) act on behalf of a patient for staff (100/160)
  and providers; a patient may only name themselves (403).
- Attachments must be files of the account; they are shown as the documented file
  objects, with ``usec`` 0 (the simulator keeps seconds).
- ``type`` is stored as a number and shown as a string, as every documented intake shows it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from vsee_sim.api.emr import service as emr
from vsee_sim.api.intakes import rules
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.core.body import plain_value
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from vsee_sim.core.tenancy import Ctx

# Fields stored as sent, because the documented intake shows them verbatim ("reset": "true").
_VERBATIM = ("reset", "consent")


# -- use cases ------------------------------------------------------------------------
def create_intake(ctx: Ctx, args: dict) -> dict:
    """POST /intakes: with or without a token (docs/fidelity.md I1)."""
    user = ctx.user
    member_id = _member_for(ctx, user, args)
    changes = _clean(ctx, args, None)
    if "room_code" not in changes:
        changes["room_code"] = _fallback_room(ctx, changes.get("provider_id"))
    now = ctx.now
    record = {
        "id": ctx.ids.uuid(), "member_id": member_id, "provider_id": None, "room_code": None,
        "type": None, "reason_for_visit": "", "location": None, "phone": "", "attachments": [],
        "consultation_id": None, "visit_id": None, **changes, "created": now, "modified": now,
    }
    return present(ctx, ctx.db.intakes.insert(record))


def update_intake(ctx: Ctx, intake_id: str, args: dict) -> dict:
    """POST /intakes/:id: change the fields sent; an unclaimed intake is claimed."""
    intake = get_intake(ctx, intake_id)
    user = check_access(ctx, intake)
    changes = _clean(ctx, args, intake)
    if _member_field(args):
        member_id = _member_for(ctx, user, args)
        if intake.get("visit_id") and member_id != intake.get("member_id"):
            # the visit shows this intake (and its patient's medical record): its patient is fixed
            raise BadRequest.field(_member_field(args), f"intake {intake['id']} is used by visit "
                                                        f"{intake['visit_id']}; its patient cannot change.")
        changes["member_id"] = member_id
    intake = claim(ctx, intake, user)
    changes["modified"] = ctx.now
    return present(ctx, ctx.db.intakes.update(intake["id"], **changes))


def read_intake(ctx: Ctx, intake_id: str) -> dict:
    """GET /intakes/:id."""
    intake = get_intake(ctx, intake_id)
    check_access(ctx, intake)
    return present(ctx, intake)


# -- for other areas (visits, appointments, billing) ------------------------------------
def get_intake(ctx: Ctx, intake_id: str | None, *, field: str | None = None) -> dict:
    """The account's intake: 404, or a 400 naming ``field`` when the id came in a body."""
    intake = ctx.db.intakes.get(str(intake_id).strip()) if intake_id not in (None, "") else None
    if intake is None:
        if field:
            raise BadRequest.field(field, f"no intake {intake_id!r} in this clinic: see POST /intakes.")
        raise NotFound(f"Intake {intake_id} not found.")
    return intake


def check_access(ctx: Ctx, intake: dict) -> dict:
    """The caller, if they may see and change this intake (401 without a token, 403 otherwise).

    Staff; the intake's patient; any patient while it is unclaimed (holding its id is
    the only proof, as for a token-less create); the intake's provider or the provider
    of its visit.
    """
    user = ctx.require_user()
    if users.is_staff(user):
        return user
    member = intake.get("member_id")
    if users.is_patient(user) and (member in (None, "") or str(member) == user["id"]):
        return user
    if users.is_provider(user) and user["id"] in _providers_of(ctx, intake):
        return user
    raise Forbidden(f"You may not access intake {intake['id']}.")


def claim(ctx: Ctx, intake: dict, user: dict | None) -> dict:
    """An unclaimed intake becomes the patient's (``member_id``); returns the stored intake.

    Only patients claim; staff and providers leave it as it is. An intake of another
    patient is a 403.
    """
    if not users.is_patient(user):
        return intake
    member = intake.get("member_id")
    if member in (None, ""):
        return ctx.db.intakes.update(intake["id"], member_id=user["id"], modified=ctx.now)
    if str(member) != user["id"]:
        raise Forbidden(f"Intake {intake['id']} belongs to another patient.")
    return intake


def present(ctx: Ctx, intake: dict) -> dict:
    """The intake as the API shows it: the union of the documented intake keys."""
    provider_id = _str_or_none(intake.get("provider_id"))
    room_code = intake.get("room_code")
    kind = intake.get("type")
    files = [ctx.db.files.get(file_id) for file_id in intake.get("attachments") or []]
    view = {
        "id": intake["id"],
        "member_id": _str_or_none(intake.get("member_id")),
        "provider": provider_id,
        "provider_id": provider_id,
        "room_code": room_code,
        "room": room_code,
        "type": None if kind is None else str(kind),
        "reason_for_visit": intake.get("reason_for_visit") or "",
        "location": intake.get("location"),
        "phone": intake.get("phone") or "",
        "consent": intake.get("consent"),
        "visit_id": _str_or_none(intake.get("visit_id")),
        "created": intake.get("created"),
        "modified": intake.get("modified"),
        "attachments": [attachment_view(f) for f in files if f],
        "consultation": _consultation(ctx, room_code, intake.get("consultation_id")),
    }
    if intake.get("reset") is not None:
        view["reset"] = intake["reset"]
    profile = emr.medical_profile(ctx, intake.get("member_id"))
    if profile is not None:
        view["medical_profile"] = profile
    return view


def attachment_view(record: dict) -> dict:
    """A file as intake (and postvisit) attachments show it in the documentation."""
    created = int(record.get("created") or 0)
    modified = int(record.get("modified") or created)
    day = datetime.fromtimestamp(created, tz=UTC).strftime("%Y/%m/%d")
    ext = record.get("ext") or ""
    return {
        "_id": record["id"],
        "name": record.get("name"),
        "path": f"files/{day}/{record['id']}" + (f".{ext}" if ext else ""),
        "size": record.get("size"),
        "ext": ext,
        "type": 0,
        "creator_id": _str_or_none(record.get("creator_id")),
        "remark": record.get("remark"),
        "using": 1,
        "modified": {"sec": modified, "usec": 0},
        "created": {"sec": created, "usec": 0},
    }


# -- validation -----------------------------------------------------------------------
def _clean(ctx: Ctx, args: dict, intake: dict | None) -> dict:
    """The stored form of every field sent; every bad field is reported at once."""
    out: dict = {}
    errors: dict[str, list[str]] = {}

    def check(step):
        try:
            step()
        except BadRequest as err:
            errors.update(err.errors or {"body": [err.message]})

    provider_field = next((f for f in ("provider", "provider_id") if f in args), None)
    if provider_field:
        check(lambda: out.__setitem__("provider_id", _provider(ctx, args[provider_field], provider_field)))
    if (args.get("room_code") or "").strip():
        check(lambda: out.__setitem__("room_code", rooms.get_room(ctx, args["room_code"].strip(),
                                                                   field="room_code")["code"]))
    if "type" in args:
        check(lambda: out.__setitem__("type", rules.clean_type(args["type"])))
    if "reasonforvisit" in args and "reason_for_visit" not in args:
        args = {**args, "reason_for_visit": args["reasonforvisit"]}      # the table's name for it
    if "reason_for_visit" in args:
        check(lambda: out.__setitem__("reason_for_visit", rules.clean_reason(args["reason_for_visit"])))
    if "location" in args:
        check(lambda: out.__setitem__("location", rules.clean_location(args["location"], users.us_states())))
    if "phone" in args:
        check(lambda: out.__setitem__("phone", _phone(args["phone"])))
    if "attachments" in args:
        check(lambda: out.__setitem__("attachments", _attachments(ctx, args["attachments"])))
    for name in _VERBATIM:
        if name in args:
            check(lambda name=name: out.__setitem__(name, plain_value(args[name], name)))
    if "room_code" not in errors:
        check(lambda: _consultation_change(ctx, args, intake, out))
    if errors:
        raise BadRequest("Invalid " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                         errors=errors)
    return out


def _provider(ctx: Ctx, value, field: str) -> str | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    user = ctx.db.users.get(text)
    if not users.is_provider(user):
        raise BadRequest.field(field, f"no provider {text} in this clinic.")
    return user["id"]


def _phone(value) -> str:
    if isinstance(value, str) and not value.strip():
        return ""
    return users.clean_phone(value, "phone")


def _attachments(ctx: Ctx, value) -> list[str]:
    ids = rules.parse_attachments(value)
    unknown = [i for i in ids if ctx.db.files.get(i) is None]
    if unknown:
        listed = ", ".join(unknown)
        raise BadRequest.field("attachments", f"no file {listed} in this clinic (see POST /files).")
    return ids


def _consultation_change(ctx: Ctx, args: dict, intake: dict | None, out: dict) -> None:
    """``consultation`` (or its alias ``consultation_id``) must be one of the room's."""
    name = next((f for f in ("consultation", "consultation_id") if f in args), None)
    room_code = out.get("room_code") or (intake or {}).get("room_code")
    if name is None:
        # Moved to another room: keep the consultation only if that room offers it.
        moved = intake is not None and "room_code" in out and intake.get("consultation_id")
        if moved and _consultation(ctx, room_code, intake["consultation_id"]) is None:
            out["consultation_id"] = None
        return
    wanted = rules.clean_consultation_id(args[name], name)
    if wanted is None:
        out["consultation_id"] = None
        return
    if room_code is None and intake is None:  # a new intake: its room is decided later
        room_code = _fallback_room(ctx, out.get("provider_id"))
    if not room_code:
        raise BadRequest.field(name, "the intake has no room: send room_code too.")
    out["consultation_id"] = rooms.room_consultation(rooms.get_room(ctx, room_code), wanted, field=name)["id"]


def _member_field(args: dict) -> str | None:
    return next((f for f in ("member_code", "member_id") if str(args.get(f) or "").strip()), None)


def _member_for(ctx: Ctx, user: dict | None, args: dict) -> str | None:
    """Whose intake this is: the caller (a patient), or the patient named by member_code."""
    field = _member_field(args)
    if field is None:
        return user["id"] if users.is_patient(user) else None
    if user is None:
        raise Unauthorized(f"{field} needs the X-ApiToken of clinic staff or a provider.")
    value = str(args[field]).strip()
    member = ctx.db.users.find_one("code", value) if field == "member_code" else ctx.db.users.get(value)
    if member is None or not users.is_patient(member):
        raise BadRequest.field(field, f"no patient {value} in this clinic.")
    if users.is_patient(user):
        if member["id"] != user["id"]:
            raise Forbidden("A patient may not create or change an intake for another patient.")
    elif not (users.is_staff(user) or users.is_provider(user)):
        raise Forbidden(f"Your user type may not act on behalf of a patient ({field}).")
    return member["id"]


# -- lookups ---------------------------------------------------------------------------
def _fallback_room(ctx: Ctx, provider_id: str | None) -> str | None:
    """The provider's first room, else the account's default room (else its first)."""
    rooms = ctx.db.rooms
    room = rooms.find_one("provider_ids", str(provider_id), each=True) if provider_id else None
    room = room or rooms.find_one("default", True) or rooms.first()
    return room["code"] if room else None


def _consultation(ctx: Ctx, room_code: str | None, consultation_id: str | None) -> dict | None:
    if not room_code or not consultation_id:
        return None
    room = ctx.db.rooms.find_one("code", room_code)
    if room is None:
        return None
    found = rooms.offered_consultation(room, consultation_id)     # None: the room no longer offers it
    return dict(found) if found else None


def _providers_of(ctx: Ctx, intake: dict) -> set[str]:
    found = {str(intake["provider_id"])} if intake.get("provider_id") else set()
    visit = ctx.db.visits.get(intake.get("visit_id")) if intake.get("visit_id") else None
    if visit and visit.get("provider_id"):
        found.add(str(visit["provider_id"]))
    return found


def _str_or_none(value) -> str | None:
    return None if value in (None, "") else str(value)
