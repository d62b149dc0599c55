"""The one source of "now" for a namespace.

Three modes: real (wall clock), offset (wall clock shifted by a delta) and frozen
(a fixed instant). Every timestamp the simulator writes comes from here, so moving
the clock drives token expiry, max wait, slot availability and the like.
The real clock reads ``time.time()`` so freezegun also freezes it in tests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Clock:
    mode: str = "real"  # real | offset | frozen
    offset: float = 0.0
    frozen_at: float | None = None

    def now(self) -> float:
        if self.mode == "frozen" and self.frozen_at is not None:
            return self.frozen_at
        return time.time() + (self.offset if self.mode == "offset" else 0.0)

    _last_ts = None  # the int ts() returned last (not a field: no part of the clock's state)

    def ts(self) -> int:
        """Unix seconds, as VSee writes them.

        Within one second the same int object: every record written then (a user's
        ``created`` and ``modified``, its tokens') shares it instead of holding a 32-byte
        int of its own, about 4% of what an SSO user costs in memory."""
        t = int(self.now())
        last = self._last_ts
        if last == t:
            return last
        self._last_ts = t
        return t

    def ms(self) -> int:
        """Unix milliseconds (notification ``mtime``, paging by ``before``)."""
        return int(self.now() * 1000)

    def freeze(self, at: float | None = None) -> None:
        self.frozen_at = self.now() if at is None else float(at)
        self.mode = "frozen"

    def advance(self, seconds: float) -> None:
        if self.mode == "frozen":
            self.frozen_at = (time.time() if self.frozen_at is None else self.frozen_at) + seconds
        else:
            self.offset = (self.offset if self.mode == "offset" else 0.0) + seconds
            self.mode = "offset"

    def real(self) -> None:
        self.mode, self.offset, self.frozen_at = "real", 0.0, None

    def state(self) -> dict:
        """What is saved (exports, snapshots, --data): the setting, not the moment read."""
        return {"mode": self.mode, "offset": self.offset, "frozen_at": self.frozen_at}

    def to_dict(self) -> dict:
        return {**self.state(), "now": self.now()}

    @classmethod
    def from_dict(cls, data: dict | None) -> Clock:
        data = data or {}
        return cls(data.get("mode", "real"), float(data.get("offset", 0.0)), data.get("frozen_at"))
