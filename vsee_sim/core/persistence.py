"""What is persisted lives in TinyDB's JSON format: ``--data FILE``, exports and snapshots.

Layout of a TinyDB document (one table per namespace collection):
  ``_namespaces``           one document per namespace: clock, ids, default account, outbox
  ``<ns>/_accounts``        one document per account: its settings and profile
  ``<ns>/<account>/<kind>`` one document per record
  ``<ns>/_tokens``          one document per token

This module holds the format: turning worlds into tables and back, reading a document
(parsed once with ``json``: TinyDB's own ``db.table(name).all()`` re-reads and re-parses
the whole file for every table, which made a 13 MB, 2,829-table file take minutes), and
writing one atomically (temp file, fsync, rename, fsync the directory) table by table,
so no single encode holds the interpreter for the whole state. ``datafile.py`` is
``--data``: when and what it writes (a change log beside the document, folded into it).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

from vsee_sim.core.store import World, is_collection

NAMESPACES = "_namespaces"


TEMP_PREFIX, TEMP_SUFFIX = ".vsee-sim-", ".tmp"
_LEGACY_TEMP = re.compile(r"^\.vsee-sim-[a-z0-9_]{8}\.tmp$")  # mkstemp's, before temps named their file


class AtomicJSONStorage(Storage):
    """TinyDB JSON storage that replaces the file atomically on every write."""

    def __init__(self, path: str, **_: Any):
        self.path = path

    def read(self) -> dict | None:
        try:
            with open(self.path, "rb") as fh:
                text = fh.read()
        except FileNotFoundError:
            return None
        return json.loads(text) if text.strip() else None

    def write(self, data: dict) -> None:
        write_document(self.path, ((name, list(docs.values())) for name, docs in data.items()))

    def close(self) -> None:
        pass


def write_document(path: str, tables: Iterable[tuple[str, list[dict]]]) -> int:
    """Write (table name, documents) pairs as one TinyDB JSON document, atomically:
    a kill at any moment leaves the old file or the new one. Returns its size in bytes.

    Each table is encoded on its own (the C encoder; ``json.dump`` would use the pure
    Python one), so request threads get the interpreter between tables.
    """
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.path.basename(path)}.", suffix=TEMP_SUFFIX,
                               dir=directory)
    try:
        size = 0
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            sep = "{"
            for name, docs in tables:
                chunk = sep + json.dumps(name) + ":" + json.dumps(
                    {str(i + 1): doc for i, doc in enumerate(docs)}, separators=(",", ":"))
                fh.write(chunk)
                size += len(chunk)
                sep = ","
            fh.write("{}" if sep == "{" else "}")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_directory(directory)
    return size


def fsync_directory(directory: str) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_orphans(path: str) -> list[str]:
    """Remove the temp files a kill during a write left beside ``path``; their names."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    own = f"{TEMP_PREFIX}{os.path.basename(path)}."
    removed = []
    for name in os.listdir(directory):
        if name.endswith(TEMP_SUFFIX) and (name.startswith(own) or _LEGACY_TEMP.match(name)):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


def world_tables(world: World | dict) -> dict[str, list[dict]]:
    """A world (or its ``to_dict()``) as TinyDB tables (name -> documents)."""
    state = dict(world.to_dict() if isinstance(world, World) else world)
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
    """TinyDB tables back to world exports (namespace -> export dict), in one pass over
    the tables (a file of 200 namespaces has about 2,800)."""
    collections: dict[str, list[tuple[str, str, list[dict]]]] = {}
    for name, docs in tables.items():
        if name.count("/") == 2:
            ns, code, kind = name.split("/")
            collections.setdefault(ns, []).append((code, kind, docs))
    exports: dict[str, dict] = {}
    for ns_doc in tables.get(NAMESPACES, []):
        ns = ns_doc["name"]
        accounts = {a["code"]: dict(a) for a in tables.get(f"{ns}/_accounts", [])}
        for code, kind, docs in collections.get(ns, ()):
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


# What ``vsee-sim serve`` parsed to check the --data file before the server starts, kept
# for the app's load so the file is read and parsed once (``take_checked``). A server
# that forks its worker leaves the copy to the child: the parent drops its own.
_checked: dict[tuple, dict[str, dict]] = {}
os.register_at_fork(after_in_parent=_checked.clear)


def _file_key(path: str) -> tuple:
    st = os.stat(path)
    return os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino


def take_checked(path: str) -> dict[str, dict] | None:
    """The namespaces ``read_datafile(path, keep=True)`` parsed, if the file is unchanged."""
    try:
        return _checked.pop(_file_key(path), None)
    except OSError:
        return None
    finally:
        _checked.clear()


def read_datafile(path: str, keep: bool = False) -> dict[str, dict]:
    """The namespaces of a data file (none if it is missing or empty), or ValueError
    saying what is wrong with it. The file is read and parsed once; ``keep`` holds the
    result for ``take_checked``."""
    try:
        key = _file_key(path) if keep and os.path.exists(path) else None
        document = AtomicJSONStorage(path).read()
        if document is None:
            return {}
        if not isinstance(document, dict) or not all(isinstance(t, dict) for t in document.values()):
            raise ValueError("not a TinyDB document (an object of tables)")
        tables = {name: list(docs.values()) for name, docs in document.items()}
        exports = check_exports(tables_to_worlds(tables))
        if tables and not exports:
            raise ValueError("no namespace in it")
        if key is not None:
            _checked.clear()
            _checked[key] = exports
        return exports
    except ValueError as exc:  # json's JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ValueError(f"{path} is not a vsee-sim data file: {exc}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a vsee-sim data file: unexpected structure ({exc!r})") from None


def check_data_path(path: str) -> None:
    """ValueError in one sentence unless ``--data`` can be written: its directory exists
    and is writable (the file itself is made by the first save)."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise ValueError(f"--data {path} is a directory; give a file such as {path.rstrip('/')}/state.json")
    if not os.path.isdir(directory):
        raise ValueError(f"--data {path}: the directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ValueError(f"--data {path}: the directory {directory} is not writable by this user")
    if os.path.exists(path) and not os.access(path, os.R_OK):
        raise ValueError(f"--data {path} cannot be read by this user")


def __getattr__(name: str):
    # ``DataFile`` lived here before ``--data`` got its own module; keep old imports working.
    if name == "DataFile":
        from vsee_sim.core.datafile import DataFile

        return DataFile
    raise AttributeError(name)
