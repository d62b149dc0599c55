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


class Bad(ValueError):
    pass


def _number(value, name: str, low: float, high: float, *, none: bool = False) -> None:
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Bad(f"{name} must be a number")
    if not low <= value <= high:
        raise Bad(f"{name} must be between {low:g} and {high:g}")


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
    _number(rule.get("latency_ms", 0) or 0, "latency_ms", 0, 30000)
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
    _number(item.get("next_attempt"), "next_attempt", 0, MAX_TIME, none=True)
    if not isinstance(item.get("payload"), dict) or not isinstance(item.get("log", []), list):
        raise Bad("payload must be an object and log a list")


def autopilot(record: dict) -> None:
    _number(record.get("every"), "every", 1, 31622400)
    _number(record.get("visit_seconds"), "visit_seconds", 1, 10**9)
    _number(record.get("next_run"), "next_run", 0, MAX_TIME)
    calls = record.get("calls", [])
    if not isinstance(calls, list) or not all(isinstance(c, dict) and "id" in c and "provider_id" in c
                                              and isinstance(c.get("end"), (int, float)) for c in calls):
        raise Bad("calls must be a list of {id, provider_id, end}")
    for name in ("log",):
        if not isinstance(record.get(name, []), list):
            raise Bad(f"{name} must be a list")
    if not isinstance(record.get("stats", {}), dict):
        raise Bad("stats must be an object")


SIM_KINDS: dict[str, Callable[[dict], None]] = {
    "faults": fault, "webhooks": webhook, "deliveries": delivery, "autopilot": autopilot,
}


def export(state: dict) -> None:
    """Bad (a ValueError) naming the first problem of one namespace's export."""
    clock(state.get("clock"))
    if state.get("seed") is not None:
        _number(state["seed"], "seed", 0, 2**63 - 1)
    for account in state.get("accounts") or []:
        for name in ("settings", "profile"):
            if name in account and not isinstance(account[name], dict):
                raise Bad(f"account {account.get('code')}: {name} must be an object")
        for name in ("api_keys", "eligibility"):
            if name in account and not isinstance(account[name], list):
                raise Bad(f"account {account.get('code')}: {name} must be a list")
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
                check(record)
            except Bad as exc:
                raise Bad(f"sim.{kind} {record['id']}: {exc}") from None
