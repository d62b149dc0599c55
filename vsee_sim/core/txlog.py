"""The undo log of a namespace's transactions and the write counter the ``--data`` flusher
watches (``collection.Collection`` writes through them)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vsee_sim.core.collection import Collection


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
