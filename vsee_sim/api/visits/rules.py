"""Visits: the status machine and the waiting-room queue. Pure: values in, decision out.

Status codes are VSee's own (DESIGN decision 7): 10 pending, 20 confirmed, 25 in
progress, 30 completed, 40 cancelled, 50 refunded. Every change of status goes through
``transition``; the table below is the whole machine, and a move it does not declare is a
400 naming both statuses.
"""

from __future__ import annotations

from vsee_sim.core.errors import BadRequest

PENDING, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED, REFUNDED = 10, 20, 25, 30, 40, 50
STATUSES = {
    PENDING: "pending",
    CONFIRMED: "confirmed",
    IN_PROGRESS: "in progress",
    COMPLETED: "completed",
    CANCELLED: "cancelled",
    REFUNDED: "refunded",
}
ACTIVE = frozenset({PENDING, CONFIRMED, IN_PROGRESS})   # the visit still holds its patient and slot
WALKIN, SCHEDULED, ECONSULT, INVITED_GUEST = 1, 2, 3, 10

# action -> {from status: to status}. "close" is the documented POST /visits/close: a call
# that ran is completed, a visit that never started is cancelled (patient left, cancelled,
# max wait reached). "complete"/"cancel" are close with an explicit status 30/40. "no_show" is
# the provider's side (/_sim/provider, the portal): the patient never joined, before or after
# the provider started the call.
TRANSITIONS: dict[str, dict[int, int]] = {
    "start": {PENDING: IN_PROGRESS, CONFIRMED: IN_PROGRESS},
    "close": {IN_PROGRESS: COMPLETED, PENDING: CANCELLED, CONFIRMED: CANCELLED},
    "complete": {IN_PROGRESS: COMPLETED},
    "cancel": {PENDING: CANCELLED, CONFIRMED: CANCELLED, IN_PROGRESS: CANCELLED},
    "expire": {PENDING: CANCELLED},
    "no_show": {PENDING: CANCELLED, CONFIRMED: CANCELLED, IN_PROGRESS: CANCELLED},
    "refund": {COMPLETED: REFUNDED, CANCELLED: REFUNDED},
}
# What each action would move to, for the message when the current status does not allow it.
_TARGET = {"start": IN_PROGRESS, "close": COMPLETED, "complete": COMPLETED, "cancel": CANCELLED,
           "expire": CANCELLED, "no_show": CANCELLED, "refund": REFUNDED}

CLOSE_REASONS = ("patientendcall", "patientexitroom", "call_ended", "patientcancelappointment",
                 "maxwaitingtime_reached")
MAX_WAIT_REASON = "maxwaitingtime_reached"
NO_SHOW_REASON = "no_show"          # ours: set by the provider's no-show, never accepted from a client


def describe(status: int) -> str:
    return f"{status} ({STATUSES.get(status, 'unknown')})"


def transition(current: int, action: str) -> int:
    """The status ``action`` moves a visit in ``current`` to, or a 400 naming both statuses."""
    table = TRANSITIONS.get(action)
    if table is None:
        raise ValueError(f"unknown visit action {action!r}")
    if current not in table:
        raise BadRequest(f"Visit cannot move from status {describe(current)} to {describe(_TARGET[action])}.")
    return table[current]


def close_action(status: int | None) -> str:
    """POST /visits/close: no status closes as the call's state says; 30 completes, 40 cancels."""
    if status is None:
        return "close"
    if status == COMPLETED:
        return "complete"
    if status == CANCELLED:
        return "cancel"
    raise BadRequest.field("status", f"use 30 (completed) or 40 (cancelled), not {status}.")


def clean_reason(reason: str | None) -> str | None:
    if reason in (None, ""):
        return None
    if reason not in CLOSE_REASONS:
        raise BadRequest.field("reason", f"use one of {', '.join(CLOSE_REASONS)}.")
    return reason


def default_reason(status: int, visit_type: int) -> str:
    """The documented reason a close without one stands for: the call ended, or the patient left."""
    if status == COMPLETED:
        return "call_ended"
    return "patientcancelappointment" if visit_type == SCHEDULED else "patientexitroom"


# -- the waiting room ----------------------------------------------------------------
def queue_key(visit: dict) -> tuple[int, int]:
    """FIFO: the order patients entered (created), ties by the visit's number."""
    return int(visit.get("created") or 0), _number(visit.get("id"))


def is_waiting(visit: dict) -> bool:
    """In the waiting room: a pending walk-in."""
    return int(visit.get("type") or 0) == WALKIN and int(visit.get("status") or 0) == PENDING


def queue_view(waiting: list[dict], mine: dict | None, *, capacity: int, average_visit_time: int) -> dict:
    """GET /rooms/:code/queue. ``waiting`` are the room's pending walk-ins in any order.

    before_me counts the visits that entered before the caller's own; a caller who is not
    waiting is told the whole length (that is who would be ahead of them).
    """
    ordered = sorted(waiting, key=queue_key)
    before_me = len(ordered)
    if mine is not None:
        before_me = sum(1 for visit in ordered if queue_key(visit) < queue_key(mine))
    return {
        "length": len(ordered),
        "capacity": capacity,
        "average_visit_time": average_visit_time,
        "before_me": before_me,
        "waiting_time": average_visit_time * before_me,
    }


def room_is_full(length: int, capacity: int) -> bool:
    return capacity > 0 and length >= capacity


def waited_too_long(visit: dict, now: int, max_wait_time: int) -> bool:
    """A pending walk-in older than the clinic's max wait is cancelled (reason maxwaitingtime_reached)."""
    return max_wait_time > 0 and is_waiting(visit) and now - int(visit.get("created") or 0) > max_wait_time


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
