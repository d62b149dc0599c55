"""``--data FILE``: every namespace survives a restart, and a crash loses at most the
writes of the last ``interval`` seconds (0.2 s by default).

Two files, both readable JSON:
  ``FILE``      a TinyDB document of every namespace (the export format), replaced atomically
  ``FILE.wal``  the changes since that document, one JSON line per namespace and save
                (``changelog.py``); ``FILE.wal.old`` while a fold is under way

Why a log and not a rewrite of the document: rewriting the whole state costs time in
its size (200 namespaces: 13 MB, 1.5-1.9 s between a write and its save, and request
p99 8.5 -> 113 ms while it ran), so no interval could hold its promise as data grew.
A save now costs what changed since the last one: the flusher wakes every quarter of
the interval, takes the records written since (each namespace's lock held only to pick
up references), appends them as one write and fsyncs. When the log has grown to the
size of the document (at least ``COMPACT_MIN_BYTES``), or is a minute old, or the
server has been quiet for ``IDLE_FOLD`` seconds, it is folded: the log is renamed to
``FILE.wal.old``, a new log is started, and another thread writes the whole state as a
new ``FILE`` and then removes ``.old``. So the document lags by at most a fold; a clean
stop folds everything, leaving ``FILE`` alone and complete. A file written by earlier
versions (no log) loads as it is.

Load: ``FILE`` is parsed once, then ``.wal.old`` and ``.wal`` are replayed (a torn last
line, from a kill during an append, is dropped); every id generator resumes on a new
stream (``Ids.resume``) and that is logged, so tokens lost in a crash are never reissued,
not even after a second crash. Temp files left by a kill during a fold are removed.

Errors (disk full, permission lost) never stop the server: each distinct one is logged
once, shown in ``/_sim/health`` (``persistence.last_error``), and the save is retried
with nothing dropped; when it works again, that is logged too.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from vsee_sim.core import changelog
from vsee_sim.core.persistence import (
    check_data_path,
    check_exports,
    fsync_directory,
    read_datafile,
    remove_orphans,
    take_checked,
    world_tables,
    write_document,
)
from vsee_sim.core.store import Worlds

log = logging.getLogger("vsee_sim.persistence")

COMPACT_MIN_BYTES = 1 << 20   # fold once the log holds this much, or the document's size
FOLD_AGE = 60.0               # ... or once its oldest line is this old (seconds)
IDLE_FOLD = 2.0               # ... or once nothing was written for this long
PENDING_MAX_BYTES = 64 << 20  # unsaved changes kept while the disk fails; beyond, save all at once


class DataFile:
    """``--data FILE``: load every namespace at start, save changes in the background."""

    def __init__(self, path: str, worlds: Worlds, interval: float = 0.2):
        self.path = path
        self.wal = path + ".wal"
        self.old_wal = path + ".wal.old"
        self.worlds = worlds
        self.interval = interval
        self.persisted_version = -1
        self.last_saved_at: float | None = None
        self.last_folded_at: float | None = None
        self.last_error: dict | None = None   # {"message", "during", "at"} of the latest failure
        self.errors = 0
        self._failing: dict[str, str] = {}    # what fails now ("save", "fold") -> its message
        self._taken = -1                      # the version whose changes are taken
        self._pending: list[bytes] = []       # taken, not yet on disk (a failed append)
        self._pending_bytes = 0
        self._save_all = False                # too much pending: write the whole state instead
        self._fd: int | None = None
        self._wal_bytes = 0
        self._wal_since: float | None = None  # monotonic time of the log's first line
        self._last_write = 0.0
        self._document_bytes = 0
        self._io = threading.Lock()           # appends, rotations, whole saves
        self._flushed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._folder: threading.Thread | None = None
        worlds.versions.tracking = True       # from now on every write is remembered for us

    # -- load ------------------------------------------------------------------------------
    def load(self) -> int:
        """Restore the namespaces of the file and its log; returns how many.

        A file or log that is not vsee-sim's raises ValueError naming it, and is left
        untouched (the flusher is not started).
        """
        check_data_path(self.path)
        remove_orphans(self.path)
        exports = take_checked(self.path)
        exports = read_datafile(self.path) if exports is None else check_exports(exports)
        with self._io:
            self.worlds.versions.tracking = False  # what is loaded is on disk already
            for name, state in exports.items():
                self.worlds.restore(name, state)
            for wal in (self.old_wal, self.wal):
                self._replay(wal)
            for _, world in self.worlds.items():
                world.ids.resume()  # the last writes may be lost: never reissue their ids
            self.worlds.versions.tracking = True
            self._taken = self.worlds.version
            self._pending, self._pending_bytes = [], 0
            if self.worlds.names():
                if os.path.exists(self.old_wal):  # a fold was cut: finish it now
                    self._write_all()
                else:
                    self._append([changelog.resumed_line(self.worlds)])
            self._saved(self._taken, wrote=False)
        return len(self.worlds.names())

    def _replay(self, wal: str) -> None:
        try:
            with open(wal, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return
        lines, end = changelog.split_lines(data)
        changelog.replay(self.worlds, lines, wal)
        if end < len(data) and wal == self.wal:  # drop the torn tail before appending after it
            with open(wal, "r+b") as fh:
                fh.truncate(end)
                os.fsync(fh.fileno())

    # -- saving ----------------------------------------------------------------------------
    def flush(self) -> int:
        """Append every change since the last save to the log and fsync it; returns the
        version now on disk. OSError if the disk refuses (the changes stay pending)."""
        with self._io:
            version = self.worlds.version
            if version != self._taken and not self._save_all:
                lines = changelog.take_changes(self.worlds)
                self._taken = version
                self._pending.extend(lines)
                self._pending_bytes += sum(map(len, lines))
            wrote = self._save_all or bool(self._pending)
            if self._save_all:
                self._write_all()
            elif self._pending:
                self._append(self._pending)
            self._saved(version, wrote)
            return version

    def _append(self, lines: list[bytes]) -> None:
        if self._fd is None:
            self._fd = os.open(self.wal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._wal_bytes = os.fstat(self._fd).st_size
        data = b"".join(lines)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError:
            self._cut_back()
            if self._pending_bytes > PENDING_MAX_BYTES:
                self._pending, self._pending_bytes, self._save_all = [], 0, True
            raise
        now = time.monotonic()
        if not self._wal_bytes:
            self._wal_since = now
        self._wal_bytes += len(data)
        self._last_write = now
        self._pending, self._pending_bytes = [], 0

    def _cut_back(self) -> None:
        """After a failed append: take the partial line off, so the next one starts clean."""
        try:
            os.ftruncate(self._fd, self._wal_bytes)
        except OSError:  # cannot even truncate: start a fresh log through a whole save
            self._save_all = True

    def _saved(self, version: int, wrote: bool) -> None:
        if wrote:
            self._ok("save")
        with self._flushed:
            self.last_saved_at = time.time()
            self.persisted_version = version
            self._flushed.notify_all()

    def _write_all(self) -> None:
        """Save everything as a new document and start an empty log (with ``_io`` held)."""
        dropped, items = self.worlds.take()
        for _, world in items:
            with world.lock:
                world.log.take()  # all of it is in the document below
        self._write_document(items)
        self._close_wal()
        for wal in (self.old_wal, self.wal):
            if os.path.exists(wal):
                os.unlink(wal)
        fsync_directory(os.path.dirname(os.path.abspath(self.path)) or ".")
        self._pending, self._pending_bytes, self._save_all = [], 0, False
        self._wal_bytes, self._wal_since = 0, None

    def _write_document(self, items) -> None:
        namespaces: list[dict] = []

        def tables():
            for _, world in items:
                with world.lock:
                    state = world.to_dict()
                ns_tables = world_tables(state)
                namespaces.extend(ns_tables.pop("_namespaces"))
                yield from ns_tables.items()
            yield "_namespaces", namespaces

        self._document_bytes = write_document(self.path, tables())
        self.last_folded_at = time.time()

    def _close_wal(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- folding the log into the document -------------------------------------------------
    def _fold_due(self) -> bool:
        if not self._wal_bytes or (self._folder and self._folder.is_alive()):
            return False
        now = time.monotonic()
        return (self._wal_bytes >= max(COMPACT_MIN_BYTES, self._document_bytes)
                or now - (self._wal_since or now) >= FOLD_AGE or now - self._last_write >= IDLE_FOLD)

    def _start_fold(self) -> None:
        """Rename the log to ``.old`` (unless a cut fold left one), start a new one, and
        write the document in another thread: appends go on meanwhile."""
        with self._io:
            if not os.path.exists(self.old_wal):
                self._close_wal()
                os.replace(self.wal, self.old_wal)
                fsync_directory(os.path.dirname(os.path.abspath(self.path)) or ".")
                self._wal_bytes, self._wal_since = 0, None
        self._folder = threading.Thread(target=self._fold, name="vsee-sim-fold", daemon=True)
        self._folder.start()

    def _fold(self) -> None:
        try:
            self._write_document(self.worlds.items())
            os.unlink(self.old_wal)
            fsync_directory(os.path.dirname(os.path.abspath(self.path)) or ".")
            self._ok("fold")
        except Exception as exc:  # noqa: BLE001 - kept for the next fold; the log still holds it all
            self._failed("fold", exc)

    # -- the background thread -------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vsee-sim-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval / 4):
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - the flusher must survive a bad write and retry
                self._failed("save", exc)
                continue
            try:
                if self._fold_due():
                    self._start_fold()
            except Exception as exc:  # noqa: BLE001 - the log keeps growing; retried next time
                self._failed("fold", exc)

    def _failed(self, during: str, exc: BaseException) -> None:
        """Count a failure; log it once per distinct error (not on every retry)."""
        message = str(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        self.errors += 1
        if self._failing.get(during) != message:
            log.error("vsee-sim: cannot %s %s: %s (retrying)", during, self.path, message)
        self._failing[during] = message
        self.last_error = {"message": message, "during": during, "at": time.time()}

    def _ok(self, during: str) -> None:
        if self._failing.pop(during, None) is not None:
            log.warning("vsee-sim: %s of %s works again", during, self.path)

    def wait_persisted(self, version: int, timeout: float) -> bool:
        """Block until a save has written ``version`` (or ``timeout`` passes)."""
        with self._flushed:
            return self._flushed.wait_for(lambda: self.persisted_version >= version, timeout)

    def stop(self) -> None:
        """Stop the flusher and fold everything into the document (a clean stop leaves
        ``FILE`` complete and no log). Errors are logged, never raised: this runs at exit."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self._folder:
            self._folder.join(timeout=30)
        try:
            self.flush()
            with self._io:
                self._write_all()
        except Exception as exc:  # noqa: BLE001 - at exit: one line, and the log keeps the changes
            self._failed("save", exc)
        self._close_wal()

    def status(self) -> dict:
        """What ``/_sim/health`` shows under ``persistence``."""
        return {"file": self.path, "log": self.wal, "interval": self.interval,
                "persisted": self.persisted_version, "last_saved_at": self.last_saved_at,
                "last_folded_at": self.last_folded_at, "log_bytes": self._wal_bytes,
                "errors": self.errors, "failing": sorted(self._failing), "last_error": self.last_error}
