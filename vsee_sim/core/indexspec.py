"""What an index of a collection is (``Index``): the fields it files records by, and the
bucket key a record or a queried value is filed under. ``collection.Collection`` keeps the
buckets; ``indexes.py`` declares each kind's."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Index:
    """An index of a collection: records by the value of ``fields`` (one, or several for a
    compound key), case-folded strings if ``fold``; with ``each``, by every element of a list
    field (a room's ``provider_ids``); with ``order``, each bucket is also kept sorted by that
    field's number (then the key), for newest-first pages without a sort."""

    fields: tuple[str, ...]
    fold: bool = False
    each: bool = False
    order: str | None = None

    def keys(self, record: dict) -> tuple:
        """The bucket keys this record is filed under (none, one, or one per list element)."""
        if self.each:
            value = record.get(self.fields[0])
            if not isinstance(value, (list, tuple)):
                return ()
            return tuple(dict.fromkeys(_index_key(v, self.fold) for v in value))
        if len(self.fields) == 1:
            return (_index_key(record.get(self.fields[0]), self.fold),)
        return (tuple(_index_key(record.get(f), self.fold) for f in self.fields),)

    def key_of(self, value: Any) -> Hashable:
        """The bucket key a query for ``value`` (a tuple for a compound index) looks up."""
        if len(self.fields) > 1 and not self.each:
            return tuple(_index_key(v, self.fold) for v in value)
        return _index_key(value, self.fold)


def index(field: str | tuple[str, ...], *, fold: bool = False, each: bool = False,
          order: str | None = None) -> Index:
    return Index((field,) if isinstance(field, str) else tuple(field), fold, each, order)


_INT = re.compile(r"-?[0-9]{1,30}")


def number(value: Any) -> int:
    """A field's value as an int for an ordered index: ints, finite floats and strings of
    digits; 0 for anything else (booleans too). Never raises."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    return 0


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
