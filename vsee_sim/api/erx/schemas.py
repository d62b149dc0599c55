"""eRx: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, OutSchema, Text, WireSchema


def _text(description: str, **kwargs) -> Text:
    # null means "" (pharmacy search results have nulls); "" is kept (it clears on update)
    return Text(allow_none=True, metadata={"description": description}, **kwargs)


# -- requests -----------------------------------------------------------------
class PrescriptionsQuery(WireSchema):
    status = Text(metadata={"description": 'status of the prescriptions listed ("Current" by default)'})


class PharmacyIn(WireSchema):
    """POST /users/:id/erx/pharmacies (the table lost its names: docs/fidelity.md E9)."""

    name = _text("A247PC00-Anesthesia 24/7, PC")
    address = _text("1010 UNIVERSITY AVENUE, SAN DIEGO, CA, 92103")
    address_more = _text("second line of the address")
    # required, but checked by rules.clean_pharmacy so that every bad field is reported at once
    code = _text("(required) the pharmacy's code (NCPDP id), e.g. 5555008; the same code again updates it")
    city = _text("Los Angeles")
    country = _text("")
    state = _text("CA")
    zip = _text("90027")
    phone = _text("4017707046")
    fax = _text("8663528725")
    lat = Anything(allow_none=True, metadata={"description": "36.800488"})
    long = Anything(allow_none=True, metadata={"description": "-116.718750"})
    distance = Anything(allow_none=True, metadata={"description": "0.95993211712521"})
    type = _text("mdtoolbox")
    extra = Anything(allow_none=True,
                     metadata={"description": "unmodified data of the pharmacy search API (kept as sent)"})


# -- responses ------------------------------------------------------------------
class PharmacyOut(OutSchema):
    is_default = fields.Boolean(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    address_more = fields.String(required=True)
    code = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    state = fields.String(required=True)
    zip = fields.String(required=True)
    phone = fields.String(required=True)
    fax = fields.String(required=True)
    lat = fields.Float(required=True, allow_none=True)
    long = fields.Float(required=True, allow_none=True)
    distance = fields.Float(required=True, allow_none=True)
    type = fields.String(required=True)
    extra = Anything(required=True)


class PrescriptionOut(OutSchema):
    """The documented prescription object, as seeded (ePrescribe partner's keys)."""

    ID = fields.String(required=True)
    DrugID = fields.String(required=True)
    NDC = fields.String(required=True)
    RxNormCode = fields.String(required=True)
    Drug = fields.String(required=True)
    Supply = fields.Boolean(required=True)
    Compound = fields.Boolean(required=True)
    Directions = fields.String(required=True)
    Qty = Anything(metadata={"description": "a number"}, required=True)
    QtyQual = fields.String(required=True)
    Refills = Anything(metadata={"description": "a number"}, required=True)
    DaysSupply = Anything(metadata={"description": "a number"}, required=True)
    SubstitutionAllowedFlag = Anything(metadata={"description": "a number"}, required=True)
    Schedule = Anything(metadata={"description": "a number"}, required=True)
    PharmacyNote = fields.String(required=True)
    InternalNote = fields.String(required=True)
    PrescriberId = fields.String(required=True)
    LocationId = fields.String(required=True)
    PrescriptionDate = fields.String(required=True)
    SignDate = fields.String(required=True)
    Status = fields.String(required=True)
    PharmacyNcpdpId = fields.String(required=True)
    RouteDetail = fields.String(required=True)
    PartnerMedID = fields.String(required=True)
    PrescriberName = fields.String(required=True)
