"""Notifications and push endpoints: pure rules (values in, decisions out).

- ``newest_first`` / ``page``: the order of ``GET /notifications`` and its ``limit`` +
  ``before`` paging. ``before`` is exclusive (only ``mtime < before``). So that a client
  paging with ``before`` = the last item's ``mtime`` never skips nor repeats one, a page
  never ends inside a group of equal ``mtime``s: it is extended to the end of the group
  (a page may then hold more than ``limit``). ``notify`` keeps a user's ``mtime``s unique
  (``unique_mtime``), so this only happens with imported or hand-made records.
- ``badge_count``: new (``is_new``) and unread notifications; ``read`` and ``reset``
  are the changes ``PUT /notifications/:id`` and ``POST /notifications/badge`` make.
- ``clean_endpoint_type`` / ``clean_endpoint_key`` / ``fake_arn``: push endpoints.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Container, Iterable

from vsee_sim.core.collection import number
from vsee_sim.core.errors import BadRequest

DEFAULT_LIMIT, MAX_LIMIT = 10, 100
EMAIL, APNS, GCM = 10, 30, 40
ENDPOINT_TYPES = {EMAIL: None, APNS: "APNS", GCM: "GCM"}   # type -> SNS platform (email has none)
MAX_KEY_LENGTH = 4096   # an FCM registration id is ~160 characters; APNs tokens 64 hex
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# uuid5 namespace of the fake SNS endpoint ids: the same device key gives the same ARN.
_ARN_NS = uuid.UUID("6f1c3d2e-5a4b-4c8d-9e0f-1a2b3c4d5e6f")


# -- paging -------------------------------------------------------------------------------------
def mtime_of(record: dict) -> int:
    """A record's ``mtime`` as an int (0 for a missing or malformed one: never a 500); the
    same number the store's ordered index sorts by (``collection.number``)."""
    return number(record.get("mtime"))


def _order_key(record: dict) -> tuple[int, str]:
    return mtime_of(record), str(record.get("id"))


def newest_first(records: Iterable[dict]) -> list[dict]:
    """By ``mtime`` descending, ties by ``id`` descending: one total order."""
    return sorted(records, key=_order_key, reverse=True)


def page(records: Iterable[dict], limit: int = DEFAULT_LIMIT, before: int | None = None) -> list[dict]:
    """The ``limit`` newest records with ``mtime < before``, plus any that tie the last one's ``mtime``."""
    return page_of_newest(newest_first(r for r in records if before is None or mtime_of(r) < before), limit)


def page_of_newest(newest: Iterable[dict], limit: int = DEFAULT_LIMIT) -> list[dict]:
    """``page`` of records already newest first (``newest_first``'s order) and below ``before``:
    reads only as far as the page and its ties, so a page costs the same for any history."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chosen: list[dict] = []
    for record in newest:
        if len(chosen) >= limit and mtime_of(record) != mtime_of(chosen[-1]):
            break
        chosen.append(record)
    return chosen


def unique_mtime(now_ms: int, taken: Container[int]) -> int:
    """``now_ms``, or the first later ms not already one of the user's ``mtime``s."""
    mtime = now_ms
    while mtime in taken:
        mtime += 1
    return mtime


# -- badge --------------------------------------------------------------------------------------
def counts_for_badge(record: dict) -> bool:
    return record.get("is_new") is True and record.get("read") is not True


def badge_count(records: Iterable[dict]) -> int:
    """How many notifications are new and unread."""
    return sum(1 for r in records if counts_for_badge(r))


def read_changes() -> dict:
    """What marking a notification read changes: it is read and no longer new."""
    return {"read": True, "is_new": False}


def reset_changes(record: dict) -> dict:
    """What resetting the badge changes in one notification (nothing if it is not new)."""
    return {"is_new": False} if record.get("is_new") is not False else {}


# -- endpoints ----------------------------------------------------------------------------------
def clean_endpoint_type(value: int | None) -> int:
    if value is None:
        raise BadRequest.missing("type")
    if value not in ENDPOINT_TYPES:
        raise BadRequest.field("type", "use 30 (Apple Push Notification), 40 (Google Cloud Messaging) "
                                       "or 10 (email).")
    return value


def clean_endpoint_key(value: str | None, type_: int) -> str:
    if value is None or not value.strip():
        raise BadRequest.missing("key")
    key = value.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise BadRequest.field("key", f"at most {MAX_KEY_LENGTH} characters.")
    if any(ch.isspace() for ch in key) or not key.isprintable():
        raise BadRequest.field("key", "a device token or registration id has no spaces or control "
                                      "characters.")
    if type_ == EMAIL and not _EMAIL.match(key):
        raise BadRequest.field("key", "an email endpoint's key is an email address.")
    return key


def fake_arn(type_: int, key: str, account: str) -> str | None:
    """A deterministic SNS endpoint ARN, shaped like the documented one (None for email)."""
    platform = ENDPOINT_TYPES.get(type_)
    if platform is None:
        return None
    endpoint = uuid.uuid5(_ARN_NS, f"{platform}:{account}:{key}")
    return f"arn:aws:sns:us-west-2:048881245029:endpoint/{platform}/com.vsee.clinic.{account}/{endpoint}"
