"""Webhook rules: which events a webhook wants, when a failed delivery is tried again.

Pure functions of values and ``now`` (no Flask, no store): tested with hypothesis in
tests/rules/control/test_webhook_rules.py.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from vsee_sim.core.events import matches

__all__ = ["EVENTS", "MAX_ATTEMPTS", "after_failure", "backoff", "bad_pattern", "bad_url", "latest_attempt",
           "matches", "signature"]

# Every event the simulator publishes today (the visit area: DESIGN decision 13).
EVENTS = ("visit.created", "visit.started", "visit.completed", "visit.cancelled", "visit.refunded")

MAX_ATTEMPTS = 6          # after the 6th failed attempt a delivery is failed for good
BACKOFF_BASE = 10         # seconds before the 2nd attempt
BACKOFF_FACTOR = 3        # each wait three times the last: 10, 30, 90, 270, 810 s
BACKOFF_CAP = 3600        # never more than an hour
MAX_URL = 2048

_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")


def backoff(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts: 10 s * 3^(attempts-1), capped."""
    if attempts <= 1:
        return BACKOFF_BASE
    # the exponent is bounded so a huge attempt count cannot build a huge integer
    return min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR ** min(attempts - 1, 16))


def after_failure(attempts: int, now: int) -> tuple[str, int | None]:
    """(status, next_attempt) of a delivery whose ``attempts``-th attempt just failed."""
    if attempts >= MAX_ATTEMPTS:
        return "failed", None
    return "pending", now + backoff(attempts)


def latest_attempt(attempts: int, now: int) -> int:
    """The latest a pending delivery may wait for, at ``now``: one backoff (none if never tried).

    A delivery scheduled later was scheduled before the namespace clock went back; it is
    brought to this, or it would wait for the old time and hold back its webhook's others.
    """
    return now + backoff(attempts) if attempts > 0 else now


def bad_pattern(pattern: str, known: tuple[str, ...] = EVENTS) -> str | None:
    """Why an ``events`` entry is refused, or None: ``*``, ``visit.*`` or an event's name,
    matching at least one event the simulator publishes (a typo would never fire)."""
    if not _PATTERN.match(pattern):
        return f"{pattern!r} is not an event name, a prefix pattern such as 'visit.*', or '*'."
    if not any(matches(pattern, event) for event in known):
        return f"{pattern!r} matches no event; the events are {', '.join(known)}."
    return None


def bad_url(url: str) -> str | None:
    """Why a webhook URL is refused, or None: an absolute http(s) URL with a host."""
    if not url or len(url) > MAX_URL:
        return f"give an http:// or https:// URL of at most {MAX_URL} characters."
    if any(c.isspace() for c in url):
        return "a URL has no spaces."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        return "not a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "give an absolute http:// or https:// URL with a host."
    return None


def signature(secret: str, body: bytes) -> str:
    """``X-Sim-Signature``: ``sha256=`` + hex HMAC-SHA256 of the exact body sent, keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
