"""Sending webhook deliveries: a bounded pool of sender threads, never a request's thread.

``core.events.publish`` queues deliveries inside a request's transaction. After the
transaction commits, the request only *kicks* the pool (a set check and a queue put) and
returns: no API response waits for a receiver, and neither does a tick (the ticker and
``/_sim/clock`` moves kick too). The pool's threads do the rest:

- A **scan** claims, under the namespace lock (in-memory work only), each webhook's oldest
  open delivery if it is due on the namespace clock, marks it ``sending`` and queues its
  post. A webhook with a post in flight is skipped: one post at a time per webhook, oldest
  first, so a receiver sees a visit's transitions in order even across retries.
- A **post** is made with no lock held (a receiver may call the simulator back), with short
  timeouts (``connect_timeout`` to connect, ``read_timeout`` for each read), and its outcome
  recorded in a transaction of its own; then the namespace is scanned again (that webhook's
  next delivery may go now).
- A failed attempt waits ``rules.backoff`` on the namespace clock; a tick or a clock move
  after that kicks the pool again.

``wait_settled`` is how a test knows what was sent: it blocks (bounded) until the namespace
has nothing due that is not yet attempted (no delivery ``sending``, no webhook's oldest open
delivery due), woken by each recorded attempt. ``GET /_sim/webhooks/deliveries?wait=5`` and
the pytest plugin's ``deliveries(wait=...)`` use it, in-process and over HTTP alike.

Fidelity limits: a pool of ``senders`` threads is shared by every namespace of the process;
when that many receivers hang at once, other deliveries wait their turn (a black-holed
receiver holds one thread for ``connect_timeout + read_timeout`` at most per attempt, unless
it trickles bytes slower than ``read_timeout``).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterator

from vsee_sim.control.events import rules
from vsee_sim.core.events import DELIVERIES, WEBHOOKS
from vsee_sim.core.store import World

log = logging.getLogger("vsee_sim.control")

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
SENDERS = 8               # threads posting, for every namespace of the process
CONNECT_TIMEOUT = 2.0     # seconds to connect (and TLS handshake)
READ_TIMEOUT = 3.0        # seconds for each read of the answer
WAITERS = 4               # requests waiting on the log at once: half of `vsee-sim serve`'s 8 threads
MAX_FINISHED = 1000       # delivered (and as many failed) deliveries kept per namespace
MAX_LOG = 50              # attempts kept per delivery
WAKE_EVERY = 0.5          # a waiter looks again this often (a running clock makes retries due)


class _Lane:
    """One namespace's sending state in this process (not state of the namespace)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.inflight: dict[str, str] = {}   # delivery id -> webhook id, posts not yet recorded
        self.scan_queued = False
        self.generation = 0                  # moves on every claim and every recorded attempt


class Dispatcher:
    """The pool of sender threads (started on first use; daemon threads, so exit never waits)."""

    def __init__(self, senders: int = SENDERS, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
        self.configure(senders, connect_timeout, read_timeout, WAITERS)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lanes: weakref.WeakKeyDictionary[World, _Lane] = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()
        self.attempts = 0   # posts made since start, any outcome

    def configure(self, senders: int, connect_timeout: float, read_timeout: float, waiters: int) -> None:
        """``waiters``: requests that may wait on the log at once (each holds a server thread)."""
        if senders < 1 or connect_timeout <= 0 or read_timeout <= 0 or waiters < 1:
            raise ValueError("webhook senders and waiters must be at least 1 and timeouts above 0")
        self.senders = int(senders)
        self.waiters_bound = int(waiters)
        self.waiters = threading.BoundedSemaphore(self.waiters_bound)
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)

    @contextlib.contextmanager
    def waiting_place(self) -> Iterator[bool]:
        """A waiter's place if one is free (True, given back on leaving), else False at once."""
        waiters = self.waiters  # the one given back, even if the app is reconfigured meanwhile
        placed = waiters.acquire(blocking=False)
        try:
            yield placed
        finally:
            if placed:
                waiters.release()

    def usage(self) -> dict:
        return {"senders": self.senders, "connect_timeout": self.connect_timeout,
                "read_timeout": self.read_timeout, "waiters": self.waiters_bound,
                "queued": self._jobs.qsize(),
                "in_flight": sum(len(lane.inflight) for lane in list(self._lanes.values())),
                "attempts": self.attempts}

    # -- asking ------------------------------------------------------------------------
    def lane(self, world: World) -> _Lane:
        found = self._lanes.get(world)
        if found is None:
            with self._guard:
                found = self._lanes.get(world)
                if found is None:
                    found = self._lanes[world] = _Lane()
        return found

    def kick(self, world: World) -> None:
        """Have the pool look at this namespace soon. Never blocks, never sends here."""
        if not has_open(world):  # the common case: nothing queued
            return
        lane = self.lane(world)
        with lane.cond:
            if lane.scan_queued:
                return
            lane.scan_queued = True
        self._submit(self._scan, world)

    def wait(self, world: World, done: Callable[[], bool], timeout: float) -> bool:
        """Block until ``done()`` (looked at after each claim and attempt), at most ``timeout`` s."""
        lane = self.lane(world)
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            with lane.cond:
                seen = lane.generation
            if done():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.kick(world)
            with lane.cond:
                if lane.generation == seen:
                    lane.cond.wait(min(remaining, WAKE_EVERY))

    def wait_settled(self, world: World, timeout: float, webhook_id: str | None = None) -> bool:
        """Until nothing due is left unattempted (True), or ``timeout`` seconds (False);
        with ``webhook_id``, of that webhook only."""
        return self.wait(world, lambda: settled(world, webhook_id), timeout)

    def busy(self, world: World, delivery_id: str) -> bool:
        lane = self.lane(world)
        with lane.cond:
            return delivery_id in lane.inflight

    # -- the pool ----------------------------------------------------------------------
    def _submit(self, *job) -> None:
        if len(self._threads) < self.senders:
            with self._guard:
                while len(self._threads) < self.senders:
                    thread = threading.Thread(target=self._work, daemon=True,
                                              name=f"vsee-sim-webhook-{len(self._threads) + 1}")
                    thread.start()
                    self._threads.append(thread)
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            run, *args = self._jobs.get()
            try:
                run(*args)
            except Exception:  # a sender thread must outlive any one bad job
                log.exception("webhook sending failed")

    def _scan(self, world: World) -> None:
        lane = self.lane(world)
        with lane.cond:
            lane.scan_queued = False
        try:
            for delivery, secret in self._claim(world, lane):
                self._jobs.put((self._send, world, delivery, secret))
        finally:
            _moved(lane)

    def _send(self, world: World, delivery: dict, secret: str | None) -> None:
        lane = self.lane(world)
        try:
            self.attempts += 1
            _record(world, delivery["id"], post(delivery, secret, world.name,
                                                self.connect_timeout, self.read_timeout))
        finally:
            with lane.cond:
                lane.inflight.pop(delivery["id"], None)
            _moved(lane)
        self.kick(world)  # its webhook's next delivery may go now

    def _claim(self, world: World, lane: _Lane) -> list[tuple[dict, str | None]]:
        """Each idle webhook's oldest open delivery, if it is due, marked ``sending``."""
        with world.transaction():
            coll = world.sim.get(DELIVERIES)
            if not coll:
                return []
            with lane.cond:
                busy = dict(lane.inflight)
            # ``sending`` with no post in flight here: left by a crash, a restore or an import.
            for stale in coll.find("status", SENDING):
                if stale["id"] not in busy:
                    coll.update(stale["id"], status=PENDING)
            hooks = world.sim.get(WEBHOOKS)
            now = world.clock.ts()
            seen = set(busy.values())  # a webhook with a post in flight waits for it
            claimed = []
            for delivery in coll.find("status", PENDING):
                hook = hooks.get(delivery["webhook_id"]) if hooks else None
                if hook is None:
                    coll.update(delivery["id"], status=FAILED, next_attempt=None,
                                last_error="webhook deleted")
                    continue
                latest = rules.latest_attempt(int(delivery.get("attempts") or 0), now)
                if int(delivery.get("next_attempt") or 0) > latest:  # the clock went back meanwhile
                    delivery = coll.update(delivery["id"], next_attempt=latest)
                if hook["id"] in seen:
                    continue
                seen.add(hook["id"])
                if int(delivery.get("next_attempt") or 0) <= now:
                    claimed.append((coll.update(delivery["id"], status=SENDING), hook.get("secret")))
            with lane.cond:
                for delivery, _ in claimed:
                    lane.inflight[delivery["id"]] = delivery["webhook_id"]
            return claimed


def _moved(lane: _Lane) -> None:
    with lane.cond:
        lane.generation += 1
        lane.cond.notify_all()


DISPATCHER = Dispatcher()  # the process's pool; ``hooks.install`` sizes it from the settings


# -- reading the state (no sending) -------------------------------------------------------------
def has_open(world: World) -> bool:
    """Anything pending or in flight? Cheap (an index count): run after every request."""
    found = world.sim.get(DELIVERIES)
    if not found:
        return False
    try:  # read without the world lock: a writer building the index meanwhile may trip it
        return bool(found.count("status", PENDING) or found.count("status", SENDING))
    except RuntimeError:  # "changed size during iteration": look again, under the lock
        return True


def settled(world: World, webhook_id: str | None = None) -> bool:
    """Nothing is being sent and no webhook's oldest open delivery is due (or mis-scheduled);
    with ``webhook_id``, of that webhook only."""
    with world.lock:
        coll = world.sim.get(DELIVERIES)
        if not coll:
            return True
        if webhook_id is None:
            if coll.count("status", SENDING):
                return False
        elif any(d["webhook_id"] == webhook_id for d in coll.find("status", SENDING)):
            return False
        hooks = world.sim.get(WEBHOOKS)
        now = world.clock.ts()
        seen: set[str] = set()
        for delivery in coll.find("status", PENDING):
            hook_id = delivery["webhook_id"]
            if hook_id in seen or (webhook_id is not None and hook_id != webhook_id):
                continue
            seen.add(hook_id)
            if not hooks or hook_id not in hooks:
                return False  # a scan fails it
            due = int(delivery.get("next_attempt") or 0)
            if due <= now or due > rules.latest_attempt(int(delivery.get("attempts") or 0), now):
                return False
        return True


# -- recording an attempt ---------------------------------------------------------------------
def _record(world: World, delivery_id: str, attempt: dict) -> None:
    with world.transaction():
        coll = world.sim.get(DELIVERIES)
        delivery = coll.get(delivery_id) if coll else None
        if delivery is None or delivery["status"] != SENDING:
            return  # reset, restored or its webhook deleted meanwhile
        now = world.clock.ts()
        attempts = int(delivery.get("attempts") or 0) + 1
        entries = [*delivery.get("log", []), {"at": now, **attempt}][-MAX_LOG:]
        code = attempt.get("status_code")
        changes = {"attempts": attempts, "log": entries, "last_status_code": code,
                   "last_error": attempt.get("error")}
        if code is not None and 200 <= code < 300:
            changes.update(status=DELIVERED, delivered_at=now, next_attempt=None)
        else:
            status, next_attempt = rules.after_failure(attempts, now)
            changes.update(status=status, next_attempt=next_attempt)
        coll.update(delivery_id, **changes)
        if changes["status"] != PENDING:
            _prune(coll, changes["status"])


def _prune(coll, status: str) -> None:
    finished = coll.find("status", status)
    for old in finished[: max(0, len(finished) - MAX_FINISHED)]:
        coll.delete(old["id"])


# -- one post ---------------------------------------------------------------------------------
def post(delivery: dict, secret: str | None, namespace: str, connect_timeout: float = CONNECT_TIMEOUT,
         read_timeout: float = READ_TIMEOUT) -> dict:
    """One attempt: ``{"status_code"}`` or ``{"error"}``, with ``duration_ms`` (wall clock).
    ``posting.py`` makes it, imported by the first (urllib.request: about 320 KiB that a run
    without webhooks never needs)."""
    from vsee_sim.control.events import posting

    return posting.post(delivery, secret, namespace, connect_timeout, read_timeout)
