"""Which shard owns a namespace: HAProxy's ``hash-type consistent`` ring, reproduced exactly.

Pure: names in, shard positions out (no Flask, no store, no network).

The reference router (``deploy/haproxy.cfg``) says::

    balance hash var(txn.ns)
    hash-type consistent sdbm avalanche
    server shard-1 ... id 1      # ids 1..N in the order of --shards

HAProxy 2.x builds the ring once per backend (src/lb_chash.c): each server of user weight
``w`` gets ``w * 16`` points (BE_WEIGHT_SCALE), point ``i`` of the server with id ``puid``
at ``full_hash(puid * 4096 + i)`` (SRV_EWGHT_RANGE = 256 * 16; ``hash-key id``, the
default). A request's key is hashed with sdbm over its bytes, then avalanched with the same
``full_hash`` (src/backend.c). The server is the owner of the ring point *closest* to that
hash, looking both ways (ties go to the point before), not the next point clockwise.

The namespace is read as the simulator reads it (core/tenancy.py and core/basepaths.py):
a valid ``/ns/<name>`` path prefix first, else the ``X-Sim-Namespace`` header, else
``default``; names are case-sensitive. ``NAME_PATTERN`` must stay equal to
``tenancy.NAMESPACE_RE`` (a test checks it).
"""

from __future__ import annotations

import re
import zlib
from bisect import bisect_left
from collections.abc import Sequence

MASK = 0xFFFFFFFF
BE_WEIGHT_SCALE = 16                    # HAProxy: points per unit of user weight
SRV_EWGHT_RANGE = 256 * BE_WEIGHT_SCALE  # HAProxy: spacing between two servers' point numbers
WEIGHT = 16                             # the shipped configs' server weight: 256 points each, an even spread
DEFAULT_NAMESPACE = "default"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_SLASHES = re.compile(r"/{2,}")
_PREFIX = re.compile(r"^/ns/([^/]+)(?:/|$)")
_DROP = re.compile(r"^(?:/ns/[^/]+)?/_sim/namespaces/([^/]+)/?$")


def full_hash(a: int) -> int:
    """Bob Jenkins' 32-bit integer avalanche, then HAProxy's multiply by 3221225473."""
    a &= MASK
    a = ((a + 0x7ED55D16) + (a << 12)) & MASK
    a = ((a ^ 0xC761C23C) ^ (a >> 19)) & MASK
    a = ((a + 0x165667B1) + (a << 5)) & MASK
    a = ((a + 0xD3A2646C) ^ (a << 9)) & MASK
    a = ((a + 0xFD7046C5) + (a << 3)) & MASK
    a = ((a ^ 0xB55A4F09) ^ (a >> 16)) & MASK
    return (a * 3221225473) & MASK


def sdbm(data: bytes) -> int:
    """HAProxy's default hash function (src/hash.c); bytes taken as signed chars, as C does."""
    h = 0
    for byte in data:
        c = byte - 256 if byte > 127 else byte
        h = (c + (h << 6) + (h << 16) - h) & MASK
    return h


def key_hash(name: str) -> int:
    """What HAProxy looks up in the ring for the key ``name`` (sdbm, then avalanche)."""
    return full_hash(sdbm(name.encode("utf-8")))


class Ring:
    """The consistent-hash ring of ``count`` servers with ids 1..count (HAProxy's default
    numbering: the order of the ``server`` lines), each of user weight ``weight``."""

    def __init__(self, count: int, weight: int = WEIGHT):
        if count < 1:
            raise ValueError("a ring needs at least one shard")
        if not 1 <= weight <= 256:
            raise ValueError("HAProxy weights are 1-256")
        points = sorted((full_hash(puid * SRV_EWGHT_RANGE + i), puid - 1)
                        for puid in range(1, count + 1) for i in range(weight * BE_WEIGHT_SCALE))
        self.count = count
        self._keys = [key for key, _ in points]
        self._owners = [owner for _, owner in points]

    def owner(self, hashed: int) -> int:
        """0-based position of the server whose point is closest to ``hashed``."""
        keys, owners = self._keys, self._owners
        nxt = bisect_left(keys, hashed)
        if nxt == len(keys):
            nxt = 0                      # past the last point: wrap to the first
        prev = nxt - 1                   # -1 is the last point: wraps too
        if owners[nxt] == owners[prev]:
            return owners[nxt]
        before = (hashed - keys[prev]) & MASK
        after = (keys[nxt] - hashed) & MASK
        return owners[prev] if before <= after else owners[nxt]

    def shard_of(self, namespace: str) -> int:
        """0-based position (in the router's server order) of the shard owning ``namespace``."""
        return self.owner(key_hash(namespace))


class NginxRing:
    """nginx's ``hash $ns consistent`` ring (ngx_http_upstream_hash_module.c, ketama-like): each
    server, named by its ``server`` directive's address *as written* (``shard-1:8000``), gets
    ``weight * 160`` points, point j = crc32(host, NUL, port, point j-1 as 4 little-endian
    bytes); a key hashed with crc32 goes to the first point at or after it, clockwise.

    Another ring than HAProxy's: the same names land elsewhere. The CLI uses this one with
    ``--router nginx``, when its --shards URLs carry the same host:port as nginx's servers."""

    def __init__(self, servers: Sequence[str], weight: int = 1):
        if not servers:
            raise ValueError("a ring needs at least one shard")
        points: dict[int, int] = {}
        for index, server in enumerate(servers):
            host, _, port = server.rpartition(":") if _PORT.search(server) else (server, "", "")
            base = host.encode() + b"\0" + port.encode()
            previous = 0
            for _ in range(weight * 160):
                previous = zlib.crc32(base + previous.to_bytes(4, "little"))
                points.setdefault(previous, index)   # nginx keeps the first of equal points
        self.count = len(servers)
        self._keys = sorted(points)
        self._owners = [points[k] for k in self._keys]

    def shard_of(self, namespace: str) -> int:
        at = bisect_left(self._keys, zlib.crc32(namespace.encode("utf-8")))
        return self._owners[at % len(self._keys)]


_PORT = re.compile(r":[0-9]*$")


def namespace_of(path: str, header: str | None = None) -> str:
    """The namespace a request goes to, as the simulator resolves it: a valid ``/ns/<name>``
    prefix (slashes collapsed), else the header (stripped; empty means absent), else default.

    An invalid header name is returned as it is: the simulator answers it 400 wherever it lands.
    """
    match = _PREFIX.match(_SLASHES.sub("/", path or "/"))
    if match and _NAME.match(match.group(1)):
        return match.group(1)
    return (header or "").strip() or DEFAULT_NAMESPACE


def routing_key(path: str, header: str | None = None) -> str:
    """The router's key: the namespace named by ``/_sim/namespaces/<name>`` (so a drop goes to
    the shard that holds it), else the request's namespace (``namespace_of``)."""
    match = _DROP.match(_SLASHES.sub("/", path or "/"))
    if match and _NAME.match(match.group(1)):
        return match.group(1)
    return namespace_of(path, header)


def is_namespace(name: str) -> bool:
    return bool(_NAME.match(name or ""))


def spread(ring: Ring | NginxRing, names: Sequence[str]) -> list[int]:
    """How many of ``names`` each shard owns (for docs and the bench)."""
    counts = [0] * ring.count
    for name in names:
        counts[ring.shard_of(name)] += 1
    return counts
