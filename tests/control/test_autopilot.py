"""/_sim/autopilot: a simulated provider picking up alive waiting patients on the namespace clock.

The clock is frozen and moved by POST /_sim/clock/advance, which ticks the namespace
(``vsee_sim.control.tick``) once its transaction commits; nothing sleeps. Most tests use
room1 (providers 541 and 403), away from the demo's patient waiting in ceproom1.
"""

from __future__ import annotations

import pytest
from clinic import PATIENT_575, advance, error, freeze, ok

from vsee_sim import control


def autopilot(client, **body) -> dict:
    return ok(client.put("/_sim/autopilot", json=body))


def two_waiting(client, clinic, room_code: str = "room1") -> tuple[dict, dict]:
    _, first = clinic.sso()
    _, second = clinic.sso()
    a = clinic.walkin(first, room_code=room_code)
    advance(client, 5)
    b = clinic.walkin(second, room_code=room_code)
    return a, b


def visit(clinic, visit_id: str) -> dict:
    return clinic.world.account("vclinic").visits.get(visit_id)


def test_picks_up_the_oldest_then_ends_it_and_takes_the_next(client, clinic):
    t0 = freeze(client)
    a, b = two_waiting(client, clinic)
    config = autopilot(client, every=60, room_code="room1")
    assert (config["enabled"], config["next_run"], config["visit_seconds"]) == (True, t0 + 65, 60)
    advance(client, 59)
    assert (clinic.status(a["id"]), clinic.status(b["id"])) == (10, 10)  # not due yet
    advance(client, 1)
    assert (clinic.status(a["id"]), clinic.status(b["id"])) == (25, 10)
    started = visit(clinic, a["id"])
    assert (started["provider_id"], started["actual_start"]) == ("541", t0 + 65)  # room1's first provider
    advance(client, 60)
    assert (clinic.status(a["id"]), clinic.status(b["id"])) == (30, 25)
    ended = visit(clinic, a["id"])
    assert (ended["actual_end"], ended["reason"], ended["completed_by"]) == (t0 + 125, "call_ended", "541")
    shown = ok(client.get("/_sim/autopilot"))
    assert [(e["action"], e["visit_id"]) for e in shown["log"]] == [
        ("start", a["id"]), ("end", a["id"]), ("start", b["id"])]
    assert [c["id"] for c in shown["calls"]] == [b["id"]] and shown["next_run"] == t0 + 185
    stats = {k: shown["stats"][k] for k in ("runs", "started", "ended", "idle", "errors")}
    assert stats == {"runs": 2, "started": 2, "ended": 1, "idle": 0, "errors": 0}
    advance(client, 120)       # b ends; the next pick-ups find nobody
    assert clinic.status(b["id"]) == 30
    assert ok(client.get("/_sim/autopilot"))["stats"]["idle"] == 2


def test_a_patient_without_keep_alive_is_skipped(client, clinic):
    freeze(client)
    _, gone = clinic.sso()
    quiet = clinic.walkin(gone, room_code="room1")
    advance(client, 301)       # past the 300 s heartbeat of the walk-in's keep-alive
    _, here = clinic.sso()
    alive = clinic.walkin(here, room_code="room1")
    autopilot(client, every=60, room_code="room1")
    advance(client, 60)
    assert (clinic.status(quiet["id"]), clinic.status(alive["id"])) == (10, 25)
    ok(clinic.post("/users/alive", gone))           # back: picked at the next free pick-up
    advance(client, 60)
    assert clinic.status(quiet["id"]) == 25


def test_a_patient_who_came_after_a_pick_up_waits_for_the_next(client, clinic, world):
    t0 = freeze(client)
    autopilot(client, every=60, room_code="room1")
    world.clock.advance(90)    # no tick yet: the pick-up at +60 is still to run
    _, token = clinic.sso()
    late = clinic.walkin(token, room_code="room1")
    advance(client, 30)        # runs the pick-ups at +60 (before it came) and +120
    assert visit(clinic, late["id"])["actual_start"] == t0 + 120
    log = ok(client.get("/_sim/autopilot"))
    assert log["stats"]["idle"] == 1 and log["stats"]["started"] == 1


def test_a_jump_catches_up_in_order(client, clinic):
    t0 = freeze(client)
    a, b = two_waiting(client, clinic)
    autopilot(client, every=60, visit_seconds=30, room_code="room1")
    advance(client, 200)       # pick-ups at +65, +125, +185; ends at +95, +155
    first, second = visit(clinic, a["id"]), visit(clinic, b["id"])
    assert (first["status"], first["actual_start"], first["actual_end"]) == (30, t0 + 65, t0 + 95)
    assert (second["status"], second["actual_start"], second["actual_end"]) == (30, t0 + 125, t0 + 155)
    assert ok(client.get("/_sim/autopilot"))["next_run"] == t0 + 245


def test_disabled_or_deleted_does_nothing(client, clinic, world):
    freeze(client)
    a, b = two_waiting(client, clinic)
    off = autopilot(client, enabled=False, every=60, room_code="room1")
    assert off["enabled"] is False and off["next_run"] is None
    advance(client, 200)
    assert (clinic.status(a["id"]), clinic.status(b["id"])) == (10, 10)
    autopilot(client, every=60, room_code="room1")
    advance(client, 60)
    assert clinic.status(a["id"]) == 25
    assert ok(client.delete("/_sim/autopilot")) is True
    advance(client, 600)
    assert (clinic.status(a["id"]), clinic.status(b["id"])) == (25, 10)  # its call stays in progress
    assert ok(client.get("/_sim/autopilot"))["enabled"] is False
    assert ok(client.delete("/_sim/autopilot")) is True                  # twice is fine


def test_all_rooms_and_a_given_provider(client, clinic):
    t0 = freeze(client)
    _, token = clinic.sso()
    other = clinic.walkin(token, room_code="room1")
    autopilot(client, every=60)                     # every room: the demo's patient 575 came first
    advance(client, 60)
    demo = visit(clinic, "14")
    assert (demo["status"], demo["provider_id"], demo["actual_start"]) == (25, "826", t0 + 60)
    ok(client.delete("/_sim/autopilot"))
    autopilot(client, every=60, provider_id="403")  # 403's rooms: room1 only
    advance(client, 60)
    assert visit(clinic, other["id"])["provider_id"] == "403"


def test_a_call_closed_meanwhile_is_forgotten(client, clinic):
    freeze(client)
    a, _ = two_waiting(client, clinic)
    autopilot(client, every=60, visit_seconds=120, room_code="room1")
    advance(client, 60)
    closed = ok(clinic.post("/visits/close", clinic.staff_token(), id=a["id"]))
    assert closed["status"] == 30
    advance(client, 120)
    shown = ok(client.get("/_sim/autopilot"))
    forgotten = [e for e in shown["log"] if e["action"] == "forget"]
    assert [e["visit_id"] for e in forgotten] == [a["id"]] and "30 (completed)" in forgotten[0]["message"]
    assert a["id"] not in [c["id"] for c in shown["calls"]]


def test_a_huge_jump_is_bounded_and_skips(client, clinic, world):
    t0 = freeze(client)
    autopilot(client, every=1, room_code="room1")
    world.clock.advance(5000)
    control.tick(world)
    shown = ok(client.get("/_sim/autopilot"))
    assert shown["stats"]["runs"] == 1000 and shown["stats"]["skipped"] == 4000
    assert shown["next_run"] == t0 + 5001 and shown["log"][-1]["action"] == "skip"
    assert len(shown["log"]) <= 50


def test_the_autopilot_is_namespace_state(client, clinic, world):
    freeze(client)
    autopilot(client, every=90, room_code="room1")
    assert [r["every"] for r in world.to_dict()["sim"]["autopilot"]] == [90]
    ok(client.post("/_sim/reset"))
    assert ok(client.get("/_sim/autopilot"))["enabled"] is False


def test_get_without_one_shows_the_defaults(client):
    shown = ok(client.get("/_sim/autopilot"))
    assert {k: shown[k] for k in ("account", "enabled", "every", "visit_seconds", "next_run", "log")} == {
        "account": "vclinic", "enabled": False, "every": 60, "visit_seconds": 60, "next_run": None, "log": []}


@pytest.mark.parametrize(("body", "field"), [
    ({"every": 0}, "every"), ({"every": "soon"}, "every"), ({"visit_seconds": -5}, "visit_seconds"),
    ({"room_code": "nosuch"}, "room_code"), ({"provider_id": "575"}, "provider_id"),
    ({"provider_id": "401", "room_code": "room1"}, "provider_id"), ({"enabled": "maybe"}, "enabled"),
])
def test_bad_configs_are_400_naming_the_field(client, body, field):
    error(client.put("/_sim/autopilot", json=body), 400, field)
    assert ok(client.get("/_sim/autopilot"))["enabled"] is False


def test_reconfiguring_keeps_its_calls(client, clinic):
    freeze(client)
    a, _ = two_waiting(client, clinic)
    autopilot(client, every=60, visit_seconds=300, room_code="room1")
    advance(client, 60)
    again = autopilot(client, every=600, visit_seconds=10, room_code="room1")
    assert [c["id"] for c in again["calls"]] == [a["id"]]
    advance(client, 300)       # the call still ends when it was due when it started
    assert clinic.status(a["id"]) == 30


def test_the_demo_patient_closes_and_nothing_is_left(client, clinic):
    ok(clinic.post("/visits/close", PATIENT_575, id="14"))
    freeze(client)
    autopilot(client, every=30)
    advance(client, 90)
    shown = ok(client.get("/_sim/autopilot"))
    assert shown["stats"]["idle"] == 3 and shown["calls"] == [] and shown["log"] == []
