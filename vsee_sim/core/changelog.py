"""The ``--data`` change log: what changed since the last save, one JSON line per namespace.

Beside ``FILE`` (the TinyDB document) lives ``FILE.wal``, appended to and fsynced by
the flusher every quarter of the flush interval. Each line is one of:

  ``{"ns": N, "meta": {"clock", "ids"}, "set": [[path, key, record|null(, 1)], ...]}``
        records written (null: deleted; 1: inserted anew, so it goes to the end) in
        namespace N, in the order first written, with its clock and id counters;
        ``path`` is ``["account", code, kind]``, ``["tokens"]``, ``["outbox"]`` or ``["sim", kind]``
  ``{"ns": N, "world": <export>}``   namespace N made, reset, seeded or imported: all of it
  ``{"drop": N}``                    namespace N forgotten
  ``{"resumed": {N: restarts}}``     a load resumed these id generators (see ``Ids.resume``)

Every line sets values (never "add one"), so replaying a line twice, or replaying
lines a newer document already holds, ends in the state of the last line: a crash
during the fold (``datafile.py``) cannot corrupt the result. A record is read at the
moment the flusher takes it, so it is the namespace's state between two requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from vsee_sim.core.clock import Clock
from vsee_sim.core.collection import Collection
from vsee_sim.core.persistence import check_exports
from vsee_sim.core.store import World, Worlds


def _line(entry: dict) -> bytes:
    return json.dumps(entry, separators=(",", ":")).encode() + b"\n"


def take_changes(worlds: Worlds) -> list[bytes]:
    """The log lines for every change since the last take (each namespace's lock is held
    only to pick up references; encoding happens outside it)."""
    dropped, items = worlds.take()
    lines = [_line({"drop": name}) for name in dropped]
    for name, world in items:
        log = world.log
        if not (log.whole or log.meta or log.changed):
            continue
        with world.lock:
            whole, _, changed = log.take()
            if not whole and any(not coll.path for coll in changed):
                whole = True  # a collection the log cannot name: save the namespace whole
            if whole:
                entry = {"ns": name, "world": world.to_dict()}
            else:
                entry = {"ns": name, "meta": _meta(world),
                         "set": [[list(coll.path), key, coll.records.get(key), 1] if new
                                 else [list(coll.path), key, coll.records.get(key)]
                                 for coll, keys in changed.items() for key, new in keys.items()]}
        # Records are never changed in place (Collection.update stores a new dict), so
        # the references taken above can be encoded after the lock is released.
        lines.append(_line(entry))
    return lines


def resumed_line(worlds: Worlds) -> bytes:
    return _line({"resumed": {name: world.ids.restarts for name, world in worlds.items()}})


def _meta(world: World) -> dict:
    ids = world.ids
    return {"clock": world.clock.state(),
            "ids": {"restarts": ids.restarts, "counters": dict(ids.counters)}}


def split_lines(data: bytes) -> tuple[list[bytes], int]:
    """Complete lines of a log and the length they span; a torn last line (a kill during
    an append) is left out."""
    end = data.rfind(b"\n") + 1
    return data[:end].splitlines(), end


def replay(worlds: Worlds, lines: Iterable[bytes], source: str) -> int:
    """Apply log lines to ``worlds`` (tracking off); ValueError naming the line if one is
    not what this module writes. Returns how many were applied."""
    count = 0
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            _apply(worlds, json.loads(raw))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise ValueError(f"{source} line {number} is not a vsee-sim change: {exc}") from None
        count += 1
    return count


def _apply(worlds: Worlds, entry: dict) -> None:
    if "drop" in entry:
        worlds.drop(entry["drop"])
        return
    if "resumed" in entry:
        for name, restarts in entry["resumed"].items():
            world = _world(worlds, name)
            while world.ids.restarts < int(restarts):
                world.ids.resume()  # the ids that load handed out are past these gaps
        return
    name = entry["ns"]
    if not isinstance(name, str):
        raise ValueError("a namespace name is a string")
    if "world" in entry:
        state = check_exports({name: entry["world"]})[name]
        worlds.restore(name, state)
        return
    world = _world(worlds, name)
    meta = entry["meta"]
    world.clock = Clock.from_dict(meta["clock"])
    world.ids.restarts = int(meta["ids"]["restarts"])
    world.ids.counters = {str(k): int(v) for k, v in meta["ids"]["counters"].items()}
    for path, key, record, *new in entry["set"]:
        coll = _collection(world, path)
        if record is not None and (not isinstance(record, dict) or str(record.get(coll.key)) != str(key)):
            raise ValueError(f"record {key!r} of {'/'.join(path)} is not a record with that key")
        if record is None or new:
            coll.delete(key)  # a new record goes to the end, even under a key it had before
        if record is not None:
            coll.insert(record)


def _world(worlds: Worlds, name: str) -> World:
    world = worlds.peek(name)
    if world is None:
        raise ValueError(f"namespace {name!r} changed before it was made")
    return world


def _collection(world: World, path: list) -> Collection:
    match path:
        case ["tokens"]:
            return world.tokens
        case ["outbox"]:
            return world.outbox
        case ["sim", str(kind)]:
            return world.sim_collection(kind)
        case ["account", str(code), str(kind)] if code in world.accounts:
            return world.accounts[code].collection(kind)
    raise ValueError(f"no collection {path!r} in namespace {world.name!r}")
