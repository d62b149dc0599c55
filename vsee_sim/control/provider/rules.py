"""The autopilot's timetable: which step falls due next. Pure: values in, decision out.

The autopilot is a simulated provider. Every ``every`` seconds of the namespace clock it
picks up the oldest alive waiting patient (a "pick"), and it ends each call it started
``visit_seconds`` later (an "end"). When the clock jumps, the steps it missed run in the
order they fell due, each at its own time, so a jump of ten minutes leaves the same visits
(with the same ``actual_start``/``actual_end``) as ten minutes of ticking would. An end
comes before a pick of the same second: a provider who hangs up at t takes the next
patient at t.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_EVERY = 60          # seconds of namespace clock between pick-ups
MAX_EVERY = 366 * 86400
MAX_STEPS = 1000            # steps one tick runs at most; further missed pick-ups are skipped
LOG_SIZE = 50               # log entries kept (GET /_sim/autopilot)

PICK, END = "pick", "end"


@dataclass(frozen=True)
class Step:
    kind: str                   # PICK or END
    at: int                     # when it fell due (namespace clock, unix seconds)
    visit_id: str | None = None  # the call an END ends


def next_step(next_run: int, calls: Iterable[tuple[str, int]], now: int) -> Step | None:
    """The earliest step due by ``now``, or None.

    ``calls`` are the autopilot's calls in progress as (visit id, end time), in the order
    they started; of two ends at the same second, the earlier started goes first.
    """
    first = None
    for visit_id, end in calls:
        if first is None or end < first[1]:
            first = (visit_id, end)
    if first is not None and first[1] <= now and first[1] <= next_run:
        return Step(END, first[1], first[0])
    if next_run <= now:
        return Step(PICK, next_run)
    return None


def first_run(now: int, every: int) -> int:
    """Switched on at ``now``: the first pick-up, one period later."""
    return now + every


def after_pick(next_run: int, every: int) -> int:
    return next_run + every


def call_end(started: int, visit_seconds: int) -> int:
    return started + visit_seconds


def pull_back(at: int, now: int, period: int) -> int:
    """``at`` if it is at most one ``period`` after ``now``, else ``now + period``.

    Only a clock that went back leaves a pick-up (or a call's end) further away than one
    period: it is brought back, or the autopilot would wait for the old time.
    """
    return min(at, now + period)


def skip_missed(next_run: int, every: int, now: int) -> int:
    """The first pick-up time after ``now`` on the same grid (``next_run + k * every``).

    For a clock that jumped further than one tick runs: the pick-ups missed beyond
    ``MAX_STEPS`` are skipped rather than piling up.
    """
    if next_run > now:
        return next_run
    return next_run + ((now - next_run) // every + 1) * every


def missed(next_run: int, every: int, now: int) -> int:
    """How many pick-ups fall due in [next_run, now]."""
    return 0 if next_run > now else (now - next_run) // every + 1


def bounded_log(log: list[dict], entries: list[dict], size: int = LOG_SIZE) -> list[dict]:
    """The log with ``entries`` appended, keeping the newest ``size``."""
    return (list(log) + list(entries))[-size:] if size > 0 else []
