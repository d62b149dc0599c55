"""Rooms: use cases. Other areas find rooms and their consultations here."""

from __future__ import annotations

from vsee_sim.core.errors import BadRequest, NotFound
from vsee_sim.core.tenancy import Ctx


def get_room(ctx: Ctx, code: str, *, field: str | None = None) -> dict:
    """The account's room with this code: 404, or a 400 naming ``field`` when it came in a body."""
    room = ctx.db.rooms.find_one("code", code) if code else None
    if room is None:
        if field:
            raise BadRequest.field(field, f"no room with code {code!r} in this clinic.")
        raise NotFound(f"Room {code} not found.")
    return room


def room_consultation(room: dict, consultation_id: str | None, *, field: str = "consultation_id") -> dict | None:
    """One of the room's ``payment.consultations`` (the first when no id is given; None if it has none)."""
    consultations = (room.get("payment") or {}).get("consultations") or []
    if not consultation_id:
        return consultations[0] if consultations else None
    for consultation in consultations:
        if consultation.get("id") == consultation_id:
            return consultation
    raise BadRequest.field(field, f"no consultation {consultation_id!r} in room {room['code']}.")
