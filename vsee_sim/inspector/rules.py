"""Pure bits of the inspector: what a clock move did, and small summaries. Values in, values out."""

from __future__ import annotations

from collections.abc import Iterable

CANCELLED = 40
STATUS_NAMES = {10: "pending", 20: "confirmed", 25: "in progress", 30: "completed", 40: "cancelled",
                50: "refunded"}
MAX_EFFECTS = 200  # a move over a huge namespace lists this many, then says how many more


def expired_tokens(tokens: Iterable[dict], before: float, after: float) -> list[dict]:
    """Tokens live at ``before`` whose expiry is at or before ``after`` (expired by the move)."""
    return [t for t in tokens
            if t.get("expiry") is not None and before < float(t["expiry"]) <= after]


def visit_changes(before: dict, after: dict) -> list[tuple]:
    """``(key, old_status, new_status)`` for each visit whose status the move changed.

    ``before``/``after``: ``{(account, visit_id): (status, reason)}``."""
    out = []
    for key, (status, reason) in after.items():
        old = before.get(key)
        if old is not None and old[0] != status:
            out.append((key, old[0], status, reason))
    return sorted(out, key=lambda change: str(change[0]))


def effects(now_before: float, now_after: float, tokens: list[dict], visits: list[tuple],
            deliveries: list[dict]) -> dict:
    """What a clock move did, for the page: a list of ``{kind, text, ...}``, capped."""
    items: list[dict] = []
    grouped: dict[tuple, list[dict]] = {}
    for token in tokens:
        grouped.setdefault((str(token.get("user_id")), token.get("kind", "access")), []).append(token)
    for (user_id, kind), found in grouped.items():
        what = f"{kind} token" if len(found) == 1 else f"{len(found)} {kind} tokens"
        items.append({"kind": "token", "text": f"{what} of user {user_id} expired", "user_id": user_id,
                      "account": found[0].get("account"), "tokens": len(found)})
    for (account, visit_id), old, new, reason in visits:
        why = f" ({reason})" if reason else ""
        items.append({"kind": "visit", "text": f"visit {visit_id} went from {status_name(old)} to "
                      f"{status_name(new)}{why}", "visit_id": visit_id, "account": account,
                      "status": new, "reason": reason})
    for delivery in deliveries:
        text = f"webhook delivery {delivery['id']} ({delivery.get('event')}) {delivery.get('why', 'due')}"
        items.append({"kind": "webhook", "text": text, "delivery_id": delivery["id"],
                      "status": delivery.get("status")})
    return {"from": now_before, "to": now_after, "moved": now_after - now_before,
            "effects": items[:MAX_EFFECTS], "more": max(len(items) - MAX_EFFECTS, 0)}


def status_name(status) -> str:
    try:
        return STATUS_NAMES.get(int(status), str(status))
    except (TypeError, ValueError):
        return str(status)


def delivery_changes(before: dict, after: list[dict], now_before: float, now_after: float) -> list[dict]:
    """Webhook deliveries the move queued (events it caused) or made due again (retries).

    ``before``: ``{delivery_id: (status, attempts, next_attempt)}`` read before the move."""
    out = []
    for delivery in after:
        old = before.get(delivery["id"])
        if old is None:
            out.append({**delivery, "why": f"queued for webhook {delivery.get('webhook_id')}"})
        elif old[0] == "pending" and old[2] is not None and now_before < float(old[2]) <= now_after \
                and int(old[1] or 0) > 0:
            out.append({**delivery, "why": f"due again: retry after {old[1]} attempt(s)"})
    return out
