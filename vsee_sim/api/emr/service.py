"""EMR: a patient's medical record, section by section; the view visits embed.

Other areas use ``patient_of`` (who may see a patient's records: eRx too) and
``medical_profile`` (the record as the intake inside GET /visits/:id shows it).

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, E1-E7):
- Only patients (200) and guests (600) have a record; another user type is a 400 naming ``id``.
- Access: the patient; a provider of a room the patient has a visit in; staff (100/160).
- A section is checked against the documented example's shape (``GET /emr/schema``,
  our own addition): unknown keys are refused, not stored.
- ``GET /users/:id/emr`` shows the sections saved so far (``{}`` for none), each with
  ``data_not_reported`` beside the documented keys; ``modified_by`` is ``{}`` when the
  user who saved it no longer exists (the documented ``conditions`` shows ``{}``).
- The POST answers the saved section, not the documented body (which is another section's).
- ``usec`` is 0 in the embedded ``modified``/``created``: the clock counts seconds.
"""

from __future__ import annotations

import hashlib

from vsee_sim.api.emr import rules
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound
from vsee_sim.core.tenancy import Ctx


# -- use cases ------------------------------------------------------------------------
def read_emr(ctx: Ctx, user_id: str) -> dict:
    """GET /users/:id/emr."""
    patient = patient_of(ctx, user_id, "medical records")
    record = ctx.db.emr.get(patient["id"]) or {}
    return {name: section_view(ctx, record[name]) for name in rules.SECTION_NAMES
            if isinstance(record.get(name), dict)}


def save_section(ctx: Ctx, user_id: str, name: str, args: dict) -> dict:
    """POST /users/:id/emr/:name: replace one section; the saved section."""
    patient = patient_of(ctx, user_id, "medical records")
    section = rules.section(name)
    data, not_reported = rules.clean_entry(section, args)
    now = ctx.now
    entry = {"data": data, "data_not_reported": not_reported, "modified": now,
             "modified_by": ctx.require_user()["id"]}
    record = ctx.db.emr.get(patient["id"])
    if record is None:
        ctx.db.emr.insert({"id": patient["id"], "user_id": patient["id"], section.name: entry,
                           "created": now, "modified": now})
    else:
        ctx.db.emr.update(record["id"], **{section.name: entry, "modified": now})
    return section_view(ctx, entry)


def emr_schema(ctx: Ctx) -> dict:
    """GET /emr/schema (DESIGN decision 9)."""
    return rules.json_schema()


# -- for other areas --------------------------------------------------------------------
def patient_of(ctx: Ctx, user_id: str, what: str) -> dict:
    """The patient ``user_id`` names (``-``: the caller), if the caller may see their ``what`` (plural).

    404 unknown user; 400 (naming ``id``) a user who is not a patient or guest; 403
    unless the caller is that patient, staff, or a provider of a room the patient has
    a visit in.
    """
    caller = ctx.require_user()
    wanted = ctx.user_id(user_id)
    patient = ctx.db.users.get(wanted)
    if patient is None:
        raise NotFound(f"User {wanted} not found.")
    if not users.is_patient(patient):
        raise BadRequest.field("id", f"user {patient['id']} is not a patient: "
                                     f"{what} belong to patients only.")
    if not may_see_patient(ctx, caller, patient):
        raise Forbidden(f"You may not access the {what} of user {patient['id']}.")
    return patient


def may_see_patient(ctx: Ctx, caller: dict, patient: dict) -> bool:
    if users.is_staff(caller):
        return True
    if users.is_patient(caller):
        return caller["id"] == patient["id"]
    if users.is_provider(caller):
        return rooms.seen_in_provider_rooms(ctx, patient["id"], caller["id"])
    return False


def medical_profile(ctx: Ctx, member_id: str | None) -> dict | None:
    """The member's record as the intake inside GET /visits/:id embeds it (None if none).

    ``_id`` (a MongoDB id in the doc), ``user_id``, each saved section with ``data``,
    ``modified``, ``modifiedBy`` (the full name) and ``modified_by``, and the record's
    ``modified``/``created`` as ``{sec, usec}``.
    """
    record = ctx.db.emr.get(member_id) if member_id not in (None, "") else None
    if record is None:
        return None
    created = int(record.get("created") or 0)
    modified = int(record.get("modified") or created)
    view: dict = {"_id": record.get("_id") or _object_id(record, created),
                  "user_id": str(record.get("user_id") or record["id"])}
    for name in rules.SECTION_NAMES:
        entry = record.get(name)
        if isinstance(entry, dict):
            section = section_view(ctx, entry)
            by = section["modified_by"]
            view[name] = {"data": section["data"], "data_not_reported": section["data_not_reported"],
                          "modified": section["modified"],
                          "modifiedBy": users.full_name(by),
                          "modified_by": by}
    view["modified"] = {"sec": modified, "usec": 0}
    view["created"] = {"sec": created, "usec": 0}
    return view


# -- views ------------------------------------------------------------------------------
def section_view(ctx: Ctx, entry: dict) -> dict:
    """A stored section: ``data``, ``data_not_reported``, ``modified``, ``modified_by`` (the user)."""
    return {"data": entry.get("data"), "data_not_reported": bool(entry.get("data_not_reported")),
            "modified": entry.get("modified"), "modified_by": modifier_view(ctx, entry.get("modified_by"))}


def modifier_view(ctx: Ctx, user_id) -> dict:
    """The documented ``modified_by`` object; ``{}`` for a user who no longer exists."""
    user = ctx.db.users.get(user_id) if user_id not in (None, "") else None
    if user is None:
        return {}
    return {"id": user["id"], "type": str(user.get("type") or ""), "subtype": user.get("subtype") or "",
            "first_name": user.get("first_name") or "", "last_name": user.get("last_name") or "",
            "title": user.get("title") or "", "Suffix": user.get("suffix") or "",
            "photo": users.user_view(ctx, user).get("photo") or ""}


def _object_id(record: dict, created: int) -> str:
    """24 hex, as a MongoDB id: the creation time, then a digest of the user id (stable).

    The documented ``553ea41e...`` starts with 1430168606, the record's creation time.
    """
    digest = hashlib.sha1(str(record["id"]).encode()).hexdigest()[:16]
    return f"{created & 0xFFFFFFFF:08x}{digest}"
