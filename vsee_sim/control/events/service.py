"""/_sim events: the outbox, webhooks, and the sending of their deliveries.

Webhooks (DESIGN decision 13). ``core.events.publish`` queues one delivery per webhook
that wants an event, inside the request's transaction (a failed request queues
nothing). ``deliver_due`` sends what is due, after the transaction has committed:

- Due deliveries are claimed under the world lock (status ``sending``), posted with the
  lock released (a receiver may call the simulator back while it handles the post), and
  their outcome recorded in a transaction of its own.
- One thread at a time sends for a namespace. A caller that finds another thread sending
  leaves a note and returns at once; the sender goes round again before it stops. So a
  receiver calling back never waits on the delivery it is handling, and two threads
  never send the same delivery or reorder two.
- Strict order per webhook: only a webhook's oldest open delivery may be sent, so a
  receiver sees a visit's transitions in order even across retries.
- A failed attempt (not 2xx, redirects included, or no answer within 3 s) waits
  ``rules.backoff`` on the NAMESPACE clock: moving the clock past it (``/_sim/clock``)
  sends the retry at once, with no sleep. After ``rules.MAX_ATTEMPTS`` it is failed.
  When the clock goes back, a delivery scheduled later than one backoff from the new now
  is brought back to that (``rules.latest_attempt``), so it cannot wait for the old time.

Fidelity limits: the real service's payload, headers, signing and retry schedule are not
public. Ours are documented in docs/sim/events.md. Sending is sequential per namespace,
so one slow receiver delays the others of its namespace (by 3 s at most per attempt).
At most ``MAX_FINISHED`` delivered (and as many failed) deliveries are kept per namespace.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import threading
import time
import urllib.error
import urllib.request
import weakref
from urllib.parse import urlsplit

from vsee_sim import __version__
from vsee_sim.control.events import rules
from vsee_sim.control.state import hooks as time_rules
from vsee_sim.core.errors import BadRequest, Conflict, NotFound
from vsee_sim.core.events import DELIVERIES, WEBHOOKS
from vsee_sim.core.store import World

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
STATUSES = (PENDING, SENDING, DELIVERED, FAILED)
CHANNELS = ("email", "push")
TIMEOUT = 3.0
MAX_WEBHOOKS = 50
MAX_FINISHED = 1000
MAX_LOG = 50
MAX_LIMIT = 1000


# -- outbox -----------------------------------------------------------------------------------
def outbox(world: World, to: str | None = None, template: str | None = None,
           channel: str | None = None, user_id: str | None = None) -> list[dict]:
    """What the real service would have sent (emails, pushes), newest first."""
    if channel and channel not in CHANNELS:
        raise BadRequest.field("channel", f"one of {', '.join(CHANNELS)}.")
    items = world.outbox.all()
    if to:
        items = [m for m in items if (m.get("to") or "").lower() == to.strip().lower()]
    if template:
        items = [m for m in items if m.get("template") == template]
    if channel:
        items = [m for m in items if m.get("channel") == channel]
    if user_id:
        items = [m for m in items if str(m.get("user_id")) == user_id.strip()]
    return list(reversed(items))


def clear_outbox(world: World) -> bool:
    world.outbox.clear()
    return True


# -- webhooks ---------------------------------------------------------------------------------
def create_webhook(world: World, args: dict) -> dict:
    url = (args.get("url") or "").strip()
    why = rules.bad_url(url)
    if why:
        raise BadRequest.field("url", why)
    events = args.get("events")
    if events is None:
        events = ["*"]
    events = list(dict.fromkeys(e.strip() for e in events))
    if not events:
        raise BadRequest.field("events", "give at least one event name or pattern ('*' for every event).")
    for pattern in events:
        why = rules.bad_pattern(pattern)
        if why:
            raise BadRequest.field("events", why)
    account = (args.get("account") or "").strip() or None
    if account and account not in world.accounts:
        raise BadRequest.field("account", f"no account {account} in this namespace.")
    hooks = world.sim_collection(WEBHOOKS)
    if len(hooks) >= MAX_WEBHOOKS:
        raise BadRequest.field("url", f"a namespace has at most {MAX_WEBHOOKS} webhooks: delete one.")
    # What was already due is settled first, so a new webhook hears only what happens from
    # now on (the demo's 2016 walk-ins are long past the max wait; a read would cancel them).
    time_rules.tick(world)
    record = {"id": world.ids.uuid(), "url": url, "events": events, "account": account,
              "created": world.clock.ts()}
    if args.get("secret"):
        record["secret"] = args["secret"]
    return hooks.insert(record)


def webhooks(world: World) -> list[dict]:
    found = world.sim.get(WEBHOOKS)
    return found.all() if found else []


def get_webhook(world: World, webhook_id: str) -> dict:
    found = world.sim.get(WEBHOOKS)
    hook = found.get(webhook_id) if found else None
    if hook is None:
        raise NotFound(f"Webhook {webhook_id} not found.")
    return hook


def delete_webhook(world: World, webhook_id: str) -> bool:
    """Forget a webhook; what it had not received yet is failed, never sent."""
    get_webhook(world, webhook_id)
    world.sim[WEBHOOKS].delete(webhook_id)
    deliveries = world.sim.get(DELIVERIES)
    for delivery in deliveries.find("webhook_id", webhook_id) if deliveries else ():
        if delivery["status"] in (PENDING, SENDING):
            deliveries.update(delivery["id"], status=FAILED, next_attempt=None, last_error="webhook deleted")
    return True


# -- deliveries -------------------------------------------------------------------------------
def deliveries(world: World, args: dict) -> list[dict]:
    """Newest first, filtered by webhook, event and status; ``limit`` of them."""
    status = args.get("status")
    if status and status not in STATUSES:
        raise BadRequest.field("status", f"one of {', '.join(STATUSES)}.")
    limit = args.get("limit")
    limit = 100 if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest.field("limit", f"between 1 and {MAX_LIMIT}.")
    found = world.sim.get(DELIVERIES)
    if not found:
        return []
    items = found.find("webhook_id", args["webhook_id"]) if args.get("webhook_id") else found.all()
    out = []
    event = args.get("event")
    for delivery in reversed(items):
        if (event and delivery["event"] != event) or (status and delivery["status"] != status):
            continue
        out.append(delivery)
        if len(out) >= limit:
            break
    return out


def get_delivery(world: World, delivery_id: str) -> dict:
    found = world.sim.get(DELIVERIES)
    delivery = found.get(delivery_id) if found else None
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} not found.")
    return delivery


def retry(world: World, delivery_id: str) -> dict:
    """Send a delivery again now, whatever its status; older open ones of its webhook go
    first (order is kept). Answers the delivery as it stands after the attempt.

    The attempt counts: a delivery that had used all its attempts and fails again is
    failed again; a pending one that fails keeps backing off.
    """
    with world.transaction():
        delivery = get_delivery(world, delivery_id)
        if delivery["status"] == SENDING:
            raise Conflict(f"Delivery {delivery_id} is being sent now.")
        hooks = world.sim.get(WEBHOOKS)
        if not hooks or delivery["webhook_id"] not in hooks:
            raise Conflict(f"Delivery {delivery_id}'s webhook was deleted.")
        now = world.clock.ts()
        coll = world.sim[DELIVERIES]
        for older in coll.find("webhook_id", delivery["webhook_id"]):
            if older["id"] == delivery_id:
                break
            if older["status"] == PENDING:
                coll.update(older["id"], next_attempt=now)
        coll.update(delivery_id, status=PENDING, next_attempt=now, delivered_at=None)
    deliver_due(world)
    return get_delivery(world, delivery_id)


# -- sending ----------------------------------------------------------------------------------
class _Sender:
    """Who sends for one namespace: at most one thread, which goes round again when asked."""

    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.busy = False
        self.again = False


_senders: weakref.WeakKeyDictionary[World, _Sender] = weakref.WeakKeyDictionary()
_senders_guard = threading.Lock()


def _sender(world: World) -> _Sender:
    with _senders_guard:
        found = _senders.get(world)
        if found is None:
            found = _senders[world] = _Sender()
        return found


def has_open(world: World) -> bool:
    """Anything pending or in flight? Cheap (an index count): run after every request."""
    found = world.sim.get(DELIVERIES)
    if not found:
        return False
    try:  # read without the world lock: a writer building the index meanwhile may trip it
        return bool(found.count("status", PENDING) or found.count("status", SENDING))
    except RuntimeError:  # "changed size during iteration": look again, under the lock
        return True


def deliver_due(world: World) -> int:
    """Send every delivery of the namespace that is due, in order; the number sent (any outcome).

    Never called with the world lock held (that would hold it through the posts): a
    caller inside a transaction leaves the sending to the request's after-commit hook.
    """
    if not has_open(world):
        return 0
    is_owned = getattr(world.lock, "_is_owned", None)
    if is_owned is not None and is_owned():
        return 0
    sender = _sender(world)
    with sender.guard:
        if sender.busy:
            sender.again = True
            return 0
        sender.busy = True
    sent = 0
    try:
        while True:
            batch = _claim(world)
            while batch:
                for delivery, secret in batch:
                    _record(world, delivery["id"], _post(world, delivery, secret))
                    sent += 1
                batch = _claim(world)
            with sender.guard:
                if not sender.again:
                    sender.busy = False
                    return sent
                sender.again = False
    except BaseException:
        with sender.guard:
            sender.busy = sender.again = False
        raise


def _claim(world: World) -> list[tuple[dict, str | None]]:
    """Each webhook's oldest open delivery, if it is due, marked ``sending``."""
    with world.transaction():
        coll = world.sim.get(DELIVERIES)
        if not coll:
            return []
        # Only the sender posts, and it is us: a ``sending`` one is left from a crash or a restore.
        for stale in coll.find("status", SENDING):
            coll.update(stale["id"], status=PENDING)
        hooks = world.sim.get(WEBHOOKS)
        now = world.clock.ts()
        seen: set[str] = set()
        claimed = []
        for delivery in coll.find("status", PENDING):
            hook = hooks.get(delivery["webhook_id"]) if hooks else None
            if hook is None:
                coll.update(delivery["id"], status=FAILED, next_attempt=None, last_error="webhook deleted")
                continue
            latest = rules.latest_attempt(int(delivery.get("attempts") or 0), now)
            if int(delivery.get("next_attempt") or 0) > latest:  # the clock went back meanwhile
                delivery = coll.update(delivery["id"], next_attempt=latest)
            if hook["id"] in seen:
                continue
            seen.add(hook["id"])
            if int(delivery.get("next_attempt") or 0) <= now:
                claimed.append((coll.update(delivery["id"], status=SENDING), hook.get("secret")))
        return claimed


def _record(world: World, delivery_id: str, attempt: dict) -> None:
    with world.transaction():
        coll = world.sim.get(DELIVERIES)
        delivery = coll.get(delivery_id) if coll else None
        if delivery is None or delivery["status"] != SENDING:
            return  # reset, restored or its webhook deleted meanwhile
        now = world.clock.ts()
        attempts = int(delivery.get("attempts") or 0) + 1
        log = [*delivery.get("log", []), {"at": now, **attempt}][-MAX_LOG:]
        code = attempt.get("status_code")
        changes = {"attempts": attempts, "log": log, "last_status_code": code,
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: a failed attempt, as most webhook senders count it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
_VIA_ENV_PROXY = urllib.request.build_opener(_NoRedirect)


def _post(world: World, delivery: dict, secret: str | None) -> dict:
    """One attempt: ``{"status_code"}`` or ``{"error"}``, with ``duration_ms`` (wall clock)."""
    body = json.dumps(delivery["payload"], separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": f"vsee-sim/{__version__}",
        "X-Sim-Event": delivery["event"], "X-Sim-Delivery": delivery["id"], "X-Sim-Namespace": world.name,
        "X-Sim-Attempt": str(int(delivery.get("attempts") or 0) + 1),
    }
    if secret:
        headers["X-Sim-Signature"] = rules.signature(secret, body)
    url = delivery["url"]
    opener = _DIRECT if _loopback(url) else _VIA_ENV_PROXY
    outcome: dict = {}
    started = time.perf_counter()
    try:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with opener.open(request, timeout=TIMEOUT) as response:
            response.read(65536)
            outcome["status_code"] = response.status
    except urllib.error.HTTPError as exc:
        outcome["status_code"] = exc.code
        exc.close()
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        outcome["error"] = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    outcome["duration_ms"] = round((time.perf_counter() - started) * 1000)
    return outcome


def _loopback(url: str) -> bool:
    """A receiver on this machine is never reached through a proxy of the environment."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
