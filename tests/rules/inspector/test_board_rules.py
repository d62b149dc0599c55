"""The clinic board's pure rules (hypothesis): queue order and before_me, status columns,
the buttons a status offers, and a day's timeline of slots and appointments."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.api.visits import rules as visits
from vsee_sim.inspector.board import rules

STATUSES = sorted(visits.STATUSES)
FEW = settings(max_examples=40)   # each example is a whole room: enough, and cheap
LA = rules.zone("America/Los_Angeles")


@st.composite
def some_visits(draw, max_size=20):
    """Visits of every type and status; ids unique, creation times often equal (ties)."""
    count = draw(st.integers(min_value=0, max_value=max_size))
    ids = draw(st.lists(st.integers(min_value=1, max_value=10_000), min_size=count, max_size=count, unique=True))
    return [{"id": str(i), "type": draw(st.sampled_from([1, 1, 2, 3])),
             "status": draw(st.sampled_from(STATUSES)),
             "created": draw(st.integers(min_value=1000, max_value=1010)),
             "start": draw(st.integers(min_value=0, max_value=5000)),
             "modified": draw(st.integers(min_value=1000, max_value=2000))} for i in ids]


@FEW
@given(some_visits(), st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=3600))
def test_queue_is_the_api_queue_for_each_patient(found, now, average):
    rows = rules.queue(found, now, average)
    waiting = [v for v in found if visits.is_waiting(v)]
    assert sorted(r["visit"]["id"] for r in rows) == sorted(v["id"] for v in waiting)
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        # GET /rooms/:code/queue as this visit's patient says the same
        view = visits.queue_view(waiting, row["visit"], capacity=0, average_visit_time=average)
        assert row["before_me"] == view["before_me"]
        assert row["expected_wait"] == view["waiting_time"]
        assert row["waited"] == max(0, now - row["visit"]["created"])
    keys = [visits.queue_key(r["visit"]) for r in rows]
    assert keys == sorted(keys)


def test_queue_ties_share_a_count():
    a = {"id": "x", "type": 1, "status": 10, "created": 5}
    b = {"id": "y", "type": 1, "status": 10, "created": 5}   # non-numeric ids: the same key
    c = {"id": "7", "type": 1, "status": 10, "created": 6}
    assert [r["before_me"] for r in rules.queue([c, b, a], 10, 60)] == [0, 0, 2]


@FEW
@given(some_visits(), st.integers(min_value=0, max_value=40))
def test_columns_hold_each_visit_of_a_board_status_once(found, limit):
    cols = rules.columns(found, limit)
    assert [c["status"] for c in cols] == list(rules.COLUMNS)
    for col in cols:
        members = [v for v in found if v["status"] == col["status"]]
        assert col["count"] == len(members)
        assert len(col["visits"]) == min(limit, len(members))
        assert all(v["status"] == col["status"] for v in col["visits"])
        assert len({v["id"] for v in col["visits"]}) == len(col["visits"])
    shown = {v["id"] for c in cols for v in c["visits"]}
    assert all(v["id"] not in shown for v in found if v["status"] == visits.REFUNDED)


@FEW
@given(some_visits(), st.integers(min_value=1, max_value=40))
def test_open_columns_oldest_first_closed_newest_first(found, limit):
    for col in rules.columns(found, limit):
        if col["status"] in rules.CLOSED:
            ends = [v["modified"] for v in col["visits"]]
            assert ends == sorted(ends, reverse=True)
            # the cap keeps the newest
            rest = [v["modified"] for v in found if v["status"] == col["status"]]
            assert ends == sorted(rest, reverse=True)[:limit]
        else:
            starts = [v["start"] for v in col["visits"]]
            assert starts == sorted(starts)


@given(st.sampled_from(STATUSES))
def test_buttons_are_exactly_the_moves_the_machine_allows(status):
    offered = rules.actions(status)
    for button, action in rules.ACTIONS.items():
        assert (button in offered) == (status in visits.TRANSITIONS[action])


def test_the_buttons_of_each_column():
    assert rules.actions(10) == ["start", "noshow"]
    assert rules.actions(20) == ["start", "noshow"]
    assert rules.actions(25) == ["end", "noshow"]
    assert rules.actions(30) == [] and rules.actions(40) == []


# -- timeline -------------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=4_000_000_000), st.sampled_from(
    ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Nope/Nowhere"]))
def test_day_bounds_hold_now_and_start_at_local_midnight(now, name):
    tz = rules.zone(name)
    start, end = rules.day_bounds(now, tz)
    assert start <= now < end
    assert 23 * 3600 - 1800 <= end - start <= 25 * 3600
    local = datetime.fromtimestamp(start, tz)
    assert (local.hour, local.minute) == (0, 0)
    assert datetime.fromtimestamp(end, tz).date() > local.date()


DAY = rules.day_bounds(1470669300, LA)     # Monday 2016-08-08 in Los Angeles


@st.composite
def day_slots(draw):
    rows = []
    for provider in draw(st.lists(st.sampled_from(["826", "509", "541"]), unique=True)):
        starts = draw(st.lists(st.integers(min_value=DAY[0] - 7200, max_value=DAY[1] + 3600), max_size=12))
        rows += [{"slot_start": s, "slot_end": s + 900, "slot_booked": draw(st.sampled_from([0, 1])),
                  "provider_id": provider} for s in starts]
    return rows


@st.composite
def day_appointments(draw):
    return [{"id": str(n), "type": 2, "status": draw(st.sampled_from([20, 25, 30, 40])),
             "start": s, "end": s + draw(st.sampled_from([0, 900, 1800])),
             "provider_id": draw(st.sampled_from(["826", "509", None]))}
            for n, s in enumerate(draw(st.lists(st.integers(min_value=DAY[0] - 7200, max_value=DAY[1] + 3600),
                                                max_size=8)))]


@FEW
@given(day_slots(), day_appointments(), st.integers(min_value=DAY[0], max_value=DAY[1]))
def test_timeline_places_every_item_of_the_day_once(slots, appointments, now):
    drawn = rules.timeline(DAY, slots, appointments, now, ["826", "1096"])
    lanes = drawn["lanes"]
    assert [lane["provider_id"] for lane in lanes][:2] == ["826", "1096"]
    assert len({lane["provider_id"] for lane in lanes}) == len(lanes)
    inside = [s for s in slots if s["slot_start"] >= DAY[0] and s["slot_end"] <= DAY[1]]
    placed = [(lane["provider_id"], s["start"], s["state"]) for lane in lanes for s in lane["slots"]]
    assert sorted(placed) == sorted((s["provider_id"], s["slot_start"], rules.slot_state(s, now)) for s in inside)
    assert sum(drawn["counts"].values()) == len(inside)
    for lane in lanes:
        for s in lane["slots"]:
            assert s["state"] != rules.FREE or s["start"] >= now       # a free slot is in the future
        assert [s["start"] for s in lane["slots"]] == sorted(s["start"] for s in lane["slots"])
    overlapping = [a for a in appointments if a["start"] < DAY[1] and max(a["end"], a["start"] + 60) > DAY[0]]
    shown = [(lane["provider_id"], a["visit"]["id"]) for lane in lanes for a in lane["appointments"]]
    assert sorted(shown, key=str) == sorted(((a["provider_id"], a["id"]) for a in overlapping), key=str)


@FEW
@given(day_slots(), day_appointments())
def test_the_span_covers_what_is_drawn_on_whole_hours_of_the_day(slots, appointments):
    drawn = rules.timeline(DAY, slots, appointments, DAY[0], [])
    first, last = drawn["span"]
    assert DAY[0] <= first < last <= DAY[1]
    assert (first - DAY[0]) % 3600 == 0
    for lane in drawn["lanes"]:
        for item in (*lane["slots"], *lane["appointments"]):
            assert first <= max(item["start"], DAY[0]) and min(item["end"], DAY[1]) <= last
    marks = rules.ticks((first, last), LA)
    assert marks[0]["at"] == first and all(b["at"] - a["at"] == 3600 for a, b in zip(marks, marks[1:], strict=False))


def test_an_empty_day_shows_working_hours():
    drawn = rules.timeline(DAY, [], [], DAY[0], ["826"])
    assert drawn["span"] == [DAY[0] + 8 * 3600, DAY[0] + 18 * 3600]
    assert drawn["lanes"] == [{"provider_id": "826", "slots": [], "appointments": []}]
    assert [m["label"] for m in rules.ticks(tuple(drawn["span"]), LA)][:2] == ["08:00", "09:00"]
