"""What an imported namespace (POST /_sim/state, or a ``--data`` file) must look like
before it replaces anything: a hand-edited export must get a 400 naming what is wrong,
never load and then fail every request.

Checked: the clock setting, the accounts' settings, and each control-plane record kind
(faults, webhooks, deliveries, autopilot) for the fields their code reads. An unknown
control-plane kind is refused. Clinic records are checked by the fixture rules
(``store.validate_fixture``), as for any fixture.
"""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_TIME = 253402300799  # 9999-12-31
LATER = MAX_TIME + 10**9  # a retry or pick-up scheduled from a clock near the end of 9999
INT64 = (-(2**63), 2**63 - 1)
# Numbers wherever a control-plane record has them (the views serialise them as numbers).
NUMERIC = ("created", "modified", "delivered_at", "last_status_code", "attempts", "matched", "fired")


class Bad(ValueError):
    pass


def _number(value, name: str, low: float, high: float, *, none: bool = False) -> None:
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Bad(f"{name} must be a number")
    if not low <= value <= high:
        raise Bad(f"{name} must be between {_shown(low)} and {_shown(high)}")


def _shown(bound: float) -> str:
    """A bound as written: integers exactly (2**63 - 1 is not 9223372036854775808)."""
    return str(bound) if isinstance(bound, int) else f"{bound:g}"


def _text(value, name: str, *, none: bool = False) -> None:
    if value is None and none:
        return
    if not isinstance(value, str) or not value:
        raise Bad(f"{name} must be a non-empty string")


def clock(data) -> None:
    if data is None:
        return
    if not isinstance(data, dict) or data.get("mode", "real") not in ("real", "offset", "frozen"):
        raise Bad("clock.mode must be real, offset or frozen")
    _number(data.get("offset", 0.0), "clock.offset", -MAX_TIME, MAX_TIME)
    _number(data.get("frozen_at"), "clock.frozen_at", 0, MAX_TIME, none=True)


def fault(rule: dict) -> None:
    _text(rule.get("method"), "method")
    _text(rule.get("path"), "path")
    _number(rule.get("status"), "status", 400, 599, none=True)
    _number(rule.get("probability", 1.0), "probability", 0, 1)
    _number(rule.get("latency_ms", 0), "latency_ms", 0, 30000, none=True)
    _number(rule.get("count"), "count", 0, 10**9, none=True)
    _number(rule.get("retry_after"), "retry_after", 0, 10**9, none=True)
    for counter in ("matched", "fired"):
        _number(rule.get(counter, 0), counter, 0, 10**12)


def webhook(hook: dict) -> None:
    _text(hook.get("url"), "url")
    events = hook.get("events", ["*"])
    if not isinstance(events, list) or not all(isinstance(e, str) and e for e in events):
        raise Bad("events must be a list of strings")
    _text(hook.get("account"), "account", none=True)
    _text(hook.get("secret"), "secret", none=True)


def delivery(item: dict) -> None:
    for name in ("webhook_id", "url", "event"):
        _text(item.get(name), name)
    if item.get("status") not in ("pending", "sending", "delivered", "failed"):
        raise Bad("status must be pending, sending, delivered or failed")
    _number(item.get("attempts", 0), "attempts", 0, 10**6)
    _number(item.get("next_attempt"), "next_attempt", 0, LATER, none=True)
    if not isinstance(item.get("payload"), dict) or not isinstance(item.get("log", []), list):
        raise Bad("payload must be an object and log a list")


def autopilot(record: dict) -> None:
    _number(record.get("every"), "every", 1, 31622400)
    _number(record.get("visit_seconds"), "visit_seconds", 1, 10**9)
    _number(record.get("next_run"), "next_run", 0, LATER)
    calls = record.get("calls", [])
    if not isinstance(calls, list) or not all(isinstance(c, dict) and "id" in c and "provider_id" in c
                                              for c in calls):
        raise Bad("calls must be a list of {id, provider_id, end}")
    for call in calls:
        _number(call.get("end"), "calls.end", 0, LATER)
        _number(call.get("started"), "calls.started", 0, LATER, none=True)
    for name in ("log",):
        if not isinstance(record.get(name, []), list):
            raise Bad(f"{name} must be a list")
    stats = record.get("stats", {})
    if not isinstance(stats, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in stats.values()):
        raise Bad("stats must be an object of counts")


SIM_KINDS: dict[str, Callable[[dict], None]] = {
    "faults": fault, "webhooks": webhook, "deliveries": delivery, "autopilot": autopilot,
}


def seed(value) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Bad("seed must be an integer")
    _number(value, "seed", *INT64, none=True)


def accounts(items) -> None:
    """The account settings the services read (a fixture's or an export's)."""
    for account in items or []:
        code = account.get("code")
        for name in ("settings", "profile"):
            if name in account and not isinstance(account[name], dict):
                raise Bad(f"account {code}: {name} must be an object")
        for name in ("api_keys", "eligibility"):
            if name in account and not isinstance(account[name], list):
                raise Bad(f"account {code}: {name} must be a list")
        keys = account.get("api_keys") or []
        if not all(isinstance(k, dict) and isinstance(k.get("key"), str) for k in keys):
            raise Bad(f"account {code}: every api_keys entry needs a key string")
        tokens(account.get("tokens") or [])


def tokens(items) -> None:
    for token in items:
        if isinstance(token, dict):
            _number(token.get("expiry"), "tokens.expiry", 0, LATER, none=True)


def export(state: dict) -> None:
    """Bad (a ValueError) naming the first problem of one namespace's export."""
    clock(state.get("clock"))
    seed(state.get("seed"))
    fixture = state.get("fixture")
    if fixture is not None and not isinstance(fixture, str):
        raise Bad("fixture must be a name")
    accounts(state.get("accounts"))
    tokens(state.get("tokens") or [])
    sim = state.get("sim") or {}
    if not isinstance(sim, dict):
        raise Bad("sim must be an object of record lists")
    for kind, records in sim.items():
        check = SIM_KINDS.get(kind)
        if check is None:
            raise Bad(f"sim.{kind} is not a kind of control-plane record")
        if not isinstance(records, list):
            raise Bad(f"sim.{kind} must be a list")
        for record in records:
            if not isinstance(record, dict) or not isinstance(record.get("id"), (str, int)):
                raise Bad(f"sim.{kind}: every record needs an id")
            try:
                for name in NUMERIC:
                    _number(record.get(name), name, 0, LATER, none=True)
                check(record)
            except Bad as exc:
                raise Bad(f"sim.{kind} {record['id']}: {exc}") from None
