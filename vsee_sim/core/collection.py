"""Collections: records of one kind by key, with indexes, and the undo log.

Why plain dicts and not TinyDB for the working set: measured on this machine, a TinyDB
insert costs 1.0 ms at 1,000 documents and 46 ms at 50,000, because TinyDB rewrites the
whole table on every write (DESIGN.md, "Store"). Here a write replaces one record and
updates the indexes that cover it; reads by key or by indexed field never scan.

Records are plain JSON-like dicts. Treat what ``get``/``find`` return as read-only:
change a record with ``update``, which stores a new dict, so the undo log of a
transaction can put the old one back if the request fails half-way.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from typing import Any

from vsee_sim.core.errors import NotFound


class Versions:
    """A write counter shared by every namespace of a process, for the flusher.

    ``tracking`` (set by ``--data``'s DataFile) makes every namespace remember which
    records changed since the flusher last took them, so a save writes only those.
    """

    def __init__(self) -> None:
        self._count = itertools.count(1)
        self.value = 0
        self.tracking = False

    def bump(self) -> None:
        # next() on a count is atomic under the GIL; ``value += 1`` from two namespaces'
        # threads could lose a bump, and a flusher trusting the count would skip a write.
        self.value = next(self._count)


class TxLog:
    """Undo entries of the current transaction; counts writes; with tracking on, the keys
    written since the flusher's last ``take`` (``changed``), and whether the namespace's
    settings outside collections moved (``meta``) or it was wholly replaced (``whole``)."""

    def __init__(self, versions: Versions | None = None) -> None:
        self.entries: list[tuple[Collection, str, dict | None, int | None]] | None = None
        self.versions = versions or Versions()
        # collection -> {key: inserted as new?}, in the order written: a replay puts new
        # records at the end in that order, as the collection did
        self.changed: dict[Collection, dict[str, bool]] = {}
        self.meta = False
        self.whole = False

    def wrote(self, collection: Collection, key: str, old: dict | None, seq: int | None) -> None:
        if self.versions.tracking:  # before the bump: a flusher that saw the bump sees the key
            keys = self.changed.get(collection)
            if keys is None:
                keys = self.changed[collection] = {}
            if old is None:  # a new record (maybe under a key deleted in this batch): to the end
                keys.pop(key, None)
                keys[key] = True
            elif key not in keys:
                keys[key] = False
        self.versions.bump()
        if self.entries is not None:
            self.entries.append((collection, key, old, seq))

    def replaced(self) -> None:
        """The namespace was loaded anew (fixture, reset, import, restore): save it whole."""
        self.changed = {}
        self.whole = self.versions.tracking
        self.versions.bump()

    def touched(self) -> None:
        """A change outside the collections (the clock)."""
        self.meta = self.versions.tracking
        self.versions.bump()

    def take(self) -> tuple[bool, bool, dict[Collection, dict[str, bool]]]:
        """(whole, meta, changed keys by collection) since the last take; resets them.
        Call with the namespace's lock held."""
        taken = (self.whole, self.meta, self.changed)
        self.whole, self.meta, self.changed = False, False, {}
        return taken


class Collection:
    """Records of one kind by key, in insertion order, with indexes built on first use.

    Each record keeps the sequence number of its first insert, so ``all()`` and
    ``find()`` stay in insertion order through updates and rolled-back deletes.
    """

    def __init__(self, name: str, key: str = "id", log: TxLog | None = None, path: tuple = ()):
        self.name = name
        self.key = key
        self.path = path  # where it lives in its namespace, for the --data log: ("tokens",)...
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

    def load(self, records: Iterable[dict]) -> None:
        """Fill a new, empty collection (a fixture or an export being loaded) in one go:
        no undo entries (the collection itself is new) and one count for the flusher."""
        if self.records or self._indexes:
            for record in records:
                self.insert(record)
            return
        key, stored, seqs, seq = self.key, self.records, self._seq, self._next_seq
        for record in records:
            k = str(record[key])
            if k not in stored:
                seqs[k] = seq
                seq += 1
            stored[k] = dict(record)
        self._next_seq = seq
        self._log.versions.bump()

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
