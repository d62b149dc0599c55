"""The control plane /_sim: everything that is not VSee's.

One package per concern, with the areas' file roles (routes, schemas, service):
``state`` (health, reset, seed, namespaces, clock, export/import, snapshots),
``traffic`` (journal, faults), ``events`` (outbox, webhooks), ``provider`` (provider
actions, autopilot). ``install`` wires them into an app; ``tick`` is what runs when a
namespace's clock moves or the ticker wakes (webhook retries, autopilot, max wait).
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from pathlib import Path

from vsee_sim.core.store import World

log = logging.getLogger("vsee_sim.control")

PACKAGES = ("state", "traffic", "provider", "events")  # events last: it sends what the others queued


@cache  # tick() asks on every tick of every namespace
def _modules(name: str) -> tuple:
    found = []
    for package in PACKAGES:
        try:
            found.append(importlib.import_module(f"vsee_sim.control.{package}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"vsee_sim.control.{package}.{name}" and exc.name != f"vsee_sim.control.{package}":
                raise
    return tuple(found)


def route_packages() -> list[str]:
    """The packages with a ``routes.py``, in registration order (lazy_views reads their routes)."""
    here = Path(__file__).resolve().parent
    return [f"vsee_sim.control.{p}" for p in PACKAGES if (here / p / "routes.py").exists()]


def install(app, state) -> None:
    """Register /_sim's blueprints on their own API document and each package's hooks."""
    from vsee_sim import openapi
    from vsee_sim.control import common
    from vsee_sim.core.http import SimApi
    from vsee_sim.lazy_views import register

    common.install(app, state)
    state.worlds.on_load.append(tick)
    control_api = SimApi(app, config_prefix="SIM_")
    lazily = state.settings.lazy_views
    openapi.install(control_api, "sim", prepare=register(app, control_api, route_packages(), lazily))
    for module in _modules("hooks"):
        module.install(app, state)
    if state.settings.tick_interval > 0:
        from vsee_sim.control.ticker import Ticker

        state.ticker = Ticker(state.worlds, state.settings.tick_interval)
        state.ticker.start()


def tick(world: World) -> None:
    """Everything due on this namespace's clock: each package's ``hooks.tick(world)``.

    Called after the clock moves (``/_sim/clock``), after any request that queued work,
    and by the ticker on the wall clock. Never raises: a failing tick is logged.
    """
    for module in _modules("hooks"):
        run = getattr(module, "tick", None)
        if run is None:
            continue
        try:
            run(world)
        except Exception:  # a tick must not break the request that triggered it
            log.exception("tick of %s failed on namespace %s", module.__name__, world.name)
