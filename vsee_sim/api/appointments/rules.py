"""Appointments: pure rules of GET /availability (values and now in, decisions out).

- ``window``: the documented table of ``start``/``end``/``duration`` (8 rows).
- ``schedule_slots``: a provider's weekly hours, in the schedule's own timezone, cut
  into consecutive slots of the consultation's duration.
- ``licensed``, ``overlaps``, ``Busy``: who may be offered, and who is taken.

Local hours and daylight saving time (docs/fidelity.md AV1): an interval
``[open, close]`` of a day covers the instants from the *last* instant whose wall clock
reads ``open`` to the *first* instant whose wall clock reads ``close``; an hour that
does not exist that day (spring forward) means the instant of the change. So every
instant of every slot reads, on the provider's wall clock, a time inside the interval.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from vsee_sim.core.errors import BadRequest

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

DAY = 86400
DEFAULT_SPAN = 4 * DAY                   # rows 1, 2 and 5 of the documented table
MAX_SPAN = 31 * DAY                      # our bound on the work one request may ask for
MAX_TS = 32503680000                     # 3000-01-01: start and end beyond it are a 400
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Slot = tuple[int, int]


# -- the time window ----------------------------------------------------------------
def window(start: int | None, end: int | None, duration: int | None,
           available: int | Callable[[], int] | None, default_span: int = DEFAULT_SPAN,
           max_span: int = MAX_SPAN) -> tuple[int, int]:
    """The ``(start, end)`` searched, by the documented table (blank cells mean "as given").

    | row | start | end | duration | actual start       | actual end             |
    | 1   | -     | -   | -        | available          | available + 4d         |
    | 2   | set   | -   | -        | start              | start + 4d             |
    | 3   | set   | set | -        | start              | end                    |
    | 4   | set   | -   | set      | start              | start + duration       |
    | 5   | -     | set | -        | end - 4d           | end                    |
    | 6   | -     | set | set      | end - duration     | end                    |
    | 7   | -     | -   | set      | available          | available + duration   |
    | 8   | set   | set | set      | start              | end (duration ignored) |

    ``available`` (the start of the first available slot) is only needed by rows 1 and
    7; it may be given as a function, called only then. ``duration`` is ignored, and
    not checked, when both ``start`` and ``end`` are set ("(ignored)" in the table).
    Rows 5 and 6 never start before 0 (1970).
    Raises ``BadRequest`` naming the field: a time outside 0..year 3000, ``end`` not
    after ``start``, a ``duration`` not positive, a span longer than ``max_span``.
    """
    for name, value in (("start", start), ("end", end)):
        if value is not None and not 0 <= value <= MAX_TS:
            raise BadRequest.field(name, f"must be a unix time between 0 and {MAX_TS}.")
    if start is not None and end is not None:
        if end <= start:
            raise BadRequest.field("end", "must be after start.")
        if end - start > max_span:
            raise BadRequest.field("end", f"the window may span at most {max_span // DAY} days.")
        return start, end
    if duration is not None:
        if duration <= 0:
            raise BadRequest.field("duration", "must be a positive number of seconds.")
        if duration > max_span:
            raise BadRequest.field("duration", f"may be at most {max_span} seconds ({max_span // DAY} days).")
    span = default_span if duration is None else duration
    if start is not None:
        return start, start + span
    if end is not None:
        return max(0, end - span), end  # no slot before 1970: the window is cut there
    if callable(available):
        available = available()
    if available is None:
        raise ValueError("rows 1 and 7 need the first available slot")
    return available, available + span


# -- schedules --------------------------------------------------------------------------
@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The schedule's timezone; an unknown or missing name means UTC."""
    # imported here: zoneinfo reads the interpreter's build settings (sysconfig), about 220 KiB
    # that no request of a run without schedules needs
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _hhmm(text) -> tuple[int, int] | None:
    """``"08:00"`` as (8, 0); ``"24:00"`` is the end of the day; anything else None."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
    except ValueError:
        return None
    if (0 <= hours <= 23 and 0 <= minutes <= 59) or (hours, minutes) == (24, 0):
        return hours, minutes
    return None


def day_intervals(schedule: dict, day: date) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The well-formed ``[open, close]`` pairs of this weekday (close after open; else skipped)."""
    weekly = schedule.get("weekly") or {}
    out = []
    for pair in weekly.get(DAYS[day.weekday()]) or []:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        opens, closes = _hhmm(pair[0]), _hhmm(pair[1])
        if opens is not None and closes is not None and opens < closes:
            out.append((opens, closes))
    return out


def wall_instant(tz: ZoneInfo, day: date, hhmm: tuple[int, int], *, latest: bool) -> int:
    """The unix time at which the wall clock of ``tz`` reads ``hhmm`` on ``day``.

    A repeated time (fall back) gives its last instant if ``latest``, else its first; a
    skipped time (spring forward) gives the instant of the change.
    """
    hours, minutes = hhmm
    if hours == 24:
        day, hours = day + timedelta(days=1), 0
    naive = datetime(day.year, day.month, day.day, hours, minutes)
    first = int(naive.replace(tzinfo=tz, fold=0).timestamp())
    second = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    if first == second:
        return first
    if first < second:  # repeated: fold 0 is the earlier reading
        return second if latest else first
    # Skipped: fold 0 reads it with the offset before the change, fold 1 with the one after,
    # so the change lies between them. Offsets change on whole seconds: bisect for it.
    lo, hi = second, first
    before = _offset(tz, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def _offset(tz: ZoneInfo, ts: int) -> timedelta | None:
    return datetime.fromtimestamp(ts, tz).utcoffset()


def schedule_slots(schedule: dict, window_start: int, window_end: int, duration_s: int) -> list[Slot]:
    """Slots of ``duration_s`` seconds of this schedule lying wholly inside the window.

    Each interval of the weekly hours is cut from its start into consecutive slots; a
    remainder shorter than the duration is dropped. Sorted, never overlapping: where a
    day's intervals overlap in the data, the earlier slot of the whole day's grid is kept,
    so the grid does not depend on the window asked.
    """
    if duration_s <= 0 or window_end <= window_start:
        return []
    tz = zone(schedule.get("timezone"))
    day = datetime.fromtimestamp(window_start, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(window_end, tz).date()
    slots: list[Slot] = []
    while day <= last:
        grid: list[Slot] = []
        for opens, closes in day_intervals(schedule, day):
            t = wall_instant(tz, day, opens, latest=True)
            stop = wall_instant(tz, day, closes, latest=False)
            while t + duration_s <= stop:
                grid.append((t, t + duration_s))
                t += duration_s
        slots.extend(s for s in without_overlaps(grid) if s[0] >= window_start and s[1] <= window_end)
        day += timedelta(days=1)
    return slots


def without_overlaps(slots: Iterable[Slot]) -> list[Slot]:
    """Sorted by start; a slot overlapping one kept before it is dropped."""
    kept: list[Slot] = []
    for slot in sorted(set(slots)):
        if not kept or slot[0] >= kept[-1][1]:
            kept.append(slot)
    return kept


def licensed(schedule: dict, location: str | None) -> bool:
    """May this schedule's provider see a patient in ``location`` (a state code)?

    No location asked, or no ``licensed_states`` list on the schedule: yes.
    """
    if not location:
        return True
    states = schedule.get("licensed_states")
    if not states:
        return True
    return location.strip().upper() in {str(s).strip().upper() for s in states}


# -- bookings -----------------------------------------------------------------------------
def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Half-open intervals share an instant (touching ends do not overlap)."""
    return a_start < b_end and b_start < a_end


class Busy:
    """A provider's taken intervals, asked "does this slot overlap one?" in O(log n)."""

    def __init__(self, intervals: Iterable[tuple[int, int]]):
        ordered = sorted((s, e) for s, e in intervals if e > s)
        self.starts = [s for s, _ in ordered]
        self.max_end: list[int] = []  # the latest end among the first i+1 intervals
        for _, e in ordered:
            self.max_end.append(max(e, self.max_end[-1]) if self.max_end else e)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # intervals starting before the slot ends
        return i > 0 and self.max_end[i - 1] > start
