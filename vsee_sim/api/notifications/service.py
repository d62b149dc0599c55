"""Notifications and push endpoints: use cases.

``notify`` is how other areas tell a user of an event (an appointment booked, a visit
started, completed or cancelled, a file shared): it stores the notification the user will
read from ``GET /notifications`` and queues, in the namespace outbox, the push message the
real service would send to each of the user's push endpoints (APNs 30, GCM 40).

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, N1-N9):
- Endpoints and notifications are their owner's only: anyone else's id is a 404, for
  staff too. Endpoint types 30 (APNs), 40 (GCM) and 10 (email, as the documented list
  shows; its key must be an email address, it gets no ARN and no push).
- The same ``key`` registered again by the same user updates that endpoint (type, ARN,
  modified) instead of adding one. Other users' endpoints with that key are left alone.
- ``arn`` is a fake SNS endpoint ARN, the same for the same platform, clinic and key.
- ``GET /notifications``: newest first (mtime, then id); ``limit`` 1-100 (default 10);
  ``before`` exclusive; a page never ends inside a group of equal mtimes. ``notify``
  keeps each user's mtimes unique (a tie is bumped by 1 ms). ``time`` is a number.
- The badge counts new (``is_new``) unread notifications; reading one clears both flags,
  resetting the badge clears ``is_new`` on all of the caller's (those whose ``is_new`` is
  true or unset: found by index; an imported record with some other non-false value keeps it).
"""

from __future__ import annotations

import itertools

from vsee_sim.api.notifications import rules
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import NotFound
from vsee_sim.core.tenancy import Ctx

PUSH_TYPES = {rules.APNS: "apns", rules.GCM: "gcm"}


def notify(ctx: Ctx, user_id: str | None, kind: str, *, title: str, data: dict | None = None,
           image: str | None = None) -> dict | None:
    """Store a notification for ``user_id`` and queue a push to each of their endpoints."""
    if not user_id or ctx.db.users.get(str(user_id)) is None:
        return None
    now_ms = ctx.clock.ms()
    # Unique per user, so that paging by ``before`` = the last mtime is exact (N6).
    mtime = rules.unique_mtime(now_ms, _Taken(ctx, str(user_id)))
    record = ctx.db.notifications.insert({
        "id": ctx.ids.uuid(), "user_id": str(user_id), "type": kind, "time": now_ms // 1000,
        "mtime": mtime, "is_new": True, "read": False, "title": title, "image": image,
        "data": dict(data or {}),
    })
    for endpoint in ctx.db.endpoints.find("user_id", str(user_id)):
        channel = PUSH_TYPES.get(_int(endpoint.get("type")))
        if channel is None:
            continue
        ctx.world.outbox.insert({
            "id": ctx.ids.uuid(), "channel": "push", "push": channel, "to": endpoint.get("key"),
            "endpoint_id": endpoint["id"], "user_id": str(user_id), "account": ctx.db.code,
            "created": ctx.now, "notification_id": record["id"], "type": kind, "title": title,
            "data": record["data"],
        })
    return record


class _Taken:
    """The ``mtime``s of a user's notifications, asked one at a time through the ordered
    index (``mtime_of`` order), so a new one costs the same however many the user has."""

    def __init__(self, ctx: Ctx, user_id: str):
        self.notifications, self.user_id = ctx.db.notifications, user_id

    def __contains__(self, ms: object) -> bool:
        if not isinstance(ms, int):
            return False
        below = self.notifications.ordered("user_id", self.user_id, "mtime", below=ms + 1)
        return any(rules.mtime_of(n) == ms for n in itertools.islice(below, 1))


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _own(ctx: Ctx, collection, record_id: str, what: str) -> dict:
    """The caller's record with this id; anyone else's is as unknown as a missing one."""
    user = ctx.require_user()
    record = collection.get(record_id)
    if record is None or str(record.get("user_id")) != user["id"]:
        raise NotFound(f"{what} {record_id} not found.")
    return record


# -- push endpoints ---------------------------------------------------------------------------
def create_endpoint(ctx: Ctx, args: dict) -> dict:
    """Register a device (or email) for the caller; the same key again updates it."""
    user = ctx.require_user()
    type_ = rules.clean_endpoint_type(args.get("type"))
    key = rules.clean_endpoint_key(args.get("key"), type_)
    arn = rules.fake_arn(type_, key, ctx.db.code)
    now = ctx.now
    for endpoint in ctx.db.endpoints.find("user_id", user["id"]):
        if endpoint.get("key") == key:
            return ctx.db.endpoints.update(endpoint["id"], type=type_, arn=arn, modified=now)
    return ctx.db.endpoints.insert({"id": ctx.ids.uuid(), "key": key, "user_id": user["id"], "type": type_,
                                    "arn": arn, "created": now, "modified": now})


def list_endpoints(ctx: Ctx, args: dict) -> list[dict]:
    """The caller's endpoints, oldest first, of one ``type`` if given."""
    user = ctx.require_user()
    endpoints = ctx.db.endpoints.find("user_id", user["id"])
    if args.get("type") is not None:
        wanted = rules.clean_endpoint_type(args["type"])
        endpoints = [e for e in endpoints if _int(e.get("type")) == wanted]
    return endpoints


def show_endpoint(ctx: Ctx, endpoint_id: str) -> dict:
    return _own(ctx, ctx.db.endpoints, endpoint_id, "Endpoint")


def delete_endpoint(ctx: Ctx, endpoint_id: str) -> dict:
    endpoint = _own(ctx, ctx.db.endpoints, endpoint_id, "Endpoint")
    ctx.db.endpoints.delete(endpoint["id"])
    return {"id": endpoint["id"]}


# -- notifications ----------------------------------------------------------------------------
def list_notifications(ctx: Ctx, args: dict) -> list[dict]:
    """The caller's notifications, newest first, ``limit`` of them with mtime < ``before``."""
    user = ctx.require_user()
    newest = ctx.db.notifications.ordered("user_id", user["id"], "mtime", below=args.get("before"))
    return rules.page_of_newest(newest, args.get("limit") or rules.DEFAULT_LIMIT)


def read_notification(ctx: Ctx, notification_id: str) -> dict:
    """Mark one of the caller's notifications read (and no longer new)."""
    record = _own(ctx, ctx.db.notifications, notification_id, "Notification")
    return ctx.db.notifications.update(record["id"], **rules.read_changes())


def badge(ctx: Ctx) -> int:
    user = ctx.require_user()
    return rules.badge_count(ctx.db.notifications.find(("user_id", "is_new"), (user["id"], True)))


def reset_badge(ctx: Ctx) -> bool:
    user = ctx.require_user()
    # only the new ones (is_new true, or never set), by index: not the user's whole history
    found = [n for is_new in (True, None)
             for n in ctx.db.notifications.find(("user_id", "is_new"), (user["id"], is_new))]
    for record in found:
        changes = rules.reset_changes(record)
        if changes:
            ctx.db.notifications.update(record["id"], **changes)
    return True


# -- what visits tell their patient and provider ----------------------------------------
# the event of a visit's new status (VSee's codes: 25 in progress, 30 completed, 40 cancelled, 50 refunded)
VISIT_EVENTS = {25: "visit.started", 30: "visit.completed", 40: "visit.cancelled", 50: "visit.refunded"}
_TITLES = {
    "visit.booked": "Your appointment with {other} is booked",
    "visit.started": "Your visit with {other} has started",
    "visit.completed": "Your visit with {other} is complete",
    "visit.cancelled": "Your visit with {other} was cancelled",
    "visit.refunded": "Your visit with {other} was refunded",
}


def tell_visit(ctx: Ctx, visit: dict, kind: str, actor: dict | None) -> None:
    """Notify the visit's patient and provider of a change (not the one who made it)."""
    member_id, provider_id = visit.get("member_id"), visit.get("provider_id")
    for user_id, other_id in ((member_id, provider_id), (provider_id, member_id)):
        if not user_id or (actor is not None and actor["id"] == user_id):
            continue
        other = ctx.db.users.get(other_id) if other_id else None
        name = users.full_name(other)
        notify(ctx, user_id, kind, title=_TITLES[kind].format(other=name or "the clinic"),
               data={"visit_id": visit["id"], "status": visit.get("status")})
