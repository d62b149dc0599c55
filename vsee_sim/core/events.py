"""Events the simulator tells the outside world of: webhook deliveries, queued in state.

An area calls ``publish`` inside its request's transaction (a visit changed status); one
delivery record per registered webhook goes into the namespace's ``deliveries``
collection, so a request that fails later leaves no delivery behind (the transaction
undoes it). Posting them is the control plane's work, after the transaction commits and
outside the world lock (``vsee_sim.control.events``): a receiver may call us back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time this module is pure: the control plane's rules import ``matches``
    from vsee_sim.core.store import World

WEBHOOKS = "webhooks"
DELIVERIES = "deliveries"


def publish(world: World, event: str, data: Callable[[], Any] | Any, *, account: str | None = None) -> int:
    """Queue ``{"event", "data"}`` for every webhook of the namespace that wants ``event``.

    ``data`` may be a callable, so nothing is built when no webhook listens.
    Returns the number of deliveries queued.
    """
    hooks = world.sim.get(WEBHOOKS)
    if not hooks or not len(hooks):
        return 0
    wanted = [h for h in wanting(hooks, event) if wants(h, event, account)]
    if not wanted:
        return 0
    payload = {"event": event, "data": data() if callable(data) else data}
    deliveries = world.sim_collection(DELIVERIES)
    now = world.clock.ts()
    for hook in wanted:
        deliveries.insert({
            "id": world.ids.uuid(), "webhook_id": hook["id"], "url": hook["url"], "event": event,
            "account": account, "payload": payload, "status": "pending", "attempts": 0,
            "next_attempt": now, "created": now, "log": [],
        })
    return len(wanted)


def wanting(hooks, event: str) -> list[dict]:
    """The webhooks whose patterns can match ``event``, in the order they were made: found by
    pattern (``*``, the name, ``visit.*`` for each prefix ending in a dot) in the collection's
    index of ``events``, so an event costs the same however many other webhooks there are."""
    patterns = ["*", event] + [event[:i + 1] + "*" for i, c in enumerate(event) if c == "."]
    found = [h for p in patterns for h in hooks.find("events", p, each=True)]
    found += hooks.find("events", None) + hooks.find("events", [])   # no list: every event
    return hooks.in_order(found)


def wants(hook: dict, event: str, account: str | None) -> bool:
    """Does this webhook want ``event`` of ``account``? (no account filter: every account's)"""
    if hook.get("account") and account and hook["account"] != account:
        return False
    return any(matches(pattern, event) for pattern in hook.get("events") or ["*"])


def matches(pattern: str, event: str) -> bool:
    """``*`` is every event, ``visit.*`` every event under ``visit.``, else the name itself."""
    return pattern == "*" or pattern == event or (pattern.endswith(".*") and event.startswith(pattern[:-1]))
