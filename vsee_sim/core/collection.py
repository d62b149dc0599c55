"""Collections: records of one kind by key, with indexes, and the undo log.

Why plain dicts and not TinyDB for the working set: measured on this machine, a TinyDB
insert costs 1.0 ms at 1,000 documents and 46 ms at 50,000, because TinyDB rewrites the
whole table on every write (DESIGN.md, "Store"). Here a write replaces one record and
updates the indexes that cover it; reads by key or by indexed field never scan.

Records are plain JSON-like dicts. Treat what ``get``/``find`` return as read-only,
nested lists and dicts included: change a record with ``update``, which stores a new dict,
so the undo log of a transaction can put the old one back if the request fails half-way,
and an API view's answer can be encoded after the namespace lock is released
(``SimBlueprint.response``).
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from vsee_sim.core.errors import NotFound
from vsee_sim.core.indexspec import Index, index, number
from vsee_sim.core.txlog import TxLog, Versions

__all__ = ["Collection", "Index", "TxLog", "Versions", "index", "number"]


class Collection:
    """Records of one kind by key, in insertion order, with indexes built on first use.

    Each record keeps the sequence number of its first insert, so ``all()`` and
    ``find()`` stay in insertion order through updates and rolled-back deletes. The numbers
    are given out only once a write needs one (the first delete, an update that files a
    record into an index bucket behind newer ones): until then no record was deleted, so
    the records' order is their insertion order and numbers would only cost memory (about
    60 bytes a record: an SSO user has three).

    An index bucket holding one record is the record's key itself, not a dict of one key
    (about 200 bytes less for every unique value: each user's ``code``).

    ``indexes`` are the ones declared for this kind of collection (``core.indexes``): a
    query by any other is a programming error (LookupError). None (a collection made on its
    own, or a kind with nothing declared) allows any. Declared or not, an index is built on
    its first query and from then on kept by every write, undo and reload of the collection.
    """

    def __init__(self, name: str, key: str = "id", log: TxLog | None = None, path: tuple = (),
                 indexes: Iterable[Index] | None = None):
        self.name = name
        self.key = key
        self.path = path  # where it lives in its namespace, for the --data log: ("tokens",)...
        self.records: dict[str, dict] = {}
        self._seq: dict[str, int] | None = None  # numbered on first need: _seqs()
        self._next_seq = 0
        self.declared = frozenset(indexes) if indexes is not None else None
        # value -> a key (the bucket of one record) or {key: None} in insertion order
        self._indexes: dict[Index, dict[Hashable, str | dict[str, None]]] = {}
        self._ordered: dict[Index, dict[Hashable, list[tuple[int, str]]]] = {}
        self._unsorted: set[tuple[Index, Hashable]] = set()
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

    def first(self) -> dict | None:
        """The oldest record (insertion order), without copying the collection."""
        return next(iter(self.records.values()), None)

    def newest(self) -> Iterator[dict]:
        """Every record, newest first (reverse insertion order), lazily."""
        return reversed(self.records.values())

    def find(self, field: str | tuple[str, ...], value: Any, *, fold: bool = False,
             each: bool = False) -> list[dict]:
        """Records whose ``field`` equals ``value`` (case-folded if ``fold``; for a tuple of
        fields, a tuple of values; with ``each``, records whose list ``field`` holds ``value``),
        in insertion order."""
        return [self.records[k] for k in self._bucket(index(field, fold=fold, each=each), value)]

    def find_newest(self, field: str | tuple[str, ...], value: Any, *, fold: bool = False,
                    each: bool = False) -> Iterator[dict]:
        """``find``'s records newest first (reverse insertion order), lazily: a page of them
        costs the page. Consume it before the collection changes."""
        keys = self._bucket(index(field, fold=fold, each=each), value)
        records = self.records
        return (records[k] for k in reversed(keys))

    def find_one(self, field: str | tuple[str, ...], value: Any, *, fold: bool = False,
                 each: bool = False) -> dict | None:
        keys = self._bucket(index(field, fold=fold, each=each), value)
        return self.records[next(iter(keys))] if keys else None

    def count(self, field: str | tuple[str, ...], value: Any, *, fold: bool = False,
              each: bool = False) -> int:
        spec = index(field, fold=fold, each=each)
        bucket = self._index(spec).get(spec.key_of(value), ())
        return 1 if type(bucket) is str else len(bucket)

    def ordered(self, field: str | tuple[str, ...], value: Any, order: str, *,
                below: int | None = None, at_least: int | None = None) -> Iterator[dict]:
        """Records whose ``field`` equals ``value``, by ``order`` (its number: ``number``),
        highest first, then by key, highest first; only those whose number is < ``below``
        and >= ``at_least``. Lazy: a page of 20 costs 20 steps (and a bisection), however
        many records match; a range costs two bisections and the records in it."""
        spec = index(field, order=order)
        self._index(spec)
        entries = self._ordered[spec].get(spec.key_of(value), [])
        end = len(entries) if below is None else bisect.bisect_left(entries, (below, ""))
        start = 0 if at_least is None else bisect.bisect_left(entries, (at_least, ""))
        records = self.records
        return (records[entries[i][1]] for i in range(end - 1, start - 1, -1))

    def in_order(self, records: Iterable[dict]) -> list[dict]:
        """These records of the collection (say, from several finds), each once, in insertion
        order."""
        found = {str(r[self.key]): r for r in records}
        return [found[k] for k in sorted(found, key=self._seqs().__getitem__)]

    # -- writes ----------------------------------------------------------
    def insert(self, record: dict) -> dict:
        """Add a record, or replace the one with the same key (keeping its place)."""
        key = str(record[self.key])
        old, seqs = self.records.get(key), self._seq
        seq = None if seqs is None else seqs.get(key)
        if old is None and seqs is not None:  # a new record (even under a deleted key) goes to the end
            seqs[key] = self._next_seq
            self._next_seq += 1
        self._store(key, self._shared(dict(record)), old)
        self._log.wrote(self, key, old, seq)
        return self.records[key]

    def _shared(self, record: dict) -> dict:
        """``record`` with each string equal to the same field of the newest record replaced
        by that record's own: records made in a row often repeat values (the names, the
        subtype of users made by one test suite), and a request's strings are new objects.
        Only identity changes (about 50 bytes a repeated value)."""
        newest = next(reversed(self.records.values()), None)
        if newest is not None:
            for field, value in record.items():
                if type(value) is str:
                    same = newest.get(field)
                    if same is not value and type(same) is str and same == value:
                        record[field] = same
        return record

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
            if seqs is not None and k not in stored:
                seqs[k] = seq
                seq += 1
            stored[k] = dict(record)
        self._next_seq = seq
        self._log.versions.bump()

    def update(self, key: Any, **changes: Any) -> dict:
        key = str(key)
        old = self.records[key]
        self._store(key, {**old, **changes}, old)
        self._log.wrote(self, key, old, None if self._seq is None else self._seq[key])
        return self.records[key]

    def delete(self, key: Any) -> dict | None:
        key = str(key)
        old = self.records.get(key)
        if old is not None:
            seq = self._seqs()[key]  # its place, should the delete be undone
            self._store(key, None, old)
            self._log.wrote(self, key, old, seq)
        return old

    def clear(self) -> None:
        for key in list(self.records):
            self.delete(key)

    # -- internals -------------------------------------------------------
    def _seqs(self) -> dict[str, int]:
        """Every record's sequence number, numbered now if no write needed one yet: no
        record was deleted so far (a delete numbers them first), so the order of the
        records is the order they came in."""
        seqs = self._seq
        if seqs is None:
            seqs = self._seq = {key: i for i, key in enumerate(self.records)}
            self._next_seq = len(seqs)
        return seqs

    def _store(self, key: str, new: dict | None, old: dict | None) -> None:
        """Put ``new`` in place of ``old`` (either may be None) and fix the indexes."""
        if new is None and old is None:
            return
        # Before any numbering, a record without an old one is new, hence the newest (one
        # coming back from an undone delete is numbered: its delete numbered them all).
        newest = old is None and self._seq is None
        if new is None:
            del self.records[key]
        elif old is not None:
            self.records[key] = new  # an existing key keeps its place in the dict
        else:
            self.records[key] = new
            if not newest and len(self.records) > 1:
                seqs = self._seq
                newest_first = reversed(self.records)
                next(newest_first)
                if seqs[next(newest_first)] > seqs[key]:  # a rolled-back delete: back to its place
                    self.records = dict(sorted(self.records.items(), key=lambda kv: seqs[kv[0]]))
        for spec, idx in self._indexes.items():
            before = spec.keys(old) if old is not None else ()
            after = spec.keys(new) if new is not None else ()
            ordered = self._ordered.get(spec)
            if ordered is not None and _moved(spec, old, new):
                gone, came = before, after  # its place in the order changes: out of each, back in
            elif before == after:
                continue
            else:
                gone = [v for v in before if v not in after]
                came = [v for v in after if v not in before]
            for value in gone:
                self._unfile_key(spec, idx, value, key)
                if ordered is not None:
                    _unfile(ordered, value, (number(old.get(spec.order)), key))
            for value in came:
                bucket = idx.get(value)
                if bucket is None:
                    idx[value] = key  # a bucket of one: the key alone
                else:
                    if type(bucket) is str:
                        bucket = idx[value] = {bucket: None}
                    if not newest:
                        seqs = self._seqs()
                        if seqs[next(reversed(bucket))] > seqs[key]:
                            self._unsorted.add((spec, value))
                    bucket[key] = None
                if ordered is not None:
                    bisect.insort(ordered.setdefault(value, []), (number(new.get(spec.order)), key))

    def _unfile_key(self, spec: Index, idx: dict, value: Hashable, key: str) -> None:
        """Take ``key`` out of its bucket for ``value``; a bucket left with one key becomes
        that key (in order, trivially), an empty one goes."""
        bucket = idx.get(value)
        if bucket is None:
            return
        if type(bucket) is str:
            if bucket == key:
                del idx[value]
            return
        bucket.pop(key, None)
        if len(bucket) <= 1:
            self._unsorted.discard((spec, value))
            if bucket:
                idx[value] = next(iter(bucket))
            else:
                del idx[value]

    def _bucket(self, spec: Index, value: Any) -> tuple[str, ...] | dict[str, None]:
        """The keys filed under ``value``, in insertion order (a tuple or a dict's keys)."""
        idx = self._index(spec)
        value = spec.key_of(value)
        bucket = idx.get(value)
        if bucket is None:
            return ()
        if type(bucket) is str:
            return (bucket,)
        if (spec, value) in self._unsorted:
            bucket = idx[value] = dict.fromkeys(sorted(bucket, key=self._seqs().__getitem__))
            self._unsorted.discard((spec, value))
        return bucket

    def _index(self, spec: Index) -> dict[Hashable, str | dict[str, None]]:
        idx = self._indexes.get(spec)
        if idx is None:
            if self.declared is not None and spec not in self.declared:
                raise LookupError(f"{self.name}: no index {spec} is declared (core/indexes.py)")
            idx = {}
            ordered: dict[Hashable, list[tuple[int, str]]] | None = {} if spec.order else None
            for key, record in self.records.items():
                for value in spec.keys(record):
                    bucket = idx.get(value)
                    if bucket is None:
                        idx[value] = key
                    elif type(bucket) is str:
                        idx[value] = {bucket: None, key: None}
                    else:
                        bucket[key] = None
                    if ordered is not None:
                        ordered.setdefault(value, []).append((number(record.get(spec.order)), key))
            if ordered is not None:
                for entries in ordered.values():
                    entries.sort()
                self._ordered[spec] = ordered
            self._indexes[spec] = idx
        return idx

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


def _moved(spec: Index, old: dict | None, new: dict | None) -> bool:
    """Did a write change the sort number of an ordered index's entry?"""
    if old is None or new is None:
        return True
    return number(old.get(spec.order)) != number(new.get(spec.order))


def _unfile(ordered: dict[Hashable, list[tuple[int, str]]], value: Hashable, entry: tuple[int, str]) -> None:
    entries = ordered.get(value)
    if entries is None:
        return
    i = bisect.bisect_left(entries, entry)
    if i < len(entries) and entries[i] == entry:
        del entries[i]
    if not entries:
        del ordered[value]
