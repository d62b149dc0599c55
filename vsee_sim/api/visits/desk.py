"""The provider's side of visits: the alive waiting patients, start, end and no-show.

VSee's providers do this in VSee's own dashboard, which the API does not document
(docs/fidelity.md Q3, Q4); /_sim/provider, its autopilot and the portal's dashboard
call it here. Every move goes through ``service.change_status`` (notifications,
webhooks, the related appointment or walk-in).
"""

from __future__ import annotations

from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import rules, service
from vsee_sim.api.visits.present import present
from vsee_sim.core.errors import BadRequest, Forbidden
from vsee_sim.core.tenancy import Ctx


def waiting_alive(ctx: Ctx, room_code: str | None = None, provider_id: str | None = None, *,
                  at: int | None = None) -> list[dict]:
    """The pending walk-ins whose patient is alive (POST /users/alive) now, or at ``at``,
    oldest first: what the provider dashboard shows. One room, else ``provider_id``'s rooms
    (walk-ins that asked for another provider left out), else every room. Records, not
    representations (``present`` them)."""
    service.expire_waiting(ctx)
    codes = None
    if room_code:
        codes = {rooms.get_room(ctx, room_code, field="room_code")["code"]}
    elif provider_id:
        codes = {room["code"] for room in rooms.provider_rooms(ctx, provider_id)}
    now = ctx.now if at is None else at
    found = [v for v in ctx.db.visits.find("status", rules.PENDING)
             if rules.is_waiting(v) and (codes is None or v.get("room_code") in codes)
             and (not provider_id or v.get("provider_id") in (None, "", str(provider_id)))
             and users.is_alive(ctx.db.users.get(v.get("member_id")), now)]
    return sorted(found, key=rules.queue_key)


def acting_provider(ctx: Ctx, visit: dict, provider: dict | str | None) -> dict:
    """Who acts on ``visit``: the provider given (a record or an id), else the visit's, else
    its room's first. They must be the visit's provider or one of its room's (403)."""
    room = ctx.db.rooms.find_one("code", visit.get("room_code")) or {}
    in_room = [str(p) for p in room.get("provider_ids") or []]
    if isinstance(provider, dict):
        provider_id = provider["id"]
    else:
        provider_id = str(provider or visit.get("provider_id") or (in_room[0] if in_room else ""))
    if not provider_id:
        raise BadRequest.field("provider_id", f"visit {visit['id']} has no provider and its room none.")
    record = ctx.db.users.get(provider_id)
    if not users.is_provider(record):
        raise BadRequest.field("provider_id", f"user {provider_id} is not a provider of this clinic.")
    if provider_id != str(visit.get("provider_id") or "") and provider_id not in in_room:
        raise Forbidden(f"Provider {provider_id} is neither visit {visit['id']}'s provider "
                        f"nor a provider of room {room.get('code') or visit.get('room_code')}.")
    return record


def provider_start(ctx: Ctx, visit_id: str, provider: dict | str | None = None, *,
                   at: int | None = None) -> dict:
    """The provider calls the patient: 10/20 -> 25; the visit gets the provider if it had none."""
    service.expire_waiting(ctx)
    visit = ctx.db.visits.get_or_404(str(visit_id), "Visit")
    actor = acting_provider(ctx, visit, provider)
    changes = {"actual_start": max(at or ctx.now, int(visit.get("created") or 0))}
    if not visit.get("provider_id"):
        changes["provider_id"] = actor["id"]
    return present(ctx, service.change_status(ctx, visit, "start", actor, **changes))


def provider_end(ctx: Ctx, visit_id: str, provider: dict | str | None = None, *,
                 at: int | None = None) -> dict:
    """The provider ends the call: 25 -> 30, reason call_ended."""
    visit = ctx.db.visits.get_or_404(str(visit_id), "Visit")
    actor = acting_provider(ctx, visit, provider)
    began = int(visit.get("actual_start") or visit.get("created") or 0)
    return present(ctx, service.change_status(ctx, visit, "complete", actor, reason="call_ended",
                                      actual_end=max(at or ctx.now, began)))


def no_show(ctx: Ctx, visit_id: str, provider: dict | str | None = None) -> dict:
    """The patient never joined: 10/20/25 -> 40, reason no_show (docs/fidelity.md Q4)."""
    service.expire_waiting(ctx)
    visit = ctx.db.visits.get_or_404(str(visit_id), "Visit")
    actor = acting_provider(ctx, visit, provider)
    return present(ctx, service.change_status(ctx, visit, "no_show", actor, reason=rules.NO_SHOW_REASON))
