"""eRx: a patient's prescriptions (seeded) and saved pharmacies.

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, E1 and E8-E11):
- Access as for the EMR (``emr.service.patient_of``): the patient, a provider of a room
  the patient has a visit in, staff.
- Prescriptions come from the fixture (the real service asks its ePrescribe partner);
  ``status`` is compared without case, "Current" when not sent.
- The pharmacy saved last becomes the default; saving a code already saved updates
  that pharmacy (the fields sent) instead of adding another. The list shows the
  default first, then the others as saved. ``extra`` is kept as sent.
- Deleting the default makes the most recently saved remaining pharmacy the default.
"""

from __future__ import annotations

from vsee_sim.api.emr import service as emr
from vsee_sim.api.erx import rules
from vsee_sim.core.errors import NotFound
from vsee_sim.core.tenancy import Ctx

_BLANK = {"name": "", "address": "", "address_more": "", "city": "", "country": "", "state": "", "zip": "",
          "phone": "", "fax": "", "lat": None, "long": None, "distance": None, "type": "", "extra": {}}


def list_prescriptions(ctx: Ctx, user_id: str, args: dict) -> list[dict]:
    """GET /users/:id/erx/prescriptions."""
    patient = emr.patient_of(ctx, user_id, "prescriptions")
    status = rules.clean_status(args.get("status")).casefold()
    return [p for p in ctx.db.prescriptions.find("user_id", patient["id"])
            if str(p.get("Status") or "").casefold() == status]


def list_pharmacies(ctx: Ctx, user_id: str) -> list[dict]:
    """GET /users/:id/erx/pharmacies: the default first."""
    patient = emr.patient_of(ctx, user_id, "saved pharmacies")
    return _saved(ctx, patient["id"])


def save_pharmacy(ctx: Ctx, user_id: str, args: dict) -> bool:
    """POST /users/:id/erx/pharmacies: save (or update, by code) and make it the default."""
    patient = emr.patient_of(ctx, user_id, "saved pharmacies")
    fields = rules.clean_pharmacy(args)
    now = ctx.now
    saved = _saved(ctx, patient["id"])
    same = next((p for p in saved if p.get("code") == fields["code"]), None)
    for other in saved:
        if other is not same and other.get("is_default"):
            ctx.db.pharmacies.update(other["id"], is_default=False, modified=now)
    if same is None:
        ctx.db.pharmacies.insert({"id": ctx.ids.uuid(), "user_id": patient["id"], **_BLANK, **fields,
                                  "is_default": True, "created": now, "modified": now})
    else:
        ctx.db.pharmacies.update(same["id"], **fields, is_default=True, modified=now)
    return True


def delete_pharmacy(ctx: Ctx, user_id: str, code: str) -> bool:
    """DELETE /users/:id/erx/pharmacies/:code (404 when that code is not saved)."""
    patient = emr.patient_of(ctx, user_id, "saved pharmacies")
    saved = _saved(ctx, patient["id"])
    found = next((p for p in saved if p.get("code") == code.strip()), None)
    if found is None:
        raise NotFound(f"Pharmacy {code} is not saved for user {patient['id']}.")
    ctx.db.pharmacies.delete(found["id"])
    rest = [p for p in saved if p is not found]
    if found.get("is_default") and rest:
        newest = max(rest, key=lambda p: int(p.get("modified") or p.get("created") or 0))
        ctx.db.pharmacies.update(newest["id"], is_default=True, modified=ctx.now)
    return True


def _saved(ctx: Ctx, patient_id: str) -> list[dict]:
    """The patient's pharmacies, the default first, then as saved."""
    found = ctx.db.pharmacies.find("user_id", patient_id)
    return sorted(found, key=lambda p: not p.get("is_default"))
