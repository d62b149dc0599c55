"""State: worlds (namespaces), accounts, collections with indexes.

Why plain dicts and not TinyDB for the working set: measured on this machine, a TinyDB
insert costs 1.0 ms at 1,000 documents and 46 ms at 50,000, because TinyDB rewrites the
whole table on every write (DESIGN.md, "Store"). Here a write replaces one record and
updates the indexes that cover it; reads by key or by indexed field never scan.
TinyDB holds what is persisted (see ``persistence.py``).

Records are plain JSON-like dicts. Treat what ``get``/``find`` return as read-only:
change a record with ``update``, which stores a new dict, so the undo log of a
transaction can put the old one back if the request fails half-way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from contextlib import contextmanager
from typing import Any

from vsee_sim.core.clock import Clock
from vsee_sim.core.errors import NotFound
from vsee_sim.core.ids import Ids, namespace_seed

# Kinds whose fixture lists are account data rather than collections.
ACCOUNT_META_LISTS = ("api_keys", "eligibility")


class Versions:
    """A write counter shared by every namespace of a process, for the flusher."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


class TxLog:
    """Undo entries of the current transaction; counts writes."""

    def __init__(self, versions: Versions | None = None) -> None:
        self.entries: list[tuple[Collection, str, dict | None, int | None]] | None = None
        self.versions = versions or Versions()

    def wrote(self, collection: Collection, key: str, old: dict | None, seq: int | None) -> None:
        self.versions.bump()
        if self.entries is not None:
            self.entries.append((collection, key, old, seq))


class Collection:
    """Records of one kind by key, in insertion order, with indexes built on first use.

    Each record keeps the sequence number of its first insert, so ``all()`` and
    ``find()`` stay in insertion order through updates and rolled-back deletes.
    """

    def __init__(self, name: str, key: str = "id", log: TxLog | None = None):
        self.name = name
        self.key = key
        self.records: dict[str, dict] = {}
        self._seq: dict[str, int] = {}
        self._next_seq = 0
        self._indexes: dict[tuple[str, bool], dict[Hashable, dict[str, None]]] = {}
        self._unsorted: set[tuple[str, bool, Hashable]] = set()
        self._log = log or TxLog()

    # -- reads -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    def __contains__(self, key: object) -> bool:
        return key in self.records

    def get(self, key: Any) -> dict | None:
        return self.records.get(str(key)) if key is not None else None

    def get_or_404(self, key: Any, what: str | None = None) -> dict:
        record = self.get(key)
        if record is None:
            raise NotFound(f"{what or self.name.rstrip('s').capitalize()} {key} not found.")
        return record

    def all(self) -> list[dict]:
        return list(self.records.values())

    def find(self, field: str, value: Any, *, fold: bool = False) -> list[dict]:
        """Records whose ``field`` equals ``value`` (case-folded if ``fold``), in insertion order."""
        return [self.records[k] for k in self._bucket(field, fold, value)]

    def find_one(self, field: str, value: Any, *, fold: bool = False) -> dict | None:
        keys = self._bucket(field, fold, value)
        return self.records[next(iter(keys))] if keys else None

    def count(self, field: str, value: Any, *, fold: bool = False) -> int:
        return len(self._index(field, fold).get(_index_key(value, fold), ()))

    # -- writes ----------------------------------------------------------
    def insert(self, record: dict) -> dict:
        """Add a record, or replace the one with the same key (keeping its place)."""
        key = str(record[self.key])
        old, seq = self.records.get(key), self._seq.get(key)
        if old is None:  # a new record (even under a deleted key) goes to the end
            self._seq[key] = self._next_seq
            self._next_seq += 1
        self._store(key, dict(record), old)
        self._log.wrote(self, key, old, seq)
        return self.records[key]

    def update(self, key: Any, **changes: Any) -> dict:
        key = str(key)
        old = self.records[key]
        self._store(key, {**old, **changes}, old)
        self._log.wrote(self, key, old, self._seq[key])
        return self.records[key]

    def delete(self, key: Any) -> dict | None:
        key = str(key)
        old = self.records.get(key)
        if old is not None:
            self._store(key, None, old)
            self._log.wrote(self, key, old, self._seq[key])
        return old

    def clear(self) -> None:
        for key in list(self.records):
            self.delete(key)

    # -- internals -------------------------------------------------------
    def _store(self, key: str, new: dict | None, old: dict | None) -> None:
        """Put ``new`` in place of ``old`` (either may be None) and fix the indexes."""
        if new is None and old is None:
            return
        if new is None:
            del self.records[key]
        elif old is not None:
            self.records[key] = new  # an existing key keeps its place in the dict
        else:
            seq = self._seq[key]
            self.records[key] = new
            if len(self.records) > 1:
                newest_first = reversed(self.records)
                next(newest_first)
                if self._seq[next(newest_first)] > seq:  # a rolled-back delete: back to its place
                    self.records = dict(sorted(self.records.items(), key=lambda kv: self._seq[kv[0]]))
        for (field, fold), index in self._indexes.items():
            before = _index_key(old.get(field), fold) if old is not None else _MISSING
            after = _index_key(new.get(field), fold) if new is not None else _MISSING
            if before == after and before is not _MISSING:
                continue
            if before is not _MISSING:
                bucket = index.get(before)
                if bucket is not None:
                    bucket.pop(key, None)
                    if not bucket:
                        del index[before]
                        self._unsorted.discard((field, fold, before))
            if after is not _MISSING:
                bucket = index.setdefault(after, {})
                if bucket and self._seq[next(reversed(bucket))] > self._seq[key]:
                    self._unsorted.add((field, fold, after))
                bucket[key] = None

    def _bucket(self, field: str, fold: bool, value: Any) -> dict[str, None]:
        index = self._index(field, fold)
        value = _index_key(value, fold)
        bucket = index.get(value, {})
        if (field, fold, value) in self._unsorted:
            bucket = index[value] = dict.fromkeys(sorted(bucket, key=self._seq.__getitem__))
            self._unsorted.discard((field, fold, value))
        return bucket

    def _index(self, field: str, fold: bool = False) -> dict[Hashable, dict[str, None]]:
        index = self._indexes.get((field, fold))
        if index is None:
            index = {}
            for key, record in self.records.items():
                index.setdefault(_index_key(record.get(field), fold), {})[key] = None
            self._indexes[(field, fold)] = index
        return index

    def _restore(self, key: str, old: dict | None, seq: int | None) -> None:
        """Undo one write without logging it; a record comes back to its old place."""
        current = self.records.get(key)
        if seq is not None:
            self._seq[key] = seq
        if old is not None and current is not None:
            self._store(key, old, current)  # undo an update, in place
        elif current is not None:
            self._store(key, None, current)  # undo an insert
        elif old is not None:
            self._store(key, old, None)  # undo a delete


_MISSING = object()


def _index_key(value: Any, fold: bool) -> Hashable:
    if fold and isinstance(value, str):
        return value.strip().lower()
    return _hashable(value)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list):
        return ("__list__",) + tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return ("__dict__",) + tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


class AccountDB:
    """One tenant (account) of a world: its settings and its collections."""

    def __init__(self, code: str, meta: dict, log: TxLog):
        self.code = code
        self.meta = meta
        self._log = log
        self.collections: dict[str, Collection] = {}

    def collection(self, name: str) -> Collection:
        found = self.collections.get(name)
        if found is None:
            found = self.collections[name] = Collection(name, "id", self._log)
        return found

    def __getattr__(self, name: str) -> Collection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.collection(name)


class World:
    """A namespace: a whole isolated simulator state with its own clock and ids."""

    def __init__(self, name: str, fixture: dict, seed: int, fixture_name: str = "demo",
                 versions: Versions | None = None):
        self.name = name
        self.seed = seed
        self.fixture_name = fixture_name
        self.lock = threading.RLock()
        self.log = TxLog(versions)
        self.clock = Clock()
        self.ids = Ids(namespace_seed(seed, name))
        self.accounts: dict[str, AccountDB] = {}
        self.tokens = Collection("tokens", "token", self.log)
        self.outbox = Collection("outbox", "id", self.log)  # what the real service would send
        self.default_account = ""
        self.load_fixture(fixture)

    def touch(self) -> None:
        """Count a change made outside the collections (the clock), for the flusher."""
        self.log.versions.bump()

    # -- loading ---------------------------------------------------------
    def load_fixture(self, fixture: dict) -> None:
        """Load a freshly parsed fixture (its nested values are shared, not copied)."""
        self.accounts.clear()
        self.tokens = Collection("tokens", "token", self.log)
        self.outbox = Collection("outbox", "id", self.log)
        self.default_account = fixture.get("default_account") or ""
        for account in fixture.get("accounts", []):
            self._load_account(account)
        if not self.default_account and self.accounts:
            self.default_account = next(iter(self.accounts))
        self.touch()

    def _load_account(self, data: dict) -> None:
        code = data["code"]
        meta = {k: v for k, v in data.items() if not _is_collection(k, v)}
        db = self.accounts[code] = AccountDB(code, meta, self.log)
        for kind, records in data.items():
            if not _is_collection(kind, records):
                continue
            if kind == "tokens":
                for token in records:
                    self.tokens.insert({**token, "account": code})
                continue
            coll = db.collection(kind)
            for record in records:
                if "id" not in record:
                    record = {**record, "id": self.ids.uuid()}
                coll.insert(record)
                self.ids.bump(kind, record["id"])

    # -- access ----------------------------------------------------------
    def account(self, code: str | None) -> AccountDB | None:
        return self.accounts.get(code) if code else None

    @contextmanager
    def transaction(self):
        """Hold the world lock; undo every write of the block if it raises."""
        with self.lock:
            outer = self.log.entries
            self.log.entries = [] if outer is None else outer
            mark = len(self.log.entries)
            try:
                yield self
            except BaseException:
                for coll, key, old, seq in reversed(self.log.entries[mark:]):
                    coll._restore(key, old, seq)
                del self.log.entries[mark:]
                raise
            finally:
                if outer is None:
                    self.log.entries = None

    # -- export ----------------------------------------------------------
    def to_dict(self) -> dict:
        with self.lock:
            return {
                "name": self.name,
                "seed": self.seed,
                "fixture": self.fixture_name,
                "clock": self.clock.to_dict(),
                "ids": self.ids.to_dict(),
                "default_account": self.default_account,
                "outbox": self.outbox.all(),
                "tokens": self.tokens.all(),
                "accounts": [
                    {**db.meta, **{name: c.all() for name, c in db.collections.items()}}
                    for db in self.accounts.values()
                ],
            }

    def load_dict(self, data: dict) -> None:
        """Replace this world's state with an export (snapshot restore, --data load)."""
        with self.lock:
            self.load_fixture({"default_account": data.get("default_account"),
                               "accounts": data.get("accounts", [])})
            for token in data.get("tokens", []):
                self.tokens.insert(token)
            for message in data.get("outbox", []):
                self.outbox.insert(message)
            self.clock = Clock.from_dict(data.get("clock"))
            if data.get("ids"):
                self.ids = Ids.from_dict(data["ids"])
            self.fixture_name = data.get("fixture") or self.fixture_name
            self.touch()


def _is_collection(key: str, value: Any) -> bool:
    return (key not in ACCOUNT_META_LISTS and isinstance(value, list)
            and all(isinstance(v, dict) for v in value) and key not in ("profile",))


class Worlds:
    """Every namespace of this process, each created from the fixture on first use."""

    def __init__(self, fixture_loader: Callable[[str], dict], fixture_name: str, seed: int):
        self._load = fixture_loader
        self.fixture_name = fixture_name
        self.seed = seed
        self._worlds: dict[str, World] = {}
        self._lock = threading.Lock()
        self.versions = Versions()
        self.on_create: list[Callable[[World], None]] = []

    def get(self, name: str) -> World:
        world = self._worlds.get(name)
        if world is None:
            with self._lock:
                world = self._worlds.get(name)
                if world is None:
                    world = World(name, self._load(self.fixture_name), self.seed, self.fixture_name,
                                  self.versions)
                    self._worlds[name] = world
                    for hook in self.on_create:
                        hook(world)
        return world

    def peek(self, name: str) -> World | None:
        return self._worlds.get(name)

    def names(self) -> list[str]:
        return list(self._worlds)

    def items(self) -> Iterable[tuple[str, World]]:
        return list(self._worlds.items())

    def drop(self, name: str) -> bool:
        with self._lock:
            dropped = self._worlds.pop(name, None) is not None
            if dropped:
                self.versions.bump()
            return dropped

    def reset(self, name: str, fixture_name: str | None = None) -> World:
        """Put a namespace back to its fixture (a fresh seed sequence too)."""
        world = self.get(name)
        with world.lock:
            fixture_name = fixture_name or world.fixture_name
            fixture = self._load(fixture_name)
            world.clock = Clock()
            world.ids = Ids(namespace_seed(self.seed, name))
            world.seed = self.seed
            world.fixture_name = fixture_name
            world.load_fixture(fixture)
        return world

    @property
    def version(self) -> int:
        return self.versions.value
