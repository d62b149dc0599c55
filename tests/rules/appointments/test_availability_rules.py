"""Appointments rules, pure: the start/end/duration table and the slot grid (docs/fidelity.md AV1-AV8).

Properties: the window follows the documented table for generated inputs; for every
row, every slot lies inside the window, has exactly the duration, never overlaps
another, and reads on the provider's wall clock a time inside that day's hours,
across daylight saving changes too (30-minute ones included: Lord Howe).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.api.appointments.rules import (
    DAY,
    DAYS,
    MAX_SPAN,
    MAX_TS,
    Busy,
    licensed,
    overlaps,
    schedule_slots,
    wall_instant,
    window,
)
from vsee_sim.core.errors import BadRequest

LA = ZoneInfo("America/Los_Angeles")
ZONES = ["America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "America/Santiago",
         "Asia/Beirut", "America/St_Johns", "Asia/Kolkata", "UTC"]
# Days around which clocks change in those zones (2024), to aim windows at.
CHANGES = [date(2024, 3, 10), date(2024, 11, 3), date(2024, 3, 31), date(2024, 10, 27),
           date(2024, 4, 7), date(2024, 10, 6), date(2024, 9, 8)]
T0 = 1_717_400_000  # 2024-06-03


def ts(tz: ZoneInfo, y, mo, d, h=0, mi=0, fold=0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold).timestamp())


def expected_window(start, end, duration, available, span=4 * DAY):
    """The documented table, written out row by row (rows 5 and 6 cut at 1970)."""
    row = {(False, False, False): 1, (True, False, False): 2, (True, True, False): 3, (True, False, True): 4,
           (False, True, False): 5, (False, True, True): 6, (False, False, True): 7, (True, True, True): 8,
           }[(start is not None, end is not None, duration is not None)]
    rows = {
        1: lambda: (available, available + span), 2: lambda: (start, start + span), 3: lambda: (start, end),
        4: lambda: (start, start + duration), 5: lambda: (max(0, end - span), end), 6: lambda: (max(0, end - duration), end),
        7: lambda: (available, available + duration), 8: lambda: (start, end),
    }
    return rows[row]()


def refused(field: str, *args) -> None:
    with pytest.raises(BadRequest) as caught:
        window(*args)
    assert field in caught.value.message and field in caught.value.errors


# -- the window ----------------------------------------------------------------------
times = st.integers(0, MAX_TS - MAX_SPAN)
maybe = st.none() | st.just(1)


@given(times, st.integers(1, MAX_SPAN), st.integers(1, MAX_SPAN), times, maybe, maybe, maybe)
def test_window_follows_the_documented_table(start, gap, duration, available, has_start, has_end, has_duration):
    s = start if has_start else None
    e = start + gap if has_end else None
    d = duration if has_duration else None
    assert window(s, e, d, available) == expected_window(s, e, d, available)


@given(times, st.integers(1, MAX_SPAN))
def test_available_is_asked_for_only_by_rows_1_and_7(start, duration):
    def never():
        raise AssertionError("not needed")

    for s, e, d in [(start, None, None), (start, start + 60, None), (start, None, duration),
                    (None, start + 60, None), (None, start + 60, duration), (start, start + 60, duration)]:
        window(s, e, d, never)
    assert window(None, None, None, lambda: start) == (start, start + 4 * DAY)
    assert window(None, None, duration, lambda: start) == (start, start + duration)


def test_window_refuses_what_it_cannot_answer():
    refused("end", T0, T0, None, None)                        # end must be after start
    refused("end", T0, T0 - 60, 900, None)
    refused("end", T0, T0 + MAX_SPAN + 1, None, None)         # bound the work
    refused("duration", T0, None, 0, None)
    refused("duration", None, T0, -900, None)
    refused("duration", None, None, MAX_SPAN + 1, T0)
    refused("start", -1, None, None, None)
    refused("end", None, MAX_TS + 1, None, None)
    # Rows 3 and 8: the duration is ignored, even a senseless one.
    assert window(T0, T0 + 60, -5, None) == (T0, T0 + 60)


# -- the slot grid --------------------------------------------------------------------
hhmm = st.integers(0, 24 * 4).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
interval = st.tuples(hhmm, hhmm).map(sorted).filter(lambda p: p[0] != p[1]).map(list)
schedules = st.builds(
    lambda tz, days: {"id": "s1", "timezone": tz, "weekly": dict(zip(DAYS, days, strict=True))},
    st.sampled_from(ZONES),
    st.lists(st.lists(interval, max_size=3), min_size=7, max_size=7),
)
durations = st.sampled_from([15, 20, 30, 45, 60, 90]).map(lambda m: m * 60)
around_changes = st.builds(lambda day, off: int(datetime(day.year, day.month, day.day).timestamp()) + off,
                           st.sampled_from(CHANGES), st.integers(-3 * DAY, DAY))
starts = around_changes | st.integers(1_400_000_000, 1_900_000_000)


def assert_within_hours(schedule: dict, slot: tuple[int, int]) -> None:
    """Every instant of the slot reads, on the provider's wall clock, a time of that day's hours."""
    tz = ZoneInfo(schedule["timezone"])
    first = datetime.fromtimestamp(slot[0], tz)
    last = datetime.fromtimestamp(slot[1] - 1, tz)
    middle = datetime.fromtimestamp((slot[0] + slot[1]) // 2, tz)
    assert first.date() == last.date() == middle.date(), slot

    def seconds(moment: datetime) -> int:
        return moment.hour * 3600 + moment.minute * 60 + moment.second

    def of(text: str) -> int:
        h, m = text.split(":")
        return int(h) * 3600 + int(m) * 60

    hours = schedule["weekly"][DAYS[first.weekday()]]
    assert any(of(o) <= seconds(first) and seconds(last) < of(c) and of(o) <= seconds(middle) < of(c)
               for o, c in hours), (slot, first, last, hours)


@settings(max_examples=150, deadline=None)
@given(schedules, starts, st.integers(1, 8 * DAY), durations, maybe, maybe, maybe, starts)
def test_every_row_gives_slots_inside_the_window_and_the_hours(schedule, start, gap, duration,
                                                                 has_start, has_end, has_duration, available):
    s = start if has_start else None
    e = start + gap if has_end else None
    d = gap if has_duration else None
    lo, hi = window(s, e, d, available)
    slots = schedule_slots(schedule, lo, hi, duration)
    for slot_start, slot_end in slots:
        assert lo <= slot_start and slot_end <= hi
        assert slot_end - slot_start == duration
        assert_within_hours(schedule, (slot_start, slot_end))
    for before, after in zip(slots, slots[1:], strict=False):
        assert before[1] <= after[0]  # sorted, never overlapping


@settings(max_examples=100, deadline=None)
@given(schedules, starts, st.integers(1, 3 * DAY), st.integers(1, 3 * DAY), durations)
def test_a_slot_is_found_whatever_window_holds_it(schedule, start, span, cut, duration):
    """Slots do not depend on the window asked: a sub-window sees exactly the slots inside it."""
    whole = schedule_slots(schedule, start, start + span, duration)
    lo, hi = start + min(cut, span) // 2, start + span
    assert schedule_slots(schedule, lo, hi, duration) == [x for x in whole if x[0] >= lo and x[1] <= hi]


def test_intervals_are_cut_from_their_start_and_remainders_dropped():
    schedule = {"timezone": "America/Los_Angeles", "weekly": {**{d: [] for d in DAYS},
                                                              "mon": [["09:00", "12:00"], ["13:00", "17:10"]]}}
    slots = schedule_slots(schedule, ts(LA, 2024, 6, 3), ts(LA, 2024, 6, 4), 45 * 60)
    assert slots[0] == (ts(LA, 2024, 6, 3, 9), ts(LA, 2024, 6, 3, 9, 45))
    assert slots[3] == (ts(LA, 2024, 6, 3, 11, 15), ts(LA, 2024, 6, 3, 12))
    assert slots[4][0] == ts(LA, 2024, 6, 3, 13)
    assert slots[-1] == (ts(LA, 2024, 6, 3, 16, 0), ts(LA, 2024, 6, 3, 16, 45))  # 16:45-17:10 dropped
    assert len(slots) == 4 + 5


def test_daylight_saving_days_in_los_angeles():
    weekly = {d: [["01:00", "04:00"]] for d in DAYS}
    schedule = {"timezone": "America/Los_Angeles", "weekly": weekly}
    # Spring forward (2024-03-10 02:00 -> 03:00): 01:00 PST to 04:00 PDT is two hours.
    day = schedule_slots(schedule, ts(LA, 2024, 3, 10), ts(LA, 2024, 3, 11), 1800)
    walls = [datetime.fromtimestamp(s, LA).strftime("%H:%M") for s, _ in day]
    assert walls == ["01:00", "01:30", "03:00", "03:30"]
    # Fall back (2024-11-03 02:00 -> 01:00): from the last 01:00 (PST) to 04:00, three hours.
    day = schedule_slots(schedule, ts(LA, 2024, 11, 3), ts(LA, 2024, 11, 4), 3600)
    assert [s for s, _ in day] == [ts(LA, 2024, 11, 3, 1, fold=1) + i * 3600 for i in range(3)]


def test_wall_instants_on_changing_days():
    spring = date(2024, 3, 10)
    change = ts(LA, 2024, 3, 10, 3)  # 03:00 PDT, the instant the clocks jumped
    assert wall_instant(LA, spring, (2, 30), latest=True) == change
    assert wall_instant(LA, spring, (2, 30), latest=False) == change
    fall = date(2024, 11, 3)
    assert wall_instant(LA, fall, (1, 30), latest=False) == ts(LA, 2024, 11, 3, 1, 30, fold=0)
    assert wall_instant(LA, fall, (1, 30), latest=True) == ts(LA, 2024, 11, 3, 1, 30, fold=1)
    assert wall_instant(LA, fall, (24, 0), latest=False) == ts(LA, 2024, 11, 4)
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # a 30-minute change: 02:00 -> 02:30
    assert wall_instant(lord_howe, date(2024, 10, 6), (2, 15), latest=True) == ts(lord_howe, 2024, 10, 6, 2, 30)


def test_bad_schedule_data_yields_no_slots_rather_than_an_error():
    schedule = {"timezone": "Mars/Olympus", "weekly": {"mon": [["9", "x"], ["10:00"], ["12:00", "11:00"], None,
                                                               ["25:00", "26:00"]], "tue": "nope"}}
    assert schedule_slots(schedule, T0, T0 + 7 * DAY, 900) == []
    assert schedule_slots({"weekly": {"mon": [["00:00", "24:00"]]}}, T0, T0 + 7 * DAY, 3600)[0][1] % 3600 == 0  # UTC


# -- licensing and bookings -------------------------------------------------------------------
def test_licensed():
    schedule = {"licensed_states": ["CA", "AL"]}
    assert licensed(schedule, "AL") and licensed(schedule, " al ") and licensed(schedule, None)
    assert not licensed(schedule, "WA")
    assert licensed({}, "WA") and licensed({"licensed_states": []}, "WA")


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 500)).map(lambda p: (p[0], p[0] + p[1])),
                max_size=20),
       st.integers(0, 11_000), st.integers(1, 500))
def test_busy_agrees_with_overlaps(intervals, start, length):
    end = start + length
    assert Busy(intervals).overlaps(start, end) == any(overlaps(start, end, s, e) for s, e in intervals)


def test_touching_intervals_do_not_overlap():
    assert not overlaps(0, 10, 10, 20) and overlaps(0, 11, 10, 20) and overlaps(10, 20, 0, 30)
    assert not Busy([(0, 10)]).overlaps(10, 20)


def test_dates_parse_as_expected():
    assert timedelta(seconds=DAY) == timedelta(days=1)
