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
    is_default = fields.Boolean()
    name = fields.String()
    address = fields.String()
    address_more = fields.String()
    code = fields.String()
    city = fields.String()
    country = fields.String()
    state = fields.String()
    zip = fields.String()
    phone = fields.String()
    fax = fields.String()
    lat = fields.Float()
    long = fields.Float()
    distance = fields.Float()
    type = fields.String()
    extra = Anything()


class PrescriptionOut(OutSchema):
    """The documented prescription object, as seeded (ePrescribe partner's keys)."""

    ID = fields.String()
    DrugID = fields.String()
    NDC = fields.String()
    RxNormCode = fields.String()
    Drug = fields.String()
    Supply = fields.Boolean()
    Compound = fields.Boolean()
    Directions = fields.String()
    Qty = Anything(metadata={"description": "a number"})
    QtyQual = fields.String()
    Refills = Anything(metadata={"description": "a number"})
    DaysSupply = Anything(metadata={"description": "a number"})
    SubstitutionAllowedFlag = Anything(metadata={"description": "a number"})
    Schedule = Anything(metadata={"description": "a number"})
    PharmacyNote = fields.String()
    InternalNote = fields.String()
    PrescriberId = fields.String()
    LocationId = fields.String()
    PrescriptionDate = fields.String()
    SignDate = fields.String()
    Status = fields.String()
    PharmacyNcpdpId = fields.String()
    RouteDetail = fields.String()
    PartnerMedID = fields.String()
    PrescriberName = fields.String()
