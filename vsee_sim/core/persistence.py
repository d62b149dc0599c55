"""What is persisted lives in TinyDB: ``--data FILE``, exports and snapshots.

Layout of a TinyDB document (one table per namespace collection):
  ``_namespaces``           one document per namespace: clock, ids, default account, outbox
  ``<ns>/_accounts``        one document per account: its settings and profile
  ``<ns>/<account>/<kind>`` one document per record
  ``<ns>/_tokens``          one document per token

Crash safety: the file is replaced atomically (write a temp file, fsync, rename,
fsync the directory), so a kill at any moment leaves either the old or the new file.
Flush policy: a background thread writes the whole state at most every
``interval`` seconds when something changed, so a crash loses at most the writes of
the last ``interval`` seconds; ``/_sim/health`` reports ``persisted_version`` so a
client (or test) can wait on state, not time.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

from vsee_sim.core.store import World, Worlds, is_collection

NAMESPACES = "_namespaces"


class AtomicJSONStorage(Storage):
    """TinyDB JSON storage that replaces the file atomically on every write."""

    def __init__(self, path: str, **_: Any):
        self.path = path

    def read(self) -> dict | None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            return None
        return json.loads(text) if text.strip() else None

    def write(self, data: dict) -> None:
        directory = os.path.dirname(os.path.abspath(self.path)) or "."
        fd, tmp = tempfile.mkstemp(prefix=".vsee-sim-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        pass


def world_tables(world: World) -> dict[str, list[dict]]:
    """A world as TinyDB tables (name -> documents)."""
    state = world.to_dict()
    ns = state["name"]
    tables: dict[str, list[dict]] = {}
    accounts = []
    for account in state.pop("accounts"):
        meta = {}
        for key, value in account.items():
            if is_collection(key, value):
                tables[f"{ns}/{account['code']}/{key}"] = value
            else:
                meta[key] = value
        accounts.append(meta)
    tables[f"{ns}/_accounts"] = accounts
    tables[f"{ns}/_tokens"] = state.pop("tokens")
    tables[NAMESPACES] = [state]
    return tables


def tables_to_worlds(tables: dict[str, list[dict]]) -> dict[str, dict]:
    """TinyDB tables back to world exports (namespace -> export dict)."""
    exports: dict[str, dict] = {}
    for ns_doc in tables.get(NAMESPACES, []):
        ns = ns_doc["name"]
        accounts = {a["code"]: dict(a) for a in tables.get(f"{ns}/_accounts", [])}
        prefix = f"{ns}/"
        for name, docs in tables.items():
            if not name.startswith(prefix) or name.count("/") != 2:
                continue
            _, code, kind = name.split("/")
            if code in accounts:
                accounts[code][kind] = docs
        exports[ns] = {**ns_doc, "accounts": list(accounts.values()),
                       "tokens": tables.get(f"{ns}/_tokens", [])}
    return exports


def write_tables(db: TinyDB, tables: dict[str, list[dict]]) -> None:
    """Write tables through TinyDB's storage in one atomic write."""
    raw = {name: {str(i + 1): doc for i, doc in enumerate(docs)} for name, docs in tables.items()}
    db.storage.write(raw)
    db.clear_cache()


def read_tables(db: TinyDB) -> dict[str, list[dict]]:
    return {name: [dict(doc) for doc in db.table(name).all()] for name in db.tables()}


def export_world(world: World) -> dict:
    """An export of a world as a TinyDB JSON document (what ``/_sim/state`` serves)."""
    db = TinyDB(storage=MemoryStorage)
    write_tables(db, world_tables(world))
    return db.storage.read()


def import_world(world: World, document: dict) -> None:
    """Load a TinyDB JSON document (an export) into ``world``."""
    db = TinyDB(storage=MemoryStorage)
    db.storage.write(document)
    exports = check_exports(tables_to_worlds(read_tables(db)))
    if not exports:
        raise ValueError("The document holds no namespace.")
    state = exports.get(world.name) or next(iter(exports.values()))
    if not state["accounts"]:
        raise ValueError("The namespace in it has no account.")
    world.load_dict(state)


# Checks of one namespace's export (ValueError naming the problem), added by the control
# plane, which knows its own records: run on every import and every --data load.
EXPORT_CHECKS: list[Callable[[dict], None]] = []


def check_exports(exports: dict[str, dict]) -> dict[str, dict]:
    """ValueError unless every namespace has a list of accounts, each with a code, and
    passes the EXPORT_CHECKS."""
    for name, state in exports.items():
        if not isinstance(name, str) or not isinstance(state.get("accounts"), list) or not all(
                isinstance(a, dict) and a.get("code") for a in state["accounts"]):
            raise ValueError(f"namespace {name!r} has no valid accounts")
        for check in EXPORT_CHECKS:
            try:
                check(state)
            except ValueError as exc:
                raise ValueError(f"namespace {name!r}: {exc}") from None
    return exports


def read_datafile(path: str, db: TinyDB | None = None) -> dict[str, dict]:
    """The namespaces of a data file, or ValueError saying what is wrong with it."""
    try:
        db = db or TinyDB(path, storage=AtomicJSONStorage)
        tables = read_tables(db)
        exports = check_exports(tables_to_worlds(tables))
        if tables and not exports:
            raise ValueError("no namespace in it")
        return exports
    except ValueError as exc:
        raise ValueError(f"{path} is not a vsee-sim data file: {exc}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a vsee-sim data file: unexpected structure ({exc!r})") from None


class DataFile:
    """``--data FILE``: load every namespace at start, flush changes in the background."""

    def __init__(self, path: str, worlds: Worlds, interval: float = 0.2):
        self.path = path
        self.worlds = worlds
        self.interval = interval
        self.db = TinyDB(path, storage=AtomicJSONStorage)
        self.persisted_version = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flush_lock = threading.Lock()
        self._flushed = threading.Condition()

    def load(self) -> int:
        """Restore the namespaces found in the file; returns how many.

        A file that is not a vsee-sim data file raises ValueError naming it, and is
        left untouched (the flusher is not started).
        """
        exports = read_datafile(self.path, self.db)
        for name, state in exports.items():
            world = self.worlds.get(name)
            world.load_dict(state)
            world.ids.resume()  # the last writes may be lost: never reissue their ids
        self.persisted_version = self.worlds.version
        return len(exports)

    def flush(self) -> int:
        """Write everything now if it changed; returns the version written."""
        with self._flush_lock:
            version = self.worlds.version
            if version == self.persisted_version:
                return version
            tables: dict[str, list[dict]] = {}
            namespaces: list[dict] = []
            for _, world in self.worlds.items():
                world_t = world_tables(world)
                namespaces.extend(world_t.pop(NAMESPACES))
                tables.update(world_t)
            tables[NAMESPACES] = namespaces
            write_tables(self.db, tables)
            with self._flushed:
                self.persisted_version = version
                self._flushed.notify_all()
            return version

    def wait_persisted(self, version: int, timeout: float) -> bool:
        """Block until a flush has written ``version`` (or ``timeout`` passes)."""
        with self._flushed:
            return self._flushed.wait_for(lambda: self.persisted_version >= version, timeout)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vsee-sim-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the flusher must survive a bad write and retry
                continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.flush()
