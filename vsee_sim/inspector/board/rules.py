"""The clinic board: pure rules (values and ``now`` in, the board's parts out).

- ``queue``: a room's waiting room in order, each patient with ``before_me`` and waits,
  by the visits area's own rules (``queue_key``, ``is_waiting``): the same order and
  count as ``GET /rooms/:code/queue`` gives each of them.
- ``columns``: visits by status (10, 20, 25, 30, 40), each column capped.
- ``actions``: which of the board's buttons a visit's status allows, read from the
  visits area's transition table (the buttons drive ``/_sim/provider``'s actions).
- ``day_bounds``, ``timeline``, ``ticks``: a day of a room's availability, its slots
  free, booked or past by provider, and the appointments laid on it, for drawing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vsee_sim.api.visits import rules as visits

COLUMNS = (visits.PENDING, visits.CONFIRMED, visits.IN_PROGRESS, visits.COMPLETED, visits.CANCELLED)
CLOSED = frozenset({visits.COMPLETED, visits.CANCELLED})
DEFAULT_LIMIT = 20          # cards per column and patients per queue (the counts say how many)
MAX_LIMIT = 500
# The board's buttons -> the visits area's action each drives (visits.rules.TRANSITIONS).
ACTIONS = {"start": "start", "end": "complete", "noshow": "no_show"}
FREE, BOOKED, PAST = "free", "booked", "past"
HOUR = 3600


# -- the waiting room -------------------------------------------------------------------------
def queue(waiting: Iterable[dict], now: int, average_visit_time: int) -> list[dict]:
    """The room's waiting patients in queue order (``visits.rules.queue_key``, FIFO).

    ``waiting`` may hold any visits of the room; those not waiting (``is_waiting``) are left
    out. Each row: ``position`` (1-based), ``before_me`` (the visits that entered strictly
    before, as ``queue_view`` counts them: ties share a count), ``waited`` (seconds since it
    entered, never negative) and ``expected_wait`` (``average_visit_time * before_me``, as
    the queue's ``waiting_time``).
    """
    ordered = sorted((v for v in waiting if visits.is_waiting(v)), key=visits.queue_key)
    rows, before, previous = [], 0, None
    for index, visit in enumerate(ordered):
        key = visits.queue_key(visit)
        if key != previous:
            before, previous = index, key
        rows.append({"visit": visit, "position": index + 1, "before_me": before,
                     "waited": max(0, now - int(visit.get("created") or now)),
                     "expected_wait": average_visit_time * before})
    return rows


# -- the status columns -------------------------------------------------------------------------
def _open_order(visit: dict) -> tuple:
    return int(visit.get("start") or 0), visits.queue_key(visit)


def _closed_order(visit: dict) -> tuple:
    """Newest first: when it ended (else was last changed), then the higher number."""
    ended = int(visit.get("actual_end") or visit.get("modified") or 0)
    return -ended, tuple(-part for part in visits.queue_key(visit))


def columns(found: Iterable[dict], limit: int = DEFAULT_LIMIT) -> list[dict]:
    """One column per status of ``COLUMNS``, in that order: ``{"status", "name", "count",
    "visits"}``. Open visits (10, 20, 25) oldest first by start, closed ones (30, 40) newest
    first; each column keeps its first ``limit`` visits. Other statuses (refunded) are left out.
    """
    groups: dict[int, list[dict]] = {status: [] for status in COLUMNS}
    for visit in found:
        group = groups.get(int(visit.get("status") or 0))
        if group is not None:
            group.append(visit)
    out = []
    for status, group in groups.items():
        group.sort(key=_closed_order if status in CLOSED else _open_order)
        out.append({"status": status, "name": visits.STATUSES[status], "count": len(group),
                    "visits": group[:max(0, limit)]})
    return out


def actions(status: int) -> list[str]:
    """The board's buttons a visit in ``status`` offers, in ``ACTIONS`` order."""
    return [button for button, action in ACTIONS.items() if status in visits.TRANSITIONS[action]]


# -- the day's timeline -------------------------------------------------------------------------
def zone(name: str | None) -> ZoneInfo:
    """The room's timezone (its schedules'); an unknown or missing name means UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(now: int, tz: ZoneInfo) -> tuple[int, int]:
    """The local day holding ``now``: from its midnight to the next (23 or 25 h on DST days)."""
    day = datetime.fromtimestamp(now, tz).date()
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    after = day + timedelta(days=1)
    return int(start.timestamp()), int(datetime(after.year, after.month, after.day, tzinfo=tz).timestamp())


def slot_state(slot: dict, now: int) -> str:
    if slot.get("slot_booked"):
        return BOOKED
    return PAST if int(slot["slot_start"]) < now else FREE


def timeline(day: tuple[int, int], slots: Iterable[dict], appointments: Iterable[dict], now: int,
             provider_ids: Iterable[str] = ()) -> dict:
    """A day of a room: one lane per provider (``provider_ids`` order, then any other met),
    with its slots (``slot_start``/``slot_end``/``slot_booked`` rows of GET /availability)
    inside the day, each ``free``, ``booked`` or ``past``, and the appointments (visits with
    ``start``/``end``) that overlap the day, on their provider's lane (``None``: no provider).

    ``span`` is what to draw: whole hours from the day's start around every slot and
    appointment, within the day; the day's working hours when there is nothing.
    """
    day_start, day_end = day
    lanes: dict[str | None, dict] = {}

    def lane(provider_id) -> dict:
        key = None if provider_id in (None, "") else str(provider_id)
        if key not in lanes:
            lanes[key] = {"provider_id": key, "slots": [], "appointments": []}
        return lanes[key]

    for provider_id in provider_ids:
        lane(provider_id)
    counts = {FREE: 0, BOOKED: 0, PAST: 0}
    for slot in sorted(slots, key=lambda s: (int(s["slot_start"]), int(s["slot_end"]))):
        start, end = int(slot["slot_start"]), int(slot["slot_end"])
        if start < day_start or end > day_end or end <= start:
            continue
        state = slot_state(slot, now)
        counts[state] += 1
        lane(slot.get("provider_id"))["slots"].append({"start": start, "end": end, "state": state})
    for visit in sorted(appointments, key=_open_order):
        start = int(visit.get("start") or 0)
        end = max(int(visit.get("end") or 0), start + 60)   # a visit without an end still shows
        if end <= day_start or start >= day_end:
            continue
        lane(visit.get("provider_id"))["appointments"].append(
            {"visit": visit, "start": start, "end": end, "status": int(visit.get("status") or 0)})
    return {"day": [day_start, day_end], "span": list(span(day, lanes.values())),
            "counts": counts, "lanes": list(lanes.values())}


def span(day: tuple[int, int], lanes: Iterable[dict]) -> tuple[int, int]:
    """Whole hours (from the day's start) covering every slot and appointment, within the day."""
    day_start, day_end = day
    edges = [(item["start"], item["end"]) for lane in lanes
             for item in (*lane["slots"], *lane["appointments"])]
    if not edges:
        return min(day_start + 8 * HOUR, day_end), min(day_start + 18 * HOUR, day_end)
    first = max(day_start, min(s for s, _ in edges))
    last = min(day_end, max(e for _, e in edges))
    first = day_start + (first - day_start) // HOUR * HOUR
    last = min(day_end, day_start + -(-(last - day_start) // HOUR) * HOUR)
    return first, max(last, min(first + HOUR, day_end))


def ticks(span_: tuple[int, int], tz: ZoneInfo, every: int = HOUR) -> list[dict]:
    """A mark each ``every`` seconds of the span, labelled with the room's wall clock."""
    start, end = span_
    return [{"at": t, "label": datetime.fromtimestamp(t, tz).strftime("%H:%M")}
            for t in range(start, end + 1, every)]
