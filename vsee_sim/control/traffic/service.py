"""Journal and fault rules of a namespace: the use cases behind /_sim/journal and /_sim/faults.

Journal: every request but /_sim, /docs and CORS preflights, newest first per namespace
(``World.journal``: not clinic state, so not exported, snapshotted or reset). The request
hook stores raw bytes through ``journal.Journal``, which bounds it in entries (500) and
in bytes, per namespace and in total; decoding and JSON parsing happen here, when the
journal is read, so recording costs a request almost nothing. Bodies and responses are
kept up to ``VSEE_SIM_JOURNAL_BODY_BYTES`` (64 KiB, flagged ``*_truncated``); a request
body over 1 MiB, or a chunked multipart one, is not kept at all (``body`` null).

Faults: rules in ``world.sim_collection("faults")``, so exported, snapshotted and emptied
by a reset with the namespace. Counters change under the world lock; whether a matched
rule fires is ``rules.fires`` (seeded, deterministic).
"""

from __future__ import annotations

import base64
import json

from vsee_sim.control.traffic import rules
from vsee_sim.control.traffic.journal import Journal
from vsee_sim.core.errors import ApiError, BadRequest, NotFound, TooManyRequests
from vsee_sim.core.store import World

FAULTS = "faults"
PRECACHE_LIMIT = 1024 * 1024  # request bodies up to this are read before the view (see hooks)
REPLAY_HEADERS = ("X-ApiToken", "X-ApiKey", "X-ApiSecret", "X-AccountCode", "Content-Type")
MAX_RESPONSE_HEADERS, MAX_HEADER_VALUE = 32, 1024   # what an entry keeps of its answer's headers


# -- journal -----------------------------------------------------------------------------------
def journal(budget: Journal, world: World, limit: int = 100, method: str | None = None,
            path: str | None = None, status: str | None = None, view=None) -> list[dict]:
    """Entries newest first, filtered; each decoded for the wire (``entry_view``), or shown by
    ``view`` (the inspector lists ``entry_summary``s: no body decoded)."""
    view = view or entry_view
    if status:
        try:
            status = rules.check_status_filter(status)
        except ValueError as exc:
            raise BadRequest.field("status", str(exc)) from None
    entries = budget.entries_of(world)
    wanted_method = method.strip().upper() if method else None
    out = []
    for entry in reversed(entries):  # appended in id order (Journal.record): newest last
        if wanted_method and entry["method"] != wanted_method:
            continue
        if path and not rules.journal_path_matches(path, _text_path(entry["path"]), entry["api_path"]):
            continue
        if status and not rules.status_matches(status, entry["status"]):
            continue
        out.append(view(entry))
        if len(out) >= limit:
            break
    return out


def clear_journal(budget: Journal, world: World) -> bool:
    budget.clear(world)
    return True


def entry_view(entry: dict) -> dict:
    body, body_encoding = _text(entry["body"], entry["body_truncated"])
    view = {
        "id": entry["id"], "at": entry["at"], "method": entry["method"], "path": _text_path(entry["path"]),
        "query": entry["query"], "headers": dict(entry["headers"]),
        "body": body, "body_encoding": body_encoding, "body_truncated": entry["body_truncated"],
        "status": entry["status"], "response_headers": dict(entry.get("response_headers") or {}),
        "response": None, "response_truncated": entry["response_truncated"],
        "duration_ms": entry["duration_ms"], "fault": entry.get("fault"),
    }
    raw = entry["response"]
    if raw is not None:
        if "json" in (entry.get("response_type") or "") and not entry["response_truncated"]:
            try:
                view["response"] = json.loads(raw)
                return view
            except ValueError:
                pass
        view["response"], encoding = _text(raw, entry["response_truncated"])
        if encoding == "base64":
            view["response_encoding"] = encoding
    return view


def entry_summary(entry: dict) -> dict:
    """An entry without its headers and bodies: what a list of requests shows."""
    return {"id": entry["id"], "at": entry["at"], "method": entry["method"],
            "path": _text_path(entry["path"]), "query": entry["query"], "status": entry["status"],
            "duration_ms": entry["duration_ms"], "fault": entry.get("fault")}


def _text(raw: bytes | None, cut_off: bool = False) -> tuple[str | None, str]:
    """UTF-8 text, or base64 when it is not (a cut in a character is forgiven)."""
    if raw is None:
        return None, "utf-8"
    for cut in range(4):  # a truncated body may end inside a character
        try:
            return (raw[: len(raw) - cut] if cut else raw).decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if not cut_off:
                break
    return base64.b64encode(raw).decode("ascii"), "base64"


def _text_path(path: str) -> str:
    """WSGI paths are latin-1 decoded bytes (PEP 3333); give the UTF-8 the client meant."""
    try:
        return path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return path


# -- faults ------------------------------------------------------------------------------------
def create_fault(world: World, args: dict) -> dict:
    try:
        method = rules.normalise_method(args.get("method"))
    except ValueError as exc:
        raise BadRequest.field("method", str(exc)) from None
    try:
        path = rules.normalise_pattern(args.get("path"))
    except ValueError as exc:
        raise BadRequest.field("path", str(exc)) from None
    status, latency = args.get("status"), args.get("latency_ms")
    if status is None and not latency:
        raise BadRequest.field("status", "give status (400-599) or latency_ms (1-30000), or both.")
    rule = {
        "id": world.ids.next_number("fault", start=1), "method": method, "path": path,
        "status": status, "message": args.get("message") or None,
        "retry_after": args.get("retry_after"), "latency_ms": latency or 0,
        "count": args.get("count"), "probability": float(args.get("probability", 1.0)),
        "matched": 0, "fired": 0, "created": world.clock.ts(),
    }
    return world.sim_collection(FAULTS).insert(rule)


def list_faults(world: World) -> list[dict]:
    faults = world.sim.get(FAULTS)
    return faults.all() if faults is not None else []


def get_fault(world: World, fault_id: str) -> dict:
    return world.sim_collection(FAULTS).get_or_404(fault_id, "Fault rule")


def delete_fault(world: World, fault_id: str) -> bool:
    if world.sim_collection(FAULTS).delete(fault_id) is None:
        raise NotFound(f"Fault rule {fault_id} not found.")
    return True


def clear_faults(world: World) -> bool:
    world.sim_collection(FAULTS).clear()
    return True


def take_fault(world: World, method: str, path: str) -> dict | None:
    """The rule that fires on this request, if any, with its counters moved (under the lock).

    The first rule (creation order) that matches and has count left is the one counted;
    if its draw says no, the request goes through untouched. Records that are not usable
    rules (a bad import) never match (``rules.usable``).
    """
    faults = world.sim.get(FAULTS)
    if not faults:  # the common case: no rules, no lock
        return None
    with world.lock:
        rule = rules.pick(faults.all(), method, path)
        if rule is None:
            return None
        matched = int(rule.get("matched") or 0) + 1
        if not rules.fires(world.seed, world.name, rule, matched):
            faults.update(rule["id"], matched=matched)
            return None
        return faults.update(rule["id"], matched=matched, fired=int(rule.get("fired") or 0) + 1)


def fault_error(rule: dict) -> ApiError:
    """VSee's error body for a fired rule with a status; Retry-After for a 429."""
    status = int(rule["status"])
    message = rule.get("message") or rules.default_message(status)
    seconds = rules.retry_after(rule)
    headers = {"Retry-After": str(seconds)} if seconds is not None else {}
    if status == 429:
        return TooManyRequests(message, headers=headers)
    err = ApiError(message, headers=headers)
    err.status = status
    return err
