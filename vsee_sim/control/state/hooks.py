"""Time rules that must fire without a request: a request that moved the clock ticks its
namespace once its transaction has committed, and every tick cancels the walk-ins that
waited past the clinic's max wait (so their webhooks go out when the time comes, not at
the next read)."""

from __future__ import annotations

from flask import g

from vsee_sim.api.visits import service as visits
from vsee_sim.control.state import checks
from vsee_sim.core.persistence import EXPORT_CHECKS
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import Ctx


def install(app, state) -> None:
    if checks.export not in EXPORT_CHECKS:
        EXPORT_CHECKS.append(checks.export)

    def tick_if_clock_moved(world) -> None:
        if g.pop("vsee_tick", False):
            from vsee_sim.control import tick

            tick(world)

    app.after_commit.append(tick_if_clock_moved)


def tick(world: World) -> None:
    for db in list(world.accounts.values()):
        if not db.collections.get("visits"):
            continue
        with world.transaction():
            visits.expire_waiting(Ctx(world=world, db=db))
