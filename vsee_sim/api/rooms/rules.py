"""Rooms: pure rules (values and now in, decisions out).

What a room's slug, code, name and domain may be, the record a new room starts as, and
the working hours a provider gets on joining a room (docs/fidelity.md R3-R5, R12).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vsee_sim.core.errors import BadRequest

SLUG_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?$")
NAME_MAX = 255
GENERATED_CODE_LENGTH = 5

DEFAULT_TIMEZONE = "America/Los_Angeles"
DEFAULT_SUBTITLE = "If this is an emergency, please call 911."
CLOSE_MSG = "Service currently not available. Please check back later"
PAYMENT_NOTE = "paymentCurrency will be deprecated by 1 Jun 2017"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKEND = ("sat", "sun")
WORKING_HOURS = ("09:00", "17:00")


def clean_slug(value: str | None) -> str:
    """A slug goes in URLs: 1-64 letters, digits, '-' or '_'."""
    slug = (value or "").strip()
    if not slug:
        raise BadRequest.field("slug", "must not be blank.")
    if not SLUG_RE.match(slug):
        raise BadRequest.field("slug", "use 1-64 letters, digits, '-' or '_' (it is part of the room's URL).")
    return slug


def slug_from(text: str) -> str:
    """A slug for a room the client named but did not slug (the documented table has no slug row)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text.strip()).strip("-")[:64]
    return slug or "room"


def clean_code(value: str | None) -> str:
    """A room code given by the client: 1-32 letters, digits, '-' or '_'."""
    code = (value or "").strip()
    if not code:
        raise BadRequest.field("code", "must not be blank (leave it out to get a generated code).")
    if not CODE_RE.match(code):
        raise BadRequest.field("code", "use 1-32 letters, digits, '-' or '_'.")
    return code


def clean_name(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise BadRequest.field("name", "must not be blank.")
    if len(name) > NAME_MAX:
        raise BadRequest.field("name", f"use at most {NAME_MAX} characters.")
    return name


def clean_domain(value: str | None) -> str:
    """The clinic's host name, as in the documented example (``vclinic.vsee.me``)."""
    domain = (value or "").strip()
    if not domain:
        raise BadRequest.field("domain", "must not be blank.")
    if not DOMAIN_RE.match(domain):
        raise BadRequest.field(
            "domain", "give a host name such as vclinic.vsee.me (no scheme, path or spaces).")
    return domain


def same_key(a: str | None, b: str | None) -> bool:
    """Codes and slugs are unique without regard to case (VSee runs on MySQL)."""
    return (a or "").strip().lower() == (b or "").strip().lower()


def new_room(*, room_id: str, code: str, slug: str, name: str, domain: str, account_code: str,
             provider_ids: Iterable[str], consultation_id: str, now: int, default: bool) -> dict:
    """The record a room created by POST /rooms starts as (the documented example's values)."""
    return {
        "id": room_id, "code": code, "slug": slug, "name": name, "domain": domain,
        "account_code": account_code, "active": True, "provider_ids": list(provider_ids),
        "public_access_room": True, "default": default, "description": "",
        "subtitle": DEFAULT_SUBTITLE,
        "specialties": [{"code": "general_care", "name": "Default", "duration": 15}],
        "visits": {"walkin": {"enabled": True}, "appointment": {"enabled": False}},
        "auth": {"guest": {"type": 600, "log_in": {"enabled": True}}},
        "operation_settings": {
            "is_closed": False, "close_msg": CLOSE_MSG, "default_timezone": DEFAULT_TIMEZONE,
        },
        "payment": {
            "currency": "USD",
            "consultations": [{
                "id": consultation_id, "description": "15-min Consultation", "duration": 15, "amount": 0,
                "group": False, "charge": False, "slots": 1, "visible_to_patient": True, "currency": "USD",
            }],
        },
        "created": now, "modified": now,
    }


def default_weekly() -> dict[str, list[list[str]]]:
    """Working hours a provider gets on joining a room: Mon-Fri 09:00-17:00."""
    weekly: dict[str, list[list[str]]] = {day: [list(WORKING_HOURS)] for day in WEEKDAYS}
    weekly.update({day: [] for day in WEEKEND})
    return weekly


def schedule_timezone(provider_tz: str | None, room: dict) -> str:
    """The provider's own timezone, else the room's default one."""
    return provider_tz or (room.get("operation_settings") or {}).get("default_timezone") or DEFAULT_TIMEZONE


def sec_usec(ts: int | float | None) -> dict | None:
    """A timestamp as the MongoDate object of the documented POST /users/:id/rooms example."""
    if ts is None:
        return None
    sec = int(ts)
    return {"sec": sec, "usec": min(int(round((float(ts) - sec) * 1_000_000)), 999_999)}
