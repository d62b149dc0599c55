"""Files: image work done outside the namespace lock, bounded in memory and in threads.

``GET /files/:id?size=WxH`` reads the file's bytes in its transaction (``service.download``)
and resizes them after it (``render``, called by the view through ``after_transaction``),
so a slow resize holds up no other request of the namespace. At most ``RESIZE_SLOTS``
resizes run at once in the process and ``RESIZE_ADMITTED`` may be running or waiting
(each waiting one holds a server thread); beyond, a 503 with ``Retry-After``. Results,
and the reasons an image is not resized, are cached by content in ``RESIZE_CACHE_BYTES``.
The pixel budget itself is a rule (``rules.check_resizable``, ``rules.resize_png``).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from vsee_sim.api.files import rules
from vsee_sim.core.errors import ApiError


@dataclass(frozen=True)
class Download:
    """What ``GET /files/:id`` serves: bytes, content type, name; ``size`` still to apply;
    ``note`` why a size asked for was not applied."""

    data: bytes
    content_type: str
    name: str
    size: tuple[int, int] | None = None
    note: str | None = None


RESIZE_SLOTS = 1                      # resizes at once, in the whole process (measured: 2 were no faster)
RESIZE_ADMITTED = 3                   # resizing or waiting to; more at once is a 503 (threads stay free)
RESIZE_CACHE_BYTES = 32 * 1024 * 1024
BIG_BUFFER = 1024 * 1024              # glibc mmaps allocations from this size (_big_buffers_returned)


class ResizeCache:
    """Resized images by (SHA-256 of the source, W, H): least recently used out first, at most
    ``capacity`` bytes in all; an image over a quarter of it is not kept. A reason an image
    was not resized (a short string) is kept too, so a failing decode is not repeated.

    Keyed by content, not by file id: ids repeat after a namespace reset, bytes do not lie.
    """

    def __init__(self, capacity: int = RESIZE_CACHE_BYTES):
        self.capacity = capacity
        self.bytes = 0
        self._items: OrderedDict[tuple, bytes | str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | str | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, value: bytes | str) -> None:
        if len(value) > self.capacity // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.bytes += len(value)
            while self.bytes > self.capacity:
                _, old = self._items.popitem(last=False)
                self.bytes -= len(old)

    def __len__(self) -> int:
        return len(self._items)


class ResizerBusy(ApiError):
    status = 503
    default_message = "The simulator is busy resizing other images: retry in a second."


CACHE = ResizeCache()
_SLOTS = threading.BoundedSemaphore(RESIZE_SLOTS)
_ADMITTED = threading.BoundedSemaphore(RESIZE_ADMITTED)
_tuned = threading.Event()


def _big_buffers_returned() -> None:
    """Once per process: glibc's allocator hands image-sized buffers back to the system.

    Pillow's image buffers are megabytes. glibc raises its mmap threshold each time such
    a buffer is freed, so later ones come from per-thread arenas that keep the memory:
    measured, the worker stayed 340 MiB larger after eight resizes. A fixed threshold
    (M_MMAP_THRESHOLD) makes every buffer of ``BIG_BUFFER`` or more an mmap, returned on
    free (after: +5 MiB). No glibc (musl, macOS): nothing to do.
    """
    if _tuned.is_set():
        return
    _tuned.set()
    import ctypes.util  # here: only a resize needs it

    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, BIG_BUFFER)  # M_MMAP_THRESHOLD


def render(found: Download) -> Download:
    """The download with its ``size`` applied: a PNG of exactly W x H, or the bytes as they
    are (``note`` says why) if they are not an image Pillow resizes within the pixel budget.

    Never call it under a namespace lock: it may decode an image (see ``rules.resize_png``).
    """
    if found.size is None:
        return found
    result = _resized(found.data, found.size)
    if isinstance(result, str):
        return replace(found, size=None, note=result)
    stem = found.name.rsplit(".", 1)[0]
    return Download(result, "image/png", f"{stem}.png")


def _resized(data: bytes, size: tuple[int, int]) -> bytes | str:
    """The PNG, or why there is none: from the cache, else made in one of the slots."""
    key = (hashlib.sha256(data).digest(), *size)
    result = CACHE.get(key)
    if result is not None:
        return result
    try:
        rules.check_resizable(data, *size)    # the header only: refusing needs no slot
    except rules.NotResized as why:
        CACHE.put(key, str(why))
        return str(why)
    # Each request waiting here holds one of the server's threads: a few may wait, the
    # others are told to retry, so that requests of every namespace still find a thread.
    if not _ADMITTED.acquire(blocking=False):
        raise ResizerBusy(headers={"Retry-After": "1"})
    try:
        with _SLOTS:                           # bounded: 8 at once cannot take 8 images' memory
            result = CACHE.get(key)            # made by the request this one waited for?
            if result is None:
                _big_buffers_returned()
                try:
                    result = rules.resize_png(data, *size)
                except rules.NotResized as why:
                    result = str(why)
                CACHE.put(key, result)
            return result
    finally:
        _ADMITTED.release()
