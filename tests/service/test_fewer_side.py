"""Lookups that read whichever side is fewer (issue 14) answer the same from either side.

``seen_in_provider_rooms`` (EMR and files access) and a provider's GET /visits read either
the provider's rooms (an index lookup each) or the patient's / the account's visits; the
availability of a provider reads only the bookings near the window asked. Each is checked
here against the plain answer, on both sides of the switch.
"""

from __future__ import annotations

import pytest

from vsee_sim.api.appointments import service as appointments
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.visits import service as visits
from vsee_sim.core.tenancy import Ctx

DAY = 86400


@pytest.fixture()
def ctx(world):
    return Ctx(world=world, db=world.account("vclinic"))


def plain_seen(ctx, member_id: str, provider_id: str) -> bool:
    codes = {r["code"] for r in ctx.db.rooms.all() if provider_id in (r.get("provider_ids") or [])}
    return any(v.get("room_code") in codes for v in ctx.db.visits.all() if v.get("member_id") == member_id)


def plain_provider_visits(ctx, provider_id: str) -> set[str]:
    codes = {r["code"] for r in ctx.db.rooms.all() if provider_id in (r.get("provider_ids") or [])}
    return {v["id"] for v in ctx.db.visits.all()
            if v.get("provider_id") == provider_id or v.get("room_code") in codes}


def add_rooms(ctx, provider_id: str, n: int) -> None:
    for i in range(n):
        ctx.db.rooms.insert({"id": f"r{i}", "code": f"fs{i}", "slug": f"fs{i}", "provider_ids": [provider_id]})


@pytest.mark.parametrize("extra_rooms", [0, 40])   # fewer rooms than visits, then more
def test_both_sides_give_the_plain_answer(ctx, extra_rooms):
    add_rooms(ctx, "509", extra_rooms)
    ctx.db.visits.insert({"id": "990100", "member_id": "201", "room_code": f"fs{max(0, extra_rooms - 1)}",
                          "provider_id": "403", "status": 30})
    assert (ctx.db.rooms.count("provider_ids", "509", each=True) <= len(ctx.db.visits)) == (extra_rooms == 0)
    for member in ("575", "201", "508", "1290"):
        for provider in ("509", "826", "403", "541", "12456470"):
            assert rooms.seen_in_provider_rooms(ctx, member, provider) == plain_seen(ctx, member, provider)
    for provider in ("509", "826", "403", "12456470"):
        found = visits._provider_visits(ctx, provider)
        assert {v["id"] for v in found} == plain_provider_visits(ctx, provider)
        assert len(found) == len({v["id"] for v in found})


def test_busy_reads_the_bookings_near_the_window_only(ctx):
    t = 2_000_000_000
    for i, (start, minutes) in enumerate([(t - 40 * DAY, 30), (t - 2 * DAY, 3 * DAY // 60), (t, 30),
                                          (t + 5 * DAY, 30), (t - 30 * DAY, 45 * DAY // 60)]):
        ctx.db.visits.insert({"id": f"99020{i}", "provider_id": "826", "type": 2, "status": 20,
                              "start": start, "end": start + minutes * 60})
    busy = appointments.busy_of(ctx, "826", t - DAY, t + DAY)
    assert busy.overlaps(t - DAY, t - DAY + 60)       # the 3-day visit that began before the window
    assert busy.overlaps(t + 10, t + 20)
    # the 45-day one began 30 days before: it takes the provider for 31 days at most (AV11)
    later = appointments.busy_of(ctx, "826", t + 2 * DAY, t + 6 * DAY)
    assert later.overlaps(t + 5 * DAY, t + 5 * DAY + 60) and not later.overlaps(t + 2 * DAY, t + 2 * DAY + 60)
    assert appointments.busy_of(ctx, "826", t - 30 * DAY, t - 29 * DAY).overlaps(t - 30 * DAY, t - 29 * DAY)
