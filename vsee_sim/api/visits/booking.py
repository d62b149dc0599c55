"""Visits: booking appointments (POST /visits and POST /appointments) and their one-time links.

Deviations from VSee (docs/fidelity.md B*): a free slot in the past can be booked (the
newest documented appointment starts 23 days before it was created); availability flags it.
The confirmation email (in the outbox, template ``appointment_confirmation``) gives the start
in UTC: the real email's wording and timezone are not public.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from vsee_sim.api.appointments import service as appointments
from vsee_sim.api.notifications import service as notifications
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import rules, service
from vsee_sim.api.visits.present import present
from vsee_sim.core.errors import BadRequest, Forbidden
from vsee_sim.core.tenancy import DEFAULT_NAMESPACE, Ctx

LINK_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_API_SUFFIX = re.compile(r"(/cc/[^/]+)?/api_v3$")


def book(ctx: Ctx, args: dict) -> dict:
    """POST /visits (and /appointments): a scheduled visit (status 20) in a free slot."""
    user = ctx.require_user()
    member = service.member_for(ctx, user, args)
    start, end = args.get("slot_start"), args.get("slot_end")
    missing = [name for name, value in (("slot_start", start), ("slot_end", end)) if value is None]
    if missing:
        raise BadRequest.missing(*missing)
    if end <= start:
        raise BadRequest.field("slot_end", "must be after slot_start.")
    if args.get("type") not in (None, rules.SCHEDULED):
        raise BadRequest.field("type", "an appointment is type 2 (scheduling).")
    intake = None
    if args.get("intake_id"):
        intake = service.usable_intake(ctx, args["intake_id"], member)
    room_code = args.get("room_code") or (intake or {}).get("room_code")
    if not room_code:
        raise BadRequest.missing("room_code")
    room = rooms.get_room(ctx, room_code, field="room_code")
    service.room_open(room, "appointment")
    consultation = rooms.visit_consultation(room, args.get("consultation_id"), intake)
    location = (intake or {}).get("location")
    provider_id = args.get("provider_id")
    if provider_id:
        service.room_provider(ctx, room, provider_id)
        state = appointments.slot_status(ctx, room, provider_id, start, end, consultation)
        if state == "free" and location and str(provider_id) not in appointments.free_providers(
                ctx, room, start, end, consultation, location=location):
            state = "unlicensed"
        if state != "free":
            raise BadRequest.field("slot_start", _SLOT_MESSAGES[state].format(provider=provider_id))
    else:
        free = appointments.free_providers(ctx, room, start, end, consultation, location=location)
        if not free:
            raise BadRequest.field("slot_start", f"no provider of room {room['code']} is free for this slot.")
        provider_id = free[0]
    token = ctx.ids.alnum(10, LINK_ALPHABET) if service.setting(ctx, "appointment", "one_time_link") else None
    visit = service.new_visit(ctx, user, member, room, intake, consultation, type=rules.SCHEDULED,
                       status=rules.CONFIRMED, provider_id=str(provider_id), start=start, end=end,
                       one_time_link_token=token, one_time_link_used=False)
    notifications.tell_visit(ctx, visit, "visit.booked", user)
    service.publish(ctx, "visit.created", visit)
    _confirm(ctx, member, visit)
    return present(ctx, visit)


def _confirm(ctx: Ctx, member: dict, visit: dict) -> None:
    """The appointment confirmation the real service emails the member, with the one-time link."""
    if not member.get("email"):
        return
    provider = users.full_name(ctx.db.users.get(visit["provider_id"])) or f"provider {visit['provider_id']}"
    when = datetime.fromtimestamp(int(visit["start"]), UTC).strftime("%a %d %b %Y, %H:%M UTC")
    token = visit.get("one_time_link_token")
    url = f"{portal_base(ctx)}/members/appointment/{visit['id']}" + (f"?token={token}" if token else "")
    users.send_email(ctx, "appointment_confirmation", member, visit_id=visit["id"], url=url,
                     one_time_link_token=token, subject=f"Your appointment with {provider} on {when}",
                     body=f"Your appointment with {provider} is booked for {when}. Join it here: {url}")


def portal_base(ctx: Ctx) -> str:
    """The clinic portal's base URL as the client called us: the API base without ``/api_v3``
    (``/vc/next`` and ``/ns/<name>`` kept; ``/cc/<clinic>`` dropped, the portal has no such prefix).

    A namespace other than the default one, chosen by the X-Sim-Namespace header rather than
    the URL, gets its ``/ns/<name>`` prefix: a browser following the link sends no header."""
    base = urlsplit(_API_SUFFIX.sub("", ctx.base_url))
    name = ctx.world.name
    if name != DEFAULT_NAMESPACE and not base.path.startswith("/ns/"):
        base = base._replace(path=f"/ns/{name}{base.path}")
    return urlunsplit(base)


_SLOT_MESSAGES = {
    "booked": "provider {provider} is already booked for this slot.",
    "outside": "this slot is not one of provider {provider}'s slots for this room and consultation.",
    "unlicensed": "provider {provider} is not licensed in the patient's state.",
}


def use_one_time_link(ctx: Ctx, visit_id: str, token: str) -> dict:
    """Redeem an appointment's one-time link: valid once, until the appointment ends."""
    visit = ctx.db.visits.get(visit_id)
    if (visit is None or not token or visit.get("one_time_link_token") != token
            or visit.get("one_time_link_used") or ctx.now >= int(visit.get("end") or 0)
            or int(visit.get("status") or 0) not in rules.ACTIVE):
        raise Forbidden("This appointment link is invalid, expired or already used.")
    return ctx.db.visits.update(visit_id, one_time_link_used=True, modified=ctx.now)
