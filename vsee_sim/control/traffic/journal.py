"""The journal's memory: bounded in entries and in bytes, per namespace and in total.

Every namespace keeps its newest requests in ``World.journal`` (a deque, oldest first).
``Journal`` is the one object of an app that appends to them, so it can keep three bounds
at once, dropping the oldest entries first:

- ``entries`` per namespace (500, ``store.JOURNAL_SIZE``);
- ``namespace_bytes`` per namespace (``VSEE_SIM_JOURNAL_BYTES``, 4 MiB);
- ``total_bytes`` over every namespace of the process (``VSEE_SIM_JOURNAL_TOTAL_BYTES``,
  64 MiB): the globally oldest entry goes first, whichever namespace holds it.

Bodies and responses are cut to ``body_bytes`` first (``VSEE_SIM_JOURNAL_BODY_BYTES``,
64 KiB; the entry says ``*_truncated``). An entry's bytes are ``rules.entry_bytes``: what
it holds (bodies, path, query, headers) plus a fixed overhead, so the bound is on the
memory the journal keeps, within that overhead's approximation.

The oldest entries across namespaces are an ``OrderedDict`` keyed by (namespace log,
entry id), so dropping one from a namespace's head, or a namespace's whole journal, is
O(1) per entry. A namespace that is forgotten (LRU eviction, ``DELETE
/_sim/namespaces/<name>``) gives its bytes back when its world is collected.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict, deque

from vsee_sim.control.traffic import rules
from vsee_sim.core.store import JOURNAL_SIZE, World

KIB, MIB = 1024, 1024 * 1024
MIN_BYTES = 4 * KIB


class _Log:
    """One namespace's journal as the budget sees it."""

    __slots__ = ("bytes", "entries", "ids", "serial", "__weakref__")

    def __init__(self, serial: int, entries: deque) -> None:
        self.serial = serial
        self.entries = entries          # the world's deque itself (not the world: it may be collected)
        self.bytes = 0
        self.ids = itertools.count(1)   # journal ids increase per namespace, across clears


class Journal:
    def __init__(self, body_bytes: int = 64 * KIB, namespace_bytes: int = 4 * MIB,
                 total_bytes: int = 64 * MIB, entries: int = JOURNAL_SIZE) -> None:
        for name, value in (("body_bytes", body_bytes), ("namespace_bytes", namespace_bytes),
                            ("total_bytes", total_bytes)):
            if not isinstance(value, int) or value < MIN_BYTES:
                raise ValueError(f"journal {name} must be at least {MIN_BYTES} bytes, not {value!r}")
        if entries < 1:
            raise ValueError("the journal keeps at least one entry per namespace")
        self.body_bytes = body_bytes
        self.namespace_bytes = namespace_bytes
        self.total_bytes = total_bytes
        self.entries = entries
        self.bytes = 0            # held now, every namespace
        self.dropped = 0          # entries dropped for a byte bound (not for the entry count)
        self._lock = threading.Lock()
        self._logs: weakref.WeakKeyDictionary[World, _Log] = weakref.WeakKeyDictionary()
        self._oldest: OrderedDict[tuple[int, int], _Log] = OrderedDict()
        self._serials = itertools.count(1)
        self._dead: list[_Log] = []   # journals of collected worlds, given back at the next call

    # -- the bounds ------------------------------------------------------------------------
    def clip(self, raw: bytes | None) -> tuple[bytes | None, bool]:
        """The bytes kept of a body or response, and whether they were cut."""
        return rules.clip(raw, self.body_bytes)

    def limits(self) -> dict:
        return {"body_bytes": self.body_bytes, "namespace_bytes": self.namespace_bytes,
                "total_bytes": self.total_bytes, "entries_per_namespace": self.entries}

    def usage(self) -> dict:
        with self._lock:
            self._reap()
            return {"bytes": self.bytes, "entries": len(self._oldest), "dropped_for_bytes": self.dropped}

    # -- writing ---------------------------------------------------------------------------
    def record(self, world: World, entry: dict) -> dict:
        """Append an entry (bodies already clipped) with the namespace's next journal id."""
        size = entry["bytes"] = rules.entry_bytes(entry)
        with self._lock:
            self._reap()
            log = self._log(world)
            entry["id"] = next(log.ids)
            while log.entries and len(log.entries) >= self.entries:
                self._drop_oldest(log)
            while log.entries and log.bytes + size > self.namespace_bytes:
                self._drop_oldest(log, for_bytes=True)
            log.entries.append(entry)
            log.bytes += size
            self.bytes += size
            self._oldest[(log.serial, entry["id"])] = log
            while self.bytes > self.total_bytes and len(self._oldest) > 1:
                _, oldest = next(iter(self._oldest.items()))
                if not oldest.entries:  # cannot happen (kept in step); never loop on it
                    self._oldest.popitem(last=False)
                    continue
                self._drop_oldest(oldest, for_bytes=True)
        return entry

    def clear(self, world: World) -> None:
        with self._lock:
            log = self._logs.get(world)
            if log is None:
                world.journal.clear()
                return
            while log.entries:
                self._drop_oldest(log)

    def entries_of(self, world: World) -> list[dict]:
        with self._lock:
            return list(world.journal)

    # -- inside the lock -------------------------------------------------------------------
    def _log(self, world: World) -> _Log:
        log = self._logs.get(world)
        if log is None:
            log = self._logs[world] = _Log(next(self._serials), world.journal)
            for entry in log.entries:  # recorded before this budget existed (another app's)
                log.bytes += entry.get("bytes") or rules.entry_bytes(entry)
            self.bytes += log.bytes
            for entry in log.entries:
                self._oldest[(log.serial, entry["id"])] = log
            weakref.finalize(world, self._dead.append, log)  # list.append: safe from any thread
        return log

    def _drop_oldest(self, log: _Log, for_bytes: bool = False) -> None:
        entry = log.entries.popleft()
        size = entry.get("bytes") or 0
        log.bytes -= size
        self.bytes -= size
        self._oldest.pop((log.serial, entry["id"]), None)
        if for_bytes:
            self.dropped += 1

    def _reap(self) -> None:
        while self._dead:
            log = self._dead.pop()
            while log.entries:
                self._drop_oldest(log)
