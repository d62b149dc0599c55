"""slot_status and free_providers: what the booking (POST /visits) asks under the world lock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from vsee_sim.api.appointments import service
from vsee_sim.api.rooms.service import get_room, room_consultation
from vsee_sim.core.tenancy import Ctx

LA = ZoneInfo("America/Los_Angeles")


def la(day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(2024, 6, day, hour, minute, tzinfo=LA).timestamp())


@pytest.fixture()
def ctx(world):
    world.clock.freeze(la(3, 7))
    return Ctx(world=world, db=world.account("vclinic"))


def test_slot_status(ctx):
    room = get_room(ctx, "ceproom1")
    fifteen = room_consultation(room, None)
    assert service.slot_status(ctx, room, "826", la(3, 9), la(3, 9, 15), fifteen) == "free"
    assert service.slot_status(ctx, room, "826", la(3, 9, 5), la(3, 9, 20), fifteen) == "outside"  # off the grid
    assert service.slot_status(ctx, room, "826", la(3, 9), la(3, 9, 30), fifteen) == "outside"     # wrong length
    assert service.slot_status(ctx, room, "826", la(3, 21), la(3, 21, 15), fifteen) == "outside"   # after hours
    assert service.slot_status(ctx, room, "403", la(3, 9), la(3, 9, 15), fifteen) == "outside"     # not in room
    ctx.db.visits.insert({"id": "990001", "provider_id": "826", "type": 2, "status": 20,
                          "start": la(3, 9), "end": la(3, 9, 15)})
    assert service.slot_status(ctx, room, 826, la(3, 9), la(3, 9, 15), fifteen) == "booked"
    thirty = room_consultation(room, "551c5c51-1f61-47e9-bf13-3e22ac1f0144")
    assert service.slot_status(ctx, room, "826", la(3, 9), la(3, 9, 30), thirty) == "booked"
    assert service.slot_status(ctx, room, "826", la(3, 9, 30), la(3, 10), thirty) == "free"


def test_the_documented_booking_slot_is_on_the_grid(ctx):
    """POST /appointments books 1470669300-1470670200 in ceproom1 (visit 7727, provider 1096)."""
    room = get_room(ctx, "ceproom1")
    status = service.slot_status(ctx, room, "1096", 1470669300, 1470670200, room_consultation(room, None))
    assert status == "booked"  # the fixture already holds that booking (7727, confirmed)
    ctx.db.visits.update("7727", status=40)
    assert service.slot_status(ctx, room, "1096", 1470669300, 1470670200, room_consultation(room, None)) == "free"


def test_free_providers(ctx):
    room = get_room(ctx, "ceproom1")
    fifteen = room_consultation(room, None)
    assert service.free_providers(ctx, room, la(3, 9), la(3, 9, 15), fifteen) == ["826", "509", "541", "1096"]
    assert service.free_providers(ctx, room, la(3, 8), la(3, 8, 15), fifteen) == ["826", "1096"]
    assert service.free_providers(ctx, room, la(3, 9), la(3, 9, 15), fifteen, location="WA") == ["541"]
    ctx.db.visits.insert({"id": "990002", "provider_id": "541", "type": 2, "status": 10,
                          "start": la(3, 9), "end": la(3, 9, 15)})
    assert service.free_providers(ctx, room, la(3, 9), la(3, 9, 15), fifteen) == ["826", "509", "1096"]
    assert service.free_providers(ctx, room, la(3, 12), la(3, 12, 15), fifteen) == ["826", "509", "1096"]  # 541 at lunch


def test_listing_and_checks_agree(ctx):
    room = get_room(ctx, "ceproom1")
    consultation = room_consultation(room, None)
    ctx.db.visits.insert({"id": "990003", "provider_id": "509", "type": 2, "status": 20,
                          "start": la(3, 10), "end": la(3, 11)})
    ctx.token = ctx.world.tokens.get("6366a7018a39536a1ef4b63626f8e734")  # patient 201
    listed = service.availability(ctx, {"room_code": "ceproom1", "start": la(3), "end": la(4)})["slots"]
    assert {s["slot_booked"] for s in listed} == {0, 1}
    for slot in listed:
        status = service.slot_status(ctx, room, slot["provider_id"], slot["slot_start"], slot["slot_end"], consultation)
        assert status == ("booked" if slot["slot_booked"] else "free")
