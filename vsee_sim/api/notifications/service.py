"""Notifications and push endpoints: use cases.

``notify`` is how other areas tell a user of an event (an appointment booked, a visit
started, completed or cancelled, a file shared): it stores the notification the user will
read from ``GET /notifications`` and queues, in the namespace outbox, the push message the
real service would send to each of the user's push endpoints (APNs 30, GCM 40).
"""

from __future__ import annotations

from vsee_sim.core.tenancy import Ctx

PUSH_TYPES = {30: "apns", 40: "gcm"}


def notify(ctx: Ctx, user_id: str | None, kind: str, *, title: str, data: dict | None = None,
           image: str | None = None) -> dict | None:
    """Store a notification for ``user_id`` and queue a push to each of their endpoints."""
    if not user_id or ctx.db.users.get(str(user_id)) is None:
        return None
    now_ms = ctx.clock.ms()
    record = ctx.db.notifications.insert({
        "id": ctx.ids.uuid(), "user_id": str(user_id), "type": kind, "time": now_ms // 1000,
        "mtime": now_ms, "is_new": True, "read": False, "title": title, "image": image,
        "data": dict(data or {}),
    })
    for endpoint in ctx.db.endpoints.find("user_id", str(user_id)):
        channel = PUSH_TYPES.get(int(endpoint.get("type") or 0))
        if channel is None:
            continue
        ctx.world.outbox.insert({
            "id": ctx.ids.uuid(), "channel": "push", "push": channel, "to": endpoint.get("key"),
            "endpoint_id": endpoint["id"], "user_id": str(user_id), "account": ctx.db.code,
            "created": ctx.now, "notification_id": record["id"], "type": kind, "title": title,
            "data": record["data"],
        })
    return record
