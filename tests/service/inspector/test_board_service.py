"""The clinic board's service on the demo clinic's in-memory store, on a frozen namespace clock."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from vsee_sim.core.collection import Collection
from vsee_sim.core.errors import ApiError
from vsee_sim.core.tenancy import Ctx
from vsee_sim.inspector.board import service

LA = ZoneInfo("America/Los_Angeles")


def la(hour: int, minute: int = 0) -> int:
    """Monday 2024-06-03 in Los Angeles, where ceproom1's providers keep their hours."""
    return int(datetime(2024, 6, 3, hour, minute, tzinfo=LA).timestamp())


@pytest.fixture()
def ctx(world):
    world.clock.freeze(la(7))
    db = world.account("vclinic")
    for visit in db.visits.find("status", 10):   # the fixture's walk-ins (created "now - 5 min")
        db.visits.delete(visit["id"])
    return Ctx(world=world, db=db)


def walkin(ctx, visit_id: str, created: int, member: str = "575", room: str = "ceproom1", **more) -> dict:
    return ctx.db.visits.insert({"id": visit_id, "type": 1, "status": 10, "room_code": room, "member_id": member,
                                 "created": created, "start": created, "end": created + 900, **more})


def room(board: dict, code: str = "ceproom1") -> dict:
    return next(r for r in board["board"] if r["code"] == code)


def column(shown: dict, status: int) -> dict:
    return next(c for c in shown["columns"] if c["status"] == status)


def test_the_queue_in_order_with_before_me_and_waits(ctx):
    walkin(ctx, "900003", la(6, 50), member="201")
    walkin(ctx, "900001", la(6, 30))
    walkin(ctx, "900002", la(6, 40), member="201")
    walkin(ctx, "900004", la(6, 45), room="room1")
    ctx.db.users.update("201", last_connected=la(6, 59), heartbeat=300)
    ctx.db.users.update("575", last_connected=la(6, 30), heartbeat=300)    # gone quiet
    board = service.board(ctx, "ceproom1")
    shown = room(board)
    assert [r["visit"]["id"] for r in shown["queue"]] == ["900001", "900002", "900003"]
    assert [r["before_me"] for r in shown["queue"]] == [0, 1, 2]
    assert [r["expected_wait"] for r in shown["queue"]] == [0, 3600, 7200]     # demo: average 3600 s
    assert [r["alive"] for r in shown["queue"]] == [False, True, True]
    assert board["waited"] == {"900001": 1800, "900002": 1200, "900003": 600}
    assert [r["visit"]["member_name"] for r in shown["queue"]][:2] == ["Keven2 Teodoro2", "Lemuel Eveline (201)test"]
    assert [r["code"] for r in board["board"]] == ["ceproom1"] and board["room"] == "ceproom1"
    assert "room1" in {r["code"] for r in board["rooms"]}       # the room picker lists every room


def test_visits_by_status_with_their_buttons(ctx):
    walkin(ctx, "900001", la(6, 30))
    shown = room(service.board(ctx))
    assert [c["status"] for c in shown["columns"]] == [10, 20, 25, 30, 40]
    assert [v["id"] for v in column(shown, 10)["visits"]] == ["900001"]
    # the demo's ceproom1: appointments 7727 and 67258 confirmed, 7730 in progress, 7728 done, 1504 cancelled
    assert {v["id"] for v in column(shown, 20)["visits"]} == {"7727", "67258"}
    assert [v["id"] for v in column(shown, 25)["visits"]] == ["7730"]
    assert "7728" in {v["id"] for v in column(shown, 30)["visits"]}
    assert "1504" in {v["id"] for v in column(shown, 40)["visits"]}
    actions = {v["id"]: v["actions"] for c in shown["columns"] for v in c["visits"]}
    assert actions["900001"] == ["start", "noshow"] and actions["7730"] == ["end", "noshow"]
    assert actions["7728"] == [] and actions["1504"] == []
    assert column(shown, 10)["visits"][0]["type_name"] == "walk-in"


def test_columns_are_capped_and_counted(ctx):
    for n in range(30):
        walkin(ctx, str(900100 + n), la(6) + n, status=30, modified=la(6) + n)
    shown = room(service.board(ctx, "ceproom1", limit=5))
    done = column(shown, 30)
    assert done["count"] == 31 and len(done["visits"]) == 5      # 30 + the demo's 7728
    assert [v["id"] for v in done["visits"]] == ["900129", "900128", "900127", "900126", "900125"]


def test_the_days_timeline_of_slots_and_appointments(ctx):
    ctx.db.visits.insert({"id": "900200", "type": 2, "status": 20, "room_code": "ceproom1", "member_id": "575",
                          "provider_id": "826", "start": la(9), "end": la(9, 15), "created": la(6)})
    line = room(service.board(ctx, "ceproom1"))["timeline"]
    assert line["timezone"] == "America/Los_Angeles"
    assert line["day"] == [la(0), la(0) + 86400] and line["span"] == [la(8), la(20)]
    lanes = {lane["provider_id"]: lane for lane in line["lanes"]}
    assert list(lanes) == ["826", "509", "541", "1096"]
    # 15-minute slots: 826 08-20, 509 09-17, 541 09-12 + 13-17, 1096 08-17
    assert [len(lanes[p]["slots"]) for p in lanes] == [48, 32, 28, 36]
    booked = [s for s in lanes["826"]["slots"] if s["state"] == "booked"]
    assert [(s["start"], s["end"]) for s in booked] == [(la(9), la(9, 15))]
    assert [(a["id"], a["status"]) for a in lanes["826"]["appointments"]] == [("900200", 20)]
    assert line["counts"] == {"free": 143, "booked": 1, "past": 0}
    assert line["ticks"][0] == {"at": la(8), "label": "08:00"} and line["ticks"][-1]["label"] == "20:00"

    ctx.world.clock.freeze(la(10))   # slots that began before now can no longer be booked
    line = room(service.board(ctx, "ceproom1"))["timeline"]
    assert line["counts"] == {"free": 143 - 23, "booked": 1, "past": 8 + 4 + 4 + 8 - 1}  # 8-10, 9-10


def test_version_moves_with_the_board_not_with_the_clock(ctx):
    walkin(ctx, "900001", la(6, 30))
    first = service.board(ctx, "ceproom1")
    ctx.world.clock.freeze(la(7) + 20)
    second = service.board(ctx, "ceproom1")
    assert second["version"] == first["version"] and second["waited"]["900001"] == first["waited"]["900001"] + 20
    service.act(ctx, "900001", "start")
    assert service.board(ctx, "ceproom1")["version"] != first["version"]


def test_the_buttons_are_the_provider_actions(ctx):
    walkin(ctx, "900001", la(6, 30))
    started = service.act(ctx, "900001", "start")
    assert started["status"] == 25 and started["provider_id"] == "826"      # the room's first provider
    assert started["actual_start"] == la(7)
    ctx.world.clock.freeze(la(7, 20))
    ended = service.act(ctx, "900001", "end")
    assert (ended["status"], ended["reason"], ended["actual_end"]) == (30, "call_ended", la(7, 20))
    shown = room(service.board(ctx, "ceproom1"))
    assert "900001" in {v["id"] for v in column(shown, 30)["visits"]} and not shown["queue"]
    walkin(ctx, "900002", la(7, 10))
    assert service.act(ctx, "900002", "noshow", "509")["reason"] == "no_show"
    # the webhooks and notifications of /_sim/provider follow (the patient is told of each move)
    assert ctx.db.notifications.find("user_id", "575")


@pytest.mark.parametrize(("visit_id", "button", "status", "says"), [
    ("7728", "end", 400, "30 (completed)"),          # the visit machine's own refusal
    ("7728", "noshow", 400, "30 (completed)"),
    ("nope", "start", 404, "Visit nope"),
    ("7730", "explode", 400, "action"),
])
def test_refused_buttons(ctx, visit_id, button, status, says):
    with pytest.raises(ApiError) as err:
        service.act(ctx, visit_id, button)
    assert err.value.status == status and says in err.value.message


def test_other_accounts_and_unknown_rooms(ctx):
    assert service.for_account(ctx, None) is ctx and service.for_account(ctx, "vclinic") is ctx
    with pytest.raises(ApiError) as err:
        service.for_account(ctx, "nobody")
    assert err.value.status == 400 and "account" in err.value.message
    with pytest.raises(ApiError) as err:
        service.board(ctx, "no-such-room")
    assert err.value.status == 400 and "room" in err.value.message


def test_reads_stay_index_lookups_as_visits_grow(ctx, monkeypatch):
    """1,000 visits cost the board the same store calls as a few: no scan per visit.
    Only this thread's calls count: another app's ticker in this worker reads visits too."""
    calls: list[str] = []
    me = threading.get_ident()
    for name in ("all", "find", "find_one", "get"):
        original = getattr(Collection, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            if self.name == "visits" and threading.get_ident() == me:
                calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Collection, name, counted)

    def store_calls(room_code):
        calls.clear()
        service.board(ctx, room_code)
        return len(calls)

    few = {code: store_calls(code) for code in ("ceproom1", None)}
    for n in range(1000):
        status = (10, 20, 25, 30, 40)[n % 5]
        kind = 1 if status in (10, 25) else 2
        walkin(ctx, str(910000 + n), la(6) + n, member=("575", "201")[n % 2], status=status, type=kind,
               room=("ceproom1", "room1", "abc")[n % 3], provider_id="826", start=la(8) + 60 * n)
    assert {code: store_calls(code) for code in ("ceproom1", None)} == few
