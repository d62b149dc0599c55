"""Visits: the one visit representation, filled from state (DESIGN decision 10).

The documented examples disagree (add_walkin, GET /visits, GET /visits/current, GET
/visits/:id); every visit is shown with the union of their keys, following the newest
example (GET /visits/:id) where they differ: ids as numeric strings, type, status and
times as numbers. Nothing here is canned: people, room, intake, payment, meeting and
call logs come from the records.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from vsee_sim.api.intakes import service as intakes
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import rules
from vsee_sim.core.tenancy import Ctx

MEETING_TTL = 14400                 # a meeting room outlives the visit's end by 4 h (doc: expiry - end)
PHONE_NUMBERS = {"US": ["+1.650.758.0255"]}


def present(ctx: Ctx, visit: dict) -> dict:
    provider = ctx.db.users.get(visit.get("provider_id")) if visit.get("provider_id") else None
    member = ctx.db.users.get(visit.get("member_id")) if visit.get("member_id") else None
    creator = ctx.db.users.get(visit.get("creator_id") or visit.get("member_id") or "")
    room = ctx.db.rooms.find_one("code", visit.get("room_code")) if visit.get("room_code") else None
    intake = ctx.db.intakes.get(visit.get("intake_id")) if visit.get("intake_id") else None
    related = ctx.db.visits.get(visit.get("related_walkin_id")) if visit.get("related_walkin_id") else None
    out = {
        "id": visit["id"],
        "_id": visit["id"],
        "member_id": visit.get("member_id"),
        "provider_id": visit.get("provider_id"),
        "account_code": ctx.db.code,
        "code": visit.get("code"),
        "start": visit.get("start"),
        "end": visit.get("end"),
        "actual_start": visit.get("actual_start"),
        "actual_end": visit.get("actual_end"),
        "specialty_id": visit.get("specialty_id"),
        "state": visit.get("state"),
        "type": visit.get("type"),
        "subtype": visit.get("subtype", 3),
        "subType": visit.get("subtype", 3),
        "status": visit.get("status"),
        "reason": visit.get("reason"),
        "completed_by": visit.get("completed_by"),
        "room_id": room["id"] if room else None,
        "room_code": visit.get("room_code"),
        "created": visit.get("created"),
        "modified": visit.get("modified"),
        "provider": _person(ctx, provider, provider=True) if provider else None,
        "member": _person(ctx, member) if member else None,
        "more_provider_ids": None,
        "guest_emails": None,
        "guest_mobiles": None,
        "reminder_type": None,
        "reminder_time": None,
        "host_ids": [provider["id"]] if provider else [],
        "hosts": [_host(provider)] if provider else [],
        "creator": _creator(ctx, creator) if creator else None,
        "pending_actions": [],
        "is_test": False,
        "meeting": _meeting(visit, provider),
        "one_time_link_token": visit.get("one_time_link_token"),
        "notify_list": [],
        "payment": _payment(visit.get("payment")),
        "invoice_id": visit.get("invoice_id"),
        "intake_id": visit.get("intake_id"),
        "intake": intakes.present(ctx, intake) if intake else None,
        "related_walkin_id": visit.get("related_walkin_id"),
        "call_logs": _call_logs(visit, provider, member),
        "incharge": False,
        "isEditExpired": False,
        "room": _room(room) if room else None,
        "account": _account(ctx),
        **_prescriptions(ctx, visit),
        "root_visit": {"id": visit["id"], "group_chat_id": None, "participants": None},
    }
    if related is not None:
        out["related_walkin"] = {k: related.get(k) for k in ("start", "end", "status", "id")}
    if visit.get("postvisit") is not None:
        out["postvisit"] = visit["postvisit"]
    return out


def _person(ctx: Ctx, user: dict, *, provider: bool = False) -> dict:
    view = users.user_view(ctx, user)
    keys = ["id", "code", "first_name", "last_name", "username", "vseeid", "email", "photo", "active",
            "title", "suffix", "tos", "phone", "subtype"]
    keys += [] if provider else ["dob", "gender"]
    out = {k: view.get(k) for k in keys}
    out["full_name"] = users.full_name(user)
    return out


def _host(provider: dict) -> dict:
    return {
        "username": provider.get("username") or provider.get("email"),
        "email": provider.get("email"),
        "phone": provider.get("phone") or "",
        "timezone": provider.get("timezone"),
        "vseeid": provider.get("vseeid"),
        "full_name": users.full_name(provider),
        "title": provider.get("title") or "",
        "suffix": provider.get("suffix") or "",
        "id": provider["id"],
        "photo_attachment_id": provider.get("photo") or "",
        "role": "owner",
    }


def _creator(ctx: Ctx, user: dict) -> dict:
    out = {k: user.get(k) for k in ("id", "code", "vseeid", "type", "subtype", "first_name", "last_name")}
    out["account_code"] = ctx.db.code
    return out


def _meeting(visit: dict, provider: dict | None) -> dict:
    meeting = visit.get("meeting") or _fixture_meeting(visit)
    return {
        "recording_auto_start": False,
        "phone_numbers": PHONE_NUMBERS,
        "hosts": [provider.get("email") or provider.get("vseeid")] if provider else [],
        "expiry": int(visit.get("end") or 0) + MEETING_TTL if visit.get("end") else None,
        "conference_pin": meeting.get("conference_pin"),
        "meeting_id": meeting.get("meeting_id"),
    }


def _fixture_meeting(visit: dict) -> dict:
    """A visit loaded from a fixture without a meeting gets one derived from its code (stable)."""
    code = str(visit.get("code") or visit["id"]).ljust(32, "0")
    uuid = f"{code[:8]}-{code[8:12]}-{code[12:16]}-{code[16:20]}-{code[20:32]}"
    return {"meeting_id": f"{int(visit.get('created') or 0) * 1000}_{uuid}__jitsi",
            "conference_pin": 100000 + zlib.crc32(code.encode()) % 900000}


def _payment(payment: dict | None) -> dict:
    payment = payment or {}
    return {
        "duration": payment.get("duration"),
        "amount": payment.get("amount", "0.00"),
        "description": payment.get("description"),
        "id": payment.get("id"),
        **({"paid": payment["paid"]} if "paid" in payment else {}),
    }


def _call_logs(visit: dict, provider: dict | None, member: dict | None) -> dict:
    """Derived from when the call started and ended; nulls for a visit that had no call."""
    start, end = visit.get("actual_start"), visit.get("actual_end")
    ran = start is not None and int(visit.get("status") or 0) in (rules.IN_PROGRESS, rules.COMPLETED)
    duration = int(end) - int(start) if ran and end is not None else None
    waited = max(0, int(start) - int(visit.get("created") or start)) if ran else None
    return {
        "total_start": start if ran else None,
        "total_end": end if ran else None,
        "total_duration": duration,
        "waiting_time": waited,
        "provider_id_1": (provider.get("email") or provider.get("vseeid")) if ran and provider else None,
        "call_start_1": start if ran else None,
        "call_duration_1": duration,
        "wait_time_1": waited,
        "patients": [member.get("vseeid")] if ran and member else [],
        "source": "v2",
        "source_ids": [_meeting(visit, None)["meeting_id"]] if ran else [],
    }


def _room(room: dict) -> dict:
    return {k: room.get(k) for k in ("id", "code", "name", "domain", "account_code", "slug")}


def _account(ctx: Ctx) -> dict:
    meta = ctx.db.meta
    return {
        "code": ctx.db.code,
        "name": meta.get("name"),
        "domain": meta.get("domain"),
        "vsee_api": {"meeting": {"enabled": True, "guest_invite_enabled": True,
                                 "adhoc_group_call": {"disabled": True}}},
    }


def _prescriptions(ctx: Ctx, visit: dict) -> dict:
    """The member's eRx prescriptions (as stored): those dated before the visit's day, and those
    its provider wrote from that day on (``prescriptions``)."""
    before, during = [], []
    member_id = visit.get("member_id")
    day = _day(visit.get("actual_start") or visit.get("start"))
    for record in ctx.db.prescriptions.find("user_id", member_id) if member_id else []:
        shown = {k: v for k, v in record.items() if k not in ("id", "user_id")}
        written = str(record.get("PrescriptionDate") or "")[:10]
        if day is None or written < day:
            before.append(shown)
        elif str(record.get("PrescriberId")) == str(visit.get("provider_id")):
            during.append(shown)
    return {"prescriptionsBeforeVisit": before, "prescriptions": during}


def _day(ts) -> str | None:
    """The UTC date of a unix time as ISO text (eRx dates are "2016-03-09T00:00:00")."""
    try:
        return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%d")
    except (TypeError, ValueError, OverflowError, OSError):
        return None
