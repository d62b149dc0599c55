"""/_sim events: the outbox, webhooks and their delivery log.

Webhooks (DESIGN decision 13). ``core.events.publish`` queues one delivery per webhook
that wants an event, inside the request's transaction (a failed request queues
nothing). Sending is ``sending.py``'s: after the transaction commits, a pool of sender
threads posts what is due, never the request's thread, so no API response waits for a
receiver.

- Strict order per webhook: only a webhook's oldest open delivery may be sent, one at a
  time, so a receiver sees a visit's transitions in order even across retries.
- A failed attempt (not 2xx, redirects included, no connection within 2 s, or no answer
  within 3 s of reading) waits ``rules.backoff`` on the NAMESPACE clock: moving the
  clock past it (``/_sim/clock``) kicks the pool, with no sleep. After
  ``rules.MAX_ATTEMPTS`` it is failed. When the clock goes back, a delivery scheduled
  later than one backoff from the new now is brought back to that
  (``rules.latest_attempt``), so it cannot wait for the old time.
- What was sent is read from the delivery log; ``wait`` (seconds) blocks the read until
  nothing due is left unattempted (``sending.wait_settled``).

Fidelity limits: the real service's payload, headers, signing and retry schedule are not
public. Ours are documented in docs/sim/events.md. At most ``MAX_FINISHED`` delivered
(and as many failed) deliveries are kept per namespace.
"""

from __future__ import annotations

from vsee_sim.control.events import rules
from vsee_sim.control.events.sending import DISPATCHER, MAX_FINISHED, PENDING, SENDING, settled
from vsee_sim.control.state import hooks as time_rules
from vsee_sim.core.errors import ApiError, BadRequest, Conflict, NotFound
from vsee_sim.core.events import DELIVERIES, WEBHOOKS
from vsee_sim.core.store import World

DELIVERED, FAILED = "delivered", "failed"
STATUSES = (PENDING, SENDING, DELIVERED, FAILED)
CHANNELS = ("email", "push")
MAX_WEBHOOKS = 50
MAX_LIMIT = 1000
MAX_WAIT = 60           # seconds a read of the delivery log may wait
RETRY_WAIT = 15         # seconds a retry waits for its attempt before answering it as it stands

__all__ = ["MAX_FINISHED", "create_webhook", "deliveries", "get_delivery", "outbox", "retry", "settled"]


class WaitersBusy(ApiError):
    status = 503
    default_message = ("Too many requests are waiting for webhook deliveries: retry in a second "
                       "(the pytest plugin's deliveries() does).")


# -- outbox -----------------------------------------------------------------------------------
def outbox(world: World, to: str | None = None, template: str | None = None,
           channel: str | None = None, user_id: str | None = None) -> list[dict]:
    """What the real service would have sent (emails, pushes), newest first."""
    if channel and channel not in CHANNELS:
        raise BadRequest.field("channel", f"one of {', '.join(CHANNELS)}.")
    with world.lock:  # by an index when a filter has one: not every message ever sent
        if to and to.strip():
            items = world.outbox.find("to", to.strip().lower(), fold=True)
        elif user_id and user_id.strip():
            items = world.outbox.find("user_id", user_id.strip())
        elif template:
            items = world.outbox.find("template", template)
        else:
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
    """Newest first, filtered by webhook, event and status; ``limit`` of them.

    ``wait`` (0-60 s): first wait until nothing due is left unattempted (what a request
    caused has been posted and its outcome logged), or the time is up; with
    ``webhook_id``, for that webhook's deliveries only.
    """
    status = args.get("status")
    if status and status not in STATUSES:
        raise BadRequest.field("status", f"one of {', '.join(STATUSES)}.")
    limit = args.get("limit")
    limit = 100 if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest.field("limit", f"between 1 and {MAX_LIMIT}.")
    wait = args.get("wait")
    if wait is not None:
        if not 0 <= wait <= MAX_WAIT:
            raise BadRequest.field("wait", f"seconds between 0 and {MAX_WAIT}.")
        if wait:
            with DISPATCHER.waiting_place() as placed:
                if not placed:
                    raise WaitersBusy(headers={"Retry-After": "1"})
                DISPATCHER.wait_settled(world, wait, args.get("webhook_id") or None)
    with world.lock:
        found = world.sim.get(DELIVERIES)
        if not found:
            return []
        # newest first, lazily: a page reads as far as the page
        items = found.find_newest("webhook_id", args["webhook_id"]) if args.get("webhook_id") \
            else found.newest()
        out = []
        event = args.get("event")
        for delivery in items:
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
    first (order is kept). Answers the delivery once the attempt is logged (the sender
    pool makes it; at most ``RETRY_WAIT`` s, else as it stands: ``pending`` or ``sending``).

    The attempt counts: a delivery that had used all its attempts and fails again is
    failed again; a pending one that fails keeps backing off.
    """
    with world.transaction():
        delivery = get_delivery(world, delivery_id)
        if delivery["status"] == SENDING and DISPATCHER.busy(world, delivery_id):
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
        before = int(delivery.get("attempts") or 0)

    def attempted() -> bool:
        with world.lock:
            found = world.sim.get(DELIVERIES)
            current = found.get(delivery_id) if found else None
        return current is None or (current["status"] != SENDING
                                   and int(current.get("attempts") or 0) > before)

    DISPATCHER.kick(world)
    with DISPATCHER.waiting_place() as placed:
        if placed:  # else answered as it stands, like a wait that ran out
            DISPATCHER.wait(world, attempted, RETRY_WAIT)
    return get_delivery(world, delivery_id)
