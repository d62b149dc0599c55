"""Fault rules and journal filters, pure: values in, decision out.

The draw that decides whether a matched rule fires is a function of (seed, namespace,
rule id, match number) through SHA-256, not of a random generator's state: two runs
with the same seed fail the same requests, whatever else happened in between (other
rules, other namespaces, concurrent requests elsewhere). Within one namespace the match
number orders the requests a rule saw; requests sent concurrently to one rule race for
their numbers, as they would for any server-side counter.
"""

from __future__ import annotations

import hashlib
import math
import re
from http import HTTPStatus

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
ANY = "*"
API_PREFIX = "/api_v3"
# /vc/next/api_v3, /vc/stable/api_v3 and /cc/<clinic>/api_v3 mean /api_v3 (core/basepaths.py).
_BASE = re.compile(r"^(?:/vc/(?:next|stable)|/cc/[^/*?]+)(?=/api_v3(?:[/*?]|$))")
_SLASHES = re.compile(r"/{2,}")
_STATUS_FILTER = re.compile(r"^[1-5](?:[0-9]{2}|xx)$")
MAX_PATTERN = 1000
MAX_COUNT = 1_000_000
MAX_LATENCY_MS = 30_000
MAX_RETRY_AFTER = 86_400


# -- rules -------------------------------------------------------------------------------------
def normalise_method(method: str | None) -> str:
    """``*`` or an HTTP method, upper-cased; ValueError otherwise."""
    value = (method or ANY).strip().upper()
    if value != ANY and value not in METHODS:
        raise ValueError(f"use * or one of {', '.join(METHODS)}.")
    return value


def normalise_pattern(pattern: str | None) -> str:
    """A path glob in the form request paths are matched in (after base paths and ``.json``).

    ``/vc/next/api_v3/visits*`` means ``/api_v3/visits*``; a trailing ``.json`` or ``/`` is
    dropped; a pattern that starts with neither ``/`` nor ``*`` is taken under ``/api_v3/``
    (``visits/*`` means ``/api_v3/visits/*``). ValueError for an empty or huge pattern.
    """
    value = (pattern or "").strip()
    if not value:
        raise ValueError("give a path pattern such as /api_v3/visits*.")
    if len(value) > MAX_PATTERN:
        raise ValueError(f"at most {MAX_PATTERN} characters.")
    if value[0] not in "/*":
        value = f"{API_PREFIX}/{value}"
    value = _SLASHES.sub("/", value)
    value = _BASE.sub("", value)
    if value.endswith(".json"):
        value = value[: -len(".json")] or "/"
    if len(value) > 1 and value.endswith("/"):
        value = value.rstrip("/") or "/"
    return value


def path_matches(pattern: str, path: str) -> bool:
    """The whole path matches the glob: ``*`` is any run of characters (``/`` included), ``?`` one.

    No regex: a glob turned into ``.*a.*a...`` backtracks exponentially on a long path that
    almost matches, and matching runs under the namespace lock. Without ``?``, the pattern is
    split on its stars: the first piece must start the path, the last end it, and each piece
    between is taken at its leftmost place after the previous one (leftmost is never worse:
    it leaves the most room to the rest), found by ``str.find``. With ``?``, the pattern runs
    as an automaton whose states are the bits of an integer: O(len(path) * len(pattern) / 64).
    """
    if "?" in pattern:
        return _automaton_matches(pattern, path)
    pieces = pattern.split(ANY)
    if len(pieces) == 1:
        return path == pattern
    head, *middle, tail = pieces
    start, end = len(head), len(path) - len(tail)
    if start > end or not path.startswith(head) or not path.endswith(tail):
        return False
    for piece in middle:
        if piece:  # an empty piece is two stars in a row: one is enough
            found = path.find(piece, start, end)
            if found < 0:
                return False
            start = found + len(piece)
    return True


def _automaton_matches(pattern: str, path: str) -> bool:
    """Bit i of ``state`` set: ``pattern[:i]`` can match the path read so far (shift-and)."""
    merged = []  # consecutive stars are one star, so one shift closes the star moves below
    for c in pattern:
        if c != ANY or not merged or merged[-1] != ANY:
            merged.append(c)
    stars = any_char = 0
    consumes: dict[str, int] = {}  # bits of the positions that read this character
    for i, c in enumerate(merged):
        if c == ANY:
            stars |= 1 << i
        elif c == "?":
            any_char |= 1 << i
        else:
            consumes[c] = consumes.get(c, 0) | 1 << i
    consumes = {c: bits | any_char for c, bits in consumes.items()}
    state = 1 | (1 & stars) << 1
    for c in path:
        state = ((state & consumes.get(c, any_char)) << 1) | (state & stars)
        if not state:
            return False
        state |= (state & stars) << 1  # a star may also match nothing
    return bool(state >> len(merged) & 1)


def method_matches(rule_method: str, method: str) -> bool:
    return rule_method == ANY or rule_method == method.upper()


def has_count_left(rule: dict) -> bool:
    """A rule without a count fires forever; one with a count, that many times."""
    count = rule.get("count")
    return count is None or (rule.get("fired") or 0) < count


def _number(value, low: float, high: float, whole: bool = False) -> bool:
    """A JSON number (not a bool) within [low, high]; with ``whole``, without a fraction."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and (not math.isfinite(value) or (whole and not value.is_integer())):
        return False
    return low <= value <= high


def usable(rule) -> bool:
    """Is this record a rule the request hook can apply without failing?

    ``POST /_sim/faults`` only stores good rules, but a namespace import (``POST /_sim/state``)
    or a persisted file may hold anything; a record that is not usable is skipped (it never
    matches) rather than making every request a 500.
    """
    if not isinstance(rule, dict):
        return False
    get = rule.get
    return (isinstance(get("method"), str) and isinstance(get("path"), str)
            and (get("status") is None or _number(get("status"), 400, 599, whole=True))
            and (get("latency_ms") is None or _number(get("latency_ms"), 0, MAX_LATENCY_MS))
            and (get("retry_after") is None or _number(get("retry_after"), 0, MAX_RETRY_AFTER, whole=True))
            and (get("count") is None or _number(get("count"), 0, math.inf, whole=True))
            and _number(get("probability", 1.0), 0, 1)
            and _number(get("matched") or 0, 0, math.inf, whole=True)
            and _number(get("fired") or 0, 0, math.inf, whole=True)
            and (get("message") is None or isinstance(get("message"), str)))


def applies(rule: dict, method: str, path: str) -> bool:
    return (usable(rule) and has_count_left(rule) and method_matches(rule["method"], method)
            and path_matches(rule["path"], path))


def pick(rules: list[dict], method: str, path: str) -> dict | None:
    """The first rule, in creation order, that matches and still has count left."""
    return next((r for r in rules if applies(r, method, path)), None)


def draw(seed: int, namespace: str, rule_id: str, n: int) -> float:
    """A number in [0, 1) that depends on nothing but its arguments."""
    digest = hashlib.sha256(f"{seed}:{namespace}:{rule_id}:{n}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fires(seed: int, namespace: str, rule: dict, n: int) -> bool:
    """Does the rule fire on its ``n``-th match? (probability 1 always, 0 never.)"""
    return draw(seed, namespace, str(rule["id"]), n) < float(rule.get("probability", 1.0))


def default_message(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"Injected fault: {status} {phrase}."


def retry_after(rule: dict) -> int | None:
    """Seconds for ``Retry-After``: always for a 429 (default 1), else only when the rule says."""
    given = rule.get("retry_after")
    if rule.get("status") == 429:
        return 1 if given is None else int(given)
    return None if given is None else int(given)


# -- journal filters ---------------------------------------------------------------------------
def check_status_filter(value: str) -> str:
    """``404``, ``4xx`` or ``5xx`` (any class 1-5); ValueError otherwise."""
    value = value.strip().lower()
    if not _STATUS_FILTER.match(value):
        raise ValueError("use a status such as 404, or a class such as 4xx or 5xx.")
    return value


def status_matches(wanted: str, status: int) -> bool:
    if wanted.endswith("xx"):
        return str(status)[:1] == wanted[:1] and len(str(status)) == 3
    return str(status) == wanted


def journal_path_matches(wanted: str, *paths: str) -> bool:
    """A glob (with ``*`` or ``?``) matches a whole path; anything else is a substring."""
    if "*" in wanted or "?" in wanted:
        return any(path_matches(wanted, p) for p in paths)
    return any(wanted in p for p in paths)


# -- journal memory ------------------------------------------------------------------------------
ENTRY_OVERHEAD = 1024  # bytes an entry costs beyond what it holds: its dict, ints, small strings


def clip(raw: bytes | None, limit: int) -> tuple[bytes | None, bool]:
    """The first ``limit`` bytes of a body, and whether it was cut."""
    if raw is None or len(raw) <= limit:
        return raw, False
    return raw[:limit], True


def entry_bytes(entry: dict) -> int:
    """What a journal entry holds, in bytes: its bodies, path, query and both headers, plus
    ``ENTRY_OVERHEAD`` for the rest (measured with tracemalloc: a GET /me entry with an
    empty body takes about 900 bytes besides its response)."""
    size = ENTRY_OVERHEAD
    for key in ("body", "response", "path", "api_path", "query", "response_type"):
        value = entry.get(key)
        if value:
            size += len(value)
    for headers in (entry.get("headers"), entry.get("response_headers")):
        for name, value in (headers or {}).items():
            size += len(name) + len(value)
    return size

