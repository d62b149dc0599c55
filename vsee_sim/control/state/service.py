"""Control plane use cases on namespaces: health, reset, seed, the clock, export/import, snapshots.

Choices (docs/sim/state.md has the user's view):
- A reset or a seed replaces everything of the namespace, control-plane state included
  (webhooks, faults, autopilot); the journal and the snapshots are kept, so a test can
  roll back to a snapshot taken before a reset.
- Export/import speak the ``--data`` file's format (a TinyDB JSON document), so a
  snapshot, an export and a data file are interchangeable. An import is checked on a
  scratch namespace first: a bad document changes nothing.
- Snapshots live in memory with their namespace, as compact JSON bytes (what a snapshot
  costs is its size, counted exactly): at most ``MAX_SNAPSHOTS`` per namespace, and
  bounded in bytes per namespace (``VSEE_SIM_SNAPSHOT_BYTES``) and over every namespace
  (``VSEE_SIM_SNAPSHOT_TOTAL_BYTES``). A save that would pass a bound is refused with a
  413 naming it, and nothing is dropped: a test that restores a snapshot later must not
  find it silently gone. A restore puts back the clock setting and the id generator
  too, so what follows a restore is the same as what followed the save.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime

from vsee_sim import __version__
from vsee_sim.control.state import checks
from vsee_sim.core.errors import BadRequest, NotFound, PayloadTooLarge
from vsee_sim.core.ids import Ids, namespace_seed
from vsee_sim.core.persistence import DataFile, export_world, import_world
from vsee_sim.core.store import World, Worlds, validate_fixture

SEEDED = "(seeded)"
FIXTURE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_SNAPSHOTS = 100
MAX_SHIFT = 100 * 366 * 86400  # a clock move beyond a century is a typo
MAX_TIME = 253402300799         # 9999-12-31: beyond, dates no longer format
MIB = 1024 * 1024
_snapshot_guard = threading.Lock()  # a save's check and insert, against saves in other namespaces


def health(worlds: Worlds, world: World, datafile: DataFile | None, wait_persisted: int | None,
           settings=None, journal=None, webhooks=None) -> dict:
    if datafile is not None and wait_persisted is not None:
        datafile.wait_persisted(wait_persisted, timeout=10)
    persisted_version = datafile.persisted_version if datafile else None
    out = {
        "status": "ok", "version": __version__, "namespace": world.name,
        "namespaces": len(worlds.names()), "namespaces_evicted": worlds.evicted,
        "namespaces_recreated": worlds.recreated, "max_namespaces": worlds.max_namespaces,
        "fixture": world.fixture_name, "seed": world.seed,
        "shard": settings.shard if settings is not None else None,
        "write_version": worlds.version, "persisted_version": persisted_version,
        "clock": world.clock.to_dict(),
        **({"persistence": datafile.status()} if datafile else {}),
    }
    if settings is not None:
        out["snapshots"] = {"bytes": snapshot_bytes_total(worlds), "namespace_bytes": settings.snapshot_bytes,
                            "total_bytes": settings.snapshot_total_bytes, "per_namespace": MAX_SNAPSHOTS}
    if journal is not None:
        out["journal"] = {**journal.limits(), **journal.usage()}
    if webhooks is not None:
        out["webhooks"] = webhooks.usage()
    return out


def reset(worlds: Worlds, world: World, fixture: str | None, seed: int | None = None) -> dict:
    """Back to the namespace's fixture, or to another fixture named (never a path:
    the control plane must not read arbitrary files of the server's disk)."""
    _check_seed(seed)
    # A namespace's own fixture may have come from an import: it is checked like a named one.
    named = fixture or (None if world.seeded_fixture else world.fixture_name)
    if named and not _loadable_name(worlds, named):
        raise BadRequest.field("fixture", "give a fixture name such as demo or minimal, not a path.")
    try:
        world = worlds.reset(world.name, fixture or None, seed)
    except (OSError, ValueError) as exc:
        raise BadRequest.field("fixture", f"cannot load it: {exc}") from None
    return _summary(world)


def _loadable_name(worlds: Worlds, name) -> bool:
    """A fixture name, never a path; the server's own --fixture (maybe a path) excepted."""
    return isinstance(name, str) and (name == worlds.fixture_name
                                      or (bool(FIXTURE_NAME.match(name)) and ".." not in name))


def _check_seed(value) -> None:
    try:
        checks.seed(value)
    except checks.Bad as exc:
        raise BadRequest.field("seed", str(exc)) from None


def seed(worlds: Worlds, world: World, fixture: dict, seed_value: int | None) -> dict:
    """Load a fixture given in the request (not a file of the server) into the namespace."""
    try:
        validate_fixture(fixture)
        if not fixture.get("accounts"):
            raise ValueError("a fixture needs at least one account")
        checks.accounts(fixture["accounts"])
        _check_seed(seed_value)
        scratch = World(world.name, json.loads(json.dumps(fixture)), world.seed)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BadRequest.field("fixture", f"not a loadable fixture: {exc}") from None
    del scratch
    with world.lock:
        if seed_value is not None:
            world.seed = seed_value
        world.ids = Ids(namespace_seed(world.seed, world.name))
        world.clock.real()
        world.fixture_name = SEEDED
        world.seeded_fixture = json.dumps(fixture)   # what a reset of this namespace goes back to
        world.load_fixture(json.loads(world.seeded_fixture))
        worlds.loaded(world)
    return _summary(world)


def namespaces(worlds: Worlds) -> list[dict]:
    return [_summary(world) for _, world in worlds.items()]


def drop_namespace(worlds: Worlds, name: str) -> bool:
    if not worlds.drop(name):
        raise NotFound(f"Namespace {name} not found.")
    return True


def _summary(world: World) -> dict:
    return {"namespace": world.name, "fixture": world.fixture_name, "seed": world.seed,
            "accounts": list(world.accounts), "clock": world.clock.to_dict(),
            "snapshots": sorted(world.snapshots)}


# -- the clock --------------------------------------------------------------------------
def freeze(world: World, at) -> dict:
    world.clock.freeze(None if at is None else parse_time(at, "at"))
    world.touch()
    return world.clock.to_dict()


def advance(world: World, seconds: float) -> dict:
    if abs(seconds) > MAX_SHIFT:
        raise BadRequest.field("seconds", "move the clock by at most a century.")
    if not 0 <= world.clock.now() + seconds <= MAX_TIME:
        raise BadRequest.field("seconds", "the clock must stay between 1970 and 9999.")
    world.clock.advance(seconds)
    world.touch()
    return world.clock.to_dict()


def real(world: World) -> dict:
    world.clock.real()
    world.touch()
    return world.clock.to_dict()


def parse_time(value, field: str) -> float:
    """Unix seconds, or an ISO 8601 time (``2026-11-25T09:00:00Z``; no zone means UTC)."""
    if isinstance(value, bool):
        raise BadRequest.field(field, "give unix seconds or an ISO 8601 time.")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise BadRequest.field(field, "give unix seconds or an ISO 8601 time.") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            number = parsed.timestamp()
    if not 0 <= number <= MAX_TIME:
        raise BadRequest.field(field, "give a time between 1970 and 9999.")
    return number


# -- export, import, snapshots -----------------------------------------------------------
def export(world: World) -> dict:
    with world.lock:
        return export_world(world)


def import_document(world: World, document) -> dict:
    if not isinstance(document, dict) or not document:
        raise BadRequest.field("body", "send an export of GET /_sim/state (a TinyDB JSON document).")
    try:
        scratch = World(world.name, {"accounts": []}, world.seed)
        import_world(scratch, document)   # checked on a scratch namespace first: all or nothing
        _summary(scratch)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise BadRequest.field("body", f"not an export of GET /_sim/state: {exc}") from None
    import_world(world, document)
    return _summary(world)


def save_snapshot(world: World, name: str, worlds: Worlds | None = None, namespace_bytes: int | None = None,
                  total_bytes: int | None = None) -> dict:
    if not SNAPSHOT_NAME.match(name or ""):
        raise BadRequest.field("name", "use 1-64 letters, digits, '.', '_' or '-'.")
    if name not in world.snapshots and len(world.snapshots) >= MAX_SNAPSHOTS:
        raise BadRequest.field("name", f"a namespace keeps at most {MAX_SNAPSHOTS} snapshots: delete one.")
    with world.lock:
        state = world.to_dict()
        records = _records(state)
        raw = json.dumps(state, separators=(",", ":")).encode()  # a copy no later write can reach
    del state
    size = len(raw)
    with _snapshot_guard:
        replaced = world.snapshots.get(name)
        freed = replaced["bytes"] if replaced else 0
        if namespace_bytes is not None:
            after = snapshot_bytes(world) - freed + size
            if after > namespace_bytes:
                raise PayloadTooLarge(
                    f"Snapshot {name} ({_mib(size)}) would bring this namespace's snapshots to "
                    f"{_mib(after)}, over its bound of {_mib(namespace_bytes)} (VSEE_SIM_SNAPSHOT_BYTES): "
                    "delete one first.")
        if total_bytes is not None and worlds is not None:
            after = snapshot_bytes_total(worlds) - freed + size
            if after > total_bytes:
                raise PayloadTooLarge(
                    f"Snapshot {name} ({_mib(size)}) would bring the snapshots of every namespace to "
                    f"{_mib(after)}, over the server's bound of {_mib(total_bytes)} "
                    f"(VSEE_SIM_SNAPSHOT_TOTAL_BYTES): delete some first.")
        world.snapshots[name] = {"name": name, "created": world.clock.ts(), "records": records,
                                 "bytes": size, "state": raw}
    return _snapshot_view(world.snapshots[name])


def snapshot_bytes(world: World) -> int:
    return sum(s["bytes"] for s in list(world.snapshots.values()))


def snapshot_bytes_total(worlds: Worlds) -> int:
    return sum(snapshot_bytes(w) for _, w in worlds.items())


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def snapshots(world: World) -> list[dict]:
    return [_snapshot_view(s) for s in world.snapshots.values()]


def restore_snapshot(world: World, name: str) -> dict:
    snapshot = _snapshot(world, name)
    with world.lock:
        world.load_dict(json.loads(snapshot["state"]))
    return _snapshot_view(snapshot)


def delete_snapshot(world: World, name: str) -> bool:
    _snapshot(world, name)
    with _snapshot_guard:
        world.snapshots.pop(name, None)
    return True


def _snapshot(world: World, name: str) -> dict:
    found = world.snapshots.get(name)
    if found is None:
        raise NotFound(f"Snapshot {name} not found.")
    return found


def _records(state: dict) -> int:
    return sum(len(v) for a in state.get("accounts", []) for v in a.values() if isinstance(v, list))


def _snapshot_view(snapshot: dict) -> dict:
    return {"name": snapshot["name"], "created": snapshot["created"], "records": snapshot["records"],
            "bytes": snapshot["bytes"]}
