"""When the autopilot runs: on every tick of its namespace (the clock moved, the ticker woke).

Nothing runs per request. A namespace without an enabled autopilot costs one dict lookup.
"""

from __future__ import annotations

from vsee_sim.control.provider import service
from vsee_sim.core.store import World


def install(app, state) -> None:
    """No request hooks: the autopilot follows the namespace clock, not the traffic."""


def tick(world: World) -> None:
    if world.sim.get(service.AUTOPILOT) is None:
        return
    service.run_all(world)
