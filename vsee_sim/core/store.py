"""State: worlds (namespaces) and their accounts, over indexed collections.

A world is a whole isolated simulator state: its accounts (tenants), tokens, outbox,
clock and seeded ids. Its working set lives in ``collection.Collection`` (plain dicts
with indexes); TinyDB holds what is persisted (see ``persistence.py``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Any

from vsee_sim.core.clock import Clock
from vsee_sim.core.collection import Collection, TxLog, Versions
from vsee_sim.core.ids import Ids, namespace_seed
from vsee_sim.core.indexes import declared

# Kinds whose fixture lists are account data rather than collections.
ACCOUNT_META_LISTS = ("api_keys", "eligibility")
JOURNAL_SIZE = 500  # requests kept per namespace by the journal (GET /_sim/journal)
EVICTED_REMEMBERED = 100_000  # names of evicted namespaces kept, to say so when one comes back
RECREATED_HEADER = "X-Sim-Namespace-Recreated"


class AccountDB:
    """One tenant (account) of a world: its settings and its collections.

    ``meta`` (settings, API keys) is read-only once loaded: a reset builds new AccountDBs,
    and views return parts of it whose JSON is made after the namespace lock is released."""

    def __init__(self, code: str, meta: dict, log: TxLog):
        self.code = code
        self.meta = meta
        self._log = log
        self.collections: dict[str, Collection] = {}

    def collection(self, name: str) -> Collection:
        found = self.collections.get(name)
        if found is None:
            found = self.collections[name] = Collection(name, "id", self._log, ("account", self.code, name),
                                                          declared(name))
        return found

    def __getattr__(self, name: str) -> Collection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.collection(name)


class World:
    """A namespace: a whole isolated simulator state with its own clock and ids."""

    def __init__(self, name: str, fixture: dict, seed: int, fixture_name: str = "demo",
                 versions: Versions | None = None, secret: bytes | None = None):
        self.name = name
        self.seed = seed
        # What signs this namespace's file URLs: the server's signing secret (Worlds.secret).
        # Not state: never exported, snapshotted, persisted or shown, so no client can learn it.
        self.secret = secret or secrets.token_bytes(32)
        self.fixture_name = fixture_name
        self.lock = threading.RLock()
        self.log = TxLog(versions)
        self.clock = Clock()
        self.ids = Ids(namespace_seed(seed, name))
        self.accounts: dict[str, AccountDB] = {}
        self.tokens = Collection("tokens", "token", self.log, ("tokens",), declared("tokens"))
        # what the real service would send
        self.outbox = Collection("outbox", "id", self.log, ("outbox",), declared("outbox"))
        # The control plane's own state (webhooks, deliveries, faults, autopilot): exported,
        # snapshotted and persisted with the namespace, emptied by a reset.
        self.sim: dict[str, Collection] = {}
        # Not state of the clinic: kept through snapshot restores, never exported.
        self.journal: deque[dict] = deque(maxlen=JOURNAL_SIZE)
        self.snapshots: dict[str, dict] = {}
        self.seeded_fixture: str | None = None  # the JSON of POST /_sim/seed, for resets
        self.default_account = ""
        # Why this namespace was made again ("evicted"), until a response has said so (once).
        self.recreated: list[str] = []
        self.load_fixture(fixture)

    def take_recreated(self) -> str | None:
        """The reason this namespace was made again, to the first caller only (list.pop is atomic)."""
        try:
            return self.recreated.pop()
        except IndexError:
            return None

    def sim_collection(self, kind: str) -> Collection:
        """A control-plane collection of this namespace (``webhooks``, ``faults``...)."""
        found = self.sim.get(kind)
        if found is None:
            found = self.sim[kind] = Collection(kind, "id", self.log, ("sim", kind), declared(kind))
        return found

    def touch(self) -> None:
        """Count a change made outside the collections (the clock), for the flusher."""
        self.log.touched()

    # -- loading ---------------------------------------------------------
    def load_fixture(self, fixture: dict, relative: bool = True) -> None:
        """Load a freshly parsed fixture (its nested values are shared, not copied).

        The fixture is checked first (ValueError), so a bad one changes nothing.
        ``relative=False`` (an export: its times are absolute) skips ``relative_times``.
        """
        validate_fixture(fixture)
        self.accounts.clear()
        self.tokens = Collection("tokens", "token", self.log, ("tokens",), declared("tokens"))
        self.outbox = Collection("outbox", "id", self.log, ("outbox",), declared("outbox"))
        self.sim = {}
        self.default_account = fixture.get("default_account") or ""
        for account in fixture.get("accounts", []):
            self._load_account(account, relative)
        if not self.default_account and self.accounts:
            self.default_account = next(iter(self.accounts))
        self.log.replaced()

    def _load_account(self, data: dict, relative: bool = True) -> None:
        code = data["code"]
        meta = {k: v for k, v in data.items() if not is_collection(k, v)}
        db = self.accounts[code] = AccountDB(code, meta, self.log)
        for kind, records in data.items():
            if not is_collection(kind, records):
                continue
            if kind == "tokens":
                for token in records:
                    self.tokens.insert({**token, "account": code})
                continue
            now = self.clock.ts()
            ready = []
            for record in records:
                if "id" not in record:
                    record = {**record, "id": self.ids.uuid()}
                ready.append(relative_times(record, now) if relative else record)
                self.ids.bump(kind, record["id"])
            db.collection(kind).load(ready)

    # -- access ----------------------------------------------------------
    def account(self, code: str | None) -> AccountDB | None:
        return self.accounts.get(code) if code else None

    def transaction(self) -> _Transaction:
        """Hold the world lock; undo every write of the block if it raises."""
        return _Transaction(self)

    # -- export ----------------------------------------------------------
    def to_dict(self) -> dict:
        with self.lock:
            return {
                "name": self.name,
                "seed": self.seed,
                "fixture": self.fixture_name,
                **({"seeded_fixture": self.seeded_fixture} if self.seeded_fixture else {}),
                "clock": self.clock.state(),
                "ids": self.ids.to_dict(),
                "default_account": self.default_account,
                "outbox": self.outbox.all(),
                "tokens": self.tokens.all(),
                "sim": {kind: c.all() for kind, c in self.sim.items() if len(c)},
                "accounts": [
                    {**db.meta, **{name: c.all() for name, c in db.collections.items()}}
                    for db in self.accounts.values()
                ],
            }

    def load_dict(self, data: dict) -> None:
        """Replace this world's state with an export (snapshot restore, --data load)."""
        with self.lock:
            self.load_fixture({"default_account": data.get("default_account"),
                               "accounts": data.get("accounts", [])}, relative=False)
            self.tokens.load(data.get("tokens", []))
            self.outbox.load(data.get("outbox", []))
            for kind, records in (data.get("sim") or {}).items():
                self.sim_collection(kind).load(records)
            self.clock = Clock.from_dict(data.get("clock"))
            if data.get("ids"):
                self.ids = Ids.from_dict(data["ids"])
            self.fixture_name = data.get("fixture") or self.fixture_name
            seeded = data.get("seeded_fixture")
            self.seeded_fixture = seeded if isinstance(seeded, str) else None
            if isinstance(data.get("seed"), int):
                self.seed = data["seed"]
            self.log.replaced()


class _Transaction:
    """``World.transaction()``: a class rather than a generator, as every request enters one."""

    __slots__ = ("mark", "outer", "world")

    def __init__(self, world: World) -> None:
        self.world = world

    def __enter__(self) -> World:
        world = self.world
        world.lock.acquire()
        log = world.log
        self.outer = log.entries
        log.entries = [] if self.outer is None else self.outer
        self.mark = len(log.entries)
        return world

    def __exit__(self, exc_type, exc, tb) -> bool:
        log = self.world.log
        try:
            if exc_type is not None:
                for coll, key, old, seq in reversed(log.entries[self.mark:]):
                    coll._restore(key, old, seq)
                del log.entries[self.mark:]
        finally:
            if self.outer is None:
                log.entries = None
            self.world.lock.release()
        return False


def is_collection(key: str, value: Any) -> bool:
    """Is this key of an account (in a fixture or an export) a collection of records?"""
    return (key not in ACCOUNT_META_LISTS and isinstance(value, list)
            and all(isinstance(v, dict) for v in value))


def relative_times(record: dict, now: int) -> dict:
    """A record whose top-level fields may say ``{"$now": -300}``: the namespace clock at load, plus 300 s.

    For fixture state that must be fresh whenever a namespace is made (the demo's patient
    waiting in a room, which the clinic's max wait would otherwise have cancelled long ago).
    The fixture itself is not changed.
    """
    if not any(_is_relative(v) for v in record.values()):
        return record
    return {k: now + int(v["$now"]) if _is_relative(v) else v for k, v in record.items()}


def _is_relative(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$now"), int)


def validate_fixture(fixture: Any) -> None:
    """ValueError saying what is wrong, if this is not a loadable fixture."""
    if not isinstance(fixture, dict) or not isinstance(fixture.get("accounts", []), list):
        raise ValueError("a fixture is an object with an 'accounts' list")
    codes = set()
    for i, account in enumerate(fixture.get("accounts", [])):
        code = account.get("code") if isinstance(account, dict) else None
        if not isinstance(code, str) or not code:
            raise ValueError(f"account {i} has no 'code'")
        if code in codes:
            raise ValueError(f"account {code} appears twice")
        codes.add(code)
        for kind, records in account.items():
            if is_collection(kind, records):
                key = "token" if kind == "tokens" else "id"
                if kind == "tokens" and any(not isinstance(r.get("token"), str) for r in records):
                    raise ValueError(f"account {code}: every token needs a 'token' string")
                if any(key in r and not isinstance(r[key], (str, int)) for r in records):
                    raise ValueError(f"account {code}: {kind} ids must be strings or numbers")
    default = fixture.get("default_account")
    if default and default not in codes:
        raise ValueError(f"default_account {default} is not one of the accounts")


class Worlds:
    """Every namespace of this process, each created from the fixture on first use.

    A CI suite that takes a fresh namespace per test makes thousands (about 250 KiB
    each for the demo clinic: bench/startup.py --namespaces), so beyond
    ``max_namespaces`` the least recently used one is forgotten (never ``default``).
    ``max_namespaces=0`` keeps them all; it is what ``--data`` uses, since a persisted
    namespace must not vanish.

    An evicted namespace used again is made afresh from the fixture; a client that was
    using it must learn that its state is gone: the world is marked (``recreated``), the
    first response from it carries ``X-Sim-Namespace-Recreated: evicted``, and
    ``recreated`` counts them. The last ``EVICTED_REMEMBERED`` evicted names are kept
    for this (a name is about 100 bytes).
    """

    def __init__(self, fixture_loader: Callable[[str], dict], fixture_name: str, seed: int,
                 max_namespaces: int = 0, secret: bytes | None = None):
        if max_namespaces < 0 or max_namespaces == 1:
            raise ValueError("max_namespaces is 0 (no bound) or at least 2 (default and one more)")
        self._load = fixture_loader
        self.fixture_name = fixture_name
        self.seed = seed
        self.max_namespaces = max_namespaces
        # The signing secret of every namespace: the operator's (the same across restarts),
        # else random for this process.
        self.secret = secret or secrets.token_bytes(32)
        self._worlds: OrderedDict[str, World] = OrderedDict()
        self._lock = threading.Lock()
        self.versions = Versions()
        self.dropped: list[str] = []  # with tracking on: dropped since the flusher's last take
        self.evicted = 0
        self.recreated = 0
        self._evicted_names: OrderedDict[str, None] = OrderedDict()
        self._last: str | None = None  # the most recently used namespace
        # Called with a world just made or reset from a fixture: the control plane settles
        # what is already due there (the demo's 2016 walk-ins are past the max wait), so it
        # happens at a known moment, not at whichever read or tick comes first.
        self.on_load: list[Callable[[World], None]] = []

    def get(self, name: str) -> World:
        world = self._worlds.get(name)
        if world is None:
            with self._lock:
                world = self._worlds.get(name)
                if world is None:
                    world = World(name, self._load(self.fixture_name), self.seed, self.fixture_name,
                                  self.versions, self.secret)
                    if name in self._evicted_names:
                        del self._evicted_names[name]
                        world.recreated.append("evicted")
                        self.recreated += 1
                    self.loaded(world)
                    self._worlds[name] = world
                    self._last = name
                    self.versions.bump()
                    self._evict()
        elif self.max_namespaces and self._last != name:  # most requests hit the same one
            with self._lock, contextlib.suppress(KeyError):  # evicted meanwhile: still ours here
                self._worlds.move_to_end(name)
                self._last = name
        return world

    def _evict(self) -> None:
        """Forget the least recently used namespaces (not default, not the newest). Locked."""
        newest = self._last
        while self.max_namespaces and len(self._worlds) > self.max_namespaces:
            oldest = next((n for n in self._worlds if n not in ("default", newest)), None)
            if oldest is None:
                return
            del self._worlds[oldest]
            self.evicted += 1
            self._evicted_names[oldest] = None
            while len(self._evicted_names) > EVICTED_REMEMBERED:
                self._evicted_names.popitem(last=False)

    def peek(self, name: str) -> World | None:
        """The namespace if this process holds it (never made from the fixture)."""
        return self._worlds.get(name)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._worlds)

    def items(self) -> Iterable[tuple[str, World]]:
        with self._lock:  # the ticker's thread reads while requests create namespaces
            return list(self._worlds.items())

    def drop(self, name: str) -> bool:
        with self._lock:
            dropped = self._worlds.pop(name, None) is not None
            self._evicted_names.pop(name, None)  # dropped on purpose: its return is no surprise
            if dropped:
                if self.versions.tracking:
                    self.dropped.append(name)
                self.versions.bump()
            return dropped

    def take(self) -> tuple[list[str], list[tuple[str, World]]]:
        """(namespaces dropped since the last take, every namespace now), read together so
        a drop and a re-creation of the same name are saved in the order they happened."""
        with self._lock:
            dropped, self.dropped = self.dropped, []
            return dropped, list(self._worlds.items())

    def restore(self, name: str, state: dict) -> World:
        """A namespace made straight from an export (a --data load): no fixture is loaded
        first, and no on-load hook runs (the export is a settled state)."""
        world = World(name, {"accounts": []}, self.seed, self.fixture_name, self.versions,
                      self.secret)
        world.load_dict(state)
        with self._lock:
            self._worlds[name] = world
            self._last = name
        return world

    def reset(self, name: str, fixture_name: str | None = None, seed: int | None = None) -> World:
        """Put a namespace back to its fixture (a fresh seed sequence too: the server's
        seed, or ``seed`` for this namespace from now on)."""
        world = self.get(name)
        with world.lock:
            # A namespace seeded from a request body (POST /_sim/seed) goes back to that body.
            seeded = world.seeded_fixture if fixture_name in (None, world.fixture_name) else None
            fixture_name = fixture_name or world.fixture_name
            fixture = json.loads(seeded) if seeded else self._load(fixture_name)
            validate_fixture(fixture)  # before anything changes
            world.clock = Clock()
            world.seed = self.seed if seed is None else seed
            world.ids = Ids(namespace_seed(world.seed, name))
            world.fixture_name = fixture_name
            world.seeded_fixture = seeded
            world.load_fixture(fixture)
            self.loaded(world)
        return world

    def loaded(self, world: World) -> None:
        for hook in self.on_load:
            hook(world)

    @property
    def version(self) -> int:
        return self.versions.value
