"""Control plane use cases, on the namespace of the request."""

from __future__ import annotations

import re

from vsee_sim import __version__
from vsee_sim.core.errors import BadRequest
from vsee_sim.core.persistence import DataFile
from vsee_sim.core.store import World, Worlds

FIXTURE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")


def health(worlds: Worlds, world: World, datafile: DataFile | None, wait_persisted: int | None) -> dict:
    if datafile is not None and wait_persisted is not None:
        datafile.wait_persisted(wait_persisted, timeout=10)
    persisted_version = datafile.persisted_version if datafile else None
    return {
        "status": "ok", "version": __version__, "namespace": world.name,
        "namespaces": len(worlds.names()), "namespaces_evicted": worlds.evicted,
        "fixture": world.fixture_name, "seed": world.seed,
        "write_version": worlds.version, "persisted_version": persisted_version,
        "clock": world.clock.to_dict(),
    }


def reset(worlds: Worlds, world: World, fixture: str | None) -> dict:
    """Back to the namespace's fixture, or to another fixture named (never a path:
    the control plane must not read arbitrary files of the server's disk)."""
    # The server's own --fixture (which may be a path) can always be named again.
    if fixture and fixture != worlds.fixture_name and (not FIXTURE_NAME.match(fixture) or ".." in fixture):
        raise BadRequest.field("fixture", "give a fixture name such as demo or minimal, not a path.")
    try:
        world = worlds.reset(world.name, fixture or None)
    except (OSError, ValueError) as exc:
        raise BadRequest.field("fixture", f"cannot load it: {exc}") from None
    return {"namespace": world.name, "fixture": world.fixture_name, "accounts": list(world.accounts)}


def outbox(world: World, to: str | None = None, template: str | None = None) -> list[dict]:
    items = world.outbox.all()
    if to:
        items = [m for m in items if (m.get("to") or "").lower() == to.lower()]
    if template:
        items = [m for m in items if m.get("template") == template]
    return list(reversed(items))


def clear_outbox(world: World) -> bool:
    world.outbox.clear()
    return True
