"""Seeded ids and tokens for one namespace: the same seed gives the same ids.

Shapes follow VSee (DESIGN decision 10): numeric string ids for users and visits,
``56e8c536-566c-44b6-bbca-66f0ac1f0144`` for intakes, files and the like,
32 lowercase hex for tokens and user codes, 5 lowercase alphanumerics for room codes.
"""

from __future__ import annotations

import hashlib
import random
import string

_ALNUM = string.ascii_lowercase + string.digits
_ALNUM_MIXED = string.ascii_letters + string.digits


def namespace_seed(seed: int, namespace: str) -> int:
    """A per-namespace seed: namespaces stay independent yet reproducible."""
    digest = hashlib.sha256(f"{seed}:{namespace}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# After a restart from a data file, numeric ids skip this far ahead (see ``resume``).
RESUME_GAP = 10_000


class Ids:
    def __init__(self, seed: int, counters: dict[str, int] | None = None, restarts: int = 0):
        self.seed = seed
        self.restarts = restarts
        self.rng = random.Random(seed if not restarts else f"{seed}:restart:{restarts}")
        self.counters: dict[str, int] = dict(counters or {})

    def resume(self) -> None:
        """Continue after a restart from a data file that may have lost its last writes.

        The ids and tokens of lost writes were already handed to clients: replaying the
        saved generator would issue them again to someone else. So draw from a new
        stream (still a function of the seed and the restart count) and move numeric
        ids past anything the lost writes could have used.
        """
        self.restarts += 1
        self.rng = random.Random(f"{self.seed}:restart:{self.restarts}")
        for kind in self.counters:
            self.counters[kind] += RESUME_GAP

    def next_number(self, kind: str, start: int = 10001) -> str:
        """Next numeric id of a kind, as VSee's numeric string."""
        value = max(self.counters.get(kind, start - 1) + 1, start)
        self.counters[kind] = value
        return str(value)

    def bump(self, kind: str, seen: str | int) -> None:
        """Keep counters above ids loaded from a fixture."""
        try:
            number = int(seen)
        except (TypeError, ValueError):
            return
        if number >= self.counters.get(kind, 0):
            self.counters[kind] = number

    def hex32(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def uuid(self) -> str:
        h = self.hex32()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def alnum(self, length: int, alphabet: str = _ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def mixed(self, length: int) -> str:
        return self.alnum(length, _ALNUM_MIXED)

    def digits(self, length: int) -> str:
        return self.alnum(length, string.digits)

    def random(self) -> float:
        return self.rng.random()

    def to_dict(self) -> dict:
        version, internal, gauss = self.rng.getstate()
        return {"seed": self.seed, "restarts": self.restarts, "counters": dict(self.counters),
                "state": [version, list(internal), gauss]}

    @classmethod
    def from_dict(cls, data: dict) -> Ids:
        ids = cls(data["seed"], data.get("counters"), int(data.get("restarts", 0)))
        state = data.get("state")
        if state:
            ids.rng.setstate((state[0], tuple(state[1]), state[2]))
        return ids
