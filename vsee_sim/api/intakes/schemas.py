"""Intakes: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, NumericString, OutSchema, Text, WireSchema


# -- requests -----------------------------------------------------------------
class IntakeIn(WireSchema):
    """POST /intakes and POST /intakes/:id (the documented table lost its names; docs/fidelity.md I5)."""

    provider = NumericString(metadata={"description": "(optional) the id of the provider being visited"})
    provider_id = NumericString(metadata={"description": "alias of provider"})
    reason_for_visit = Anything(metadata={"description": "(optional) text, or a list of texts"})
    reasonforvisit = Anything(load_only=True, metadata={"description": "alias of reason_for_visit (the name "
                                                                      "the documented table shows)"})
    type = Anything(metadata={"description": "(optional) 1 walk-in, 2 schedule", "enum": [1, 2, "1", "2"]})
    member_code = Text(metadata={"description": "(optional) the patient's code (staff and providers)"})
    member_id = NumericString(metadata={"description": "(optional) the patient's id, as member_code"})
    room_code = Text(metadata={"description": "the room's code (default: the provider's first room, "
                                              "else the clinic's default room)"})
    attachments = Anything(metadata={"description": '[{"id": ...}, ...], ["id", ...] or "id,id,..." '
                                                    "(file ids from POST /files)"})
    location = Text(metadata={"description": "(optional) CA/AL/... (2-letter US state)"})
    phone = Text(metadata={"description": "(optional) 7123465789"})
    consultation = Anything(metadata={"description": "(optional) id of a room's payment.consultations"})
    consultation_id = Text(metadata={"description": "alias of consultation (\"\" clears it)"})
    reset = Anything(metadata={"description": "kept and shown as sent"})
    consent = Anything(metadata={"description": "kept and shown as sent"})


# -- responses ------------------------------------------------------------------
class TimeOut(OutSchema):
    sec = fields.Integer()
    usec = fields.Integer()


class AttachmentOut(OutSchema):
    file_id = fields.String(data_key="_id", attribute="_id")
    name = fields.String()
    path = fields.String()
    size = fields.Integer()
    ext = fields.String()
    type = fields.Integer()
    creator_id = NumericString()
    remark = fields.String()
    using = fields.Integer()
    modified = fields.Nested(TimeOut)
    created = fields.Nested(TimeOut)


class IntakeOut(OutSchema):
    id = fields.String()
    member_id = NumericString()
    provider = NumericString()
    provider_id = NumericString()
    room_code = fields.String()
    room = fields.String()
    type = NumericString(metadata={"description": '"1" walk-in, "2" schedule (a string, as documented)'})
    reason_for_visit = fields.String()
    location = fields.String()
    phone = fields.String()
    consent = Anything()
    reset = Anything(metadata={"description": "only when it was sent"})
    visit_id = NumericString()
    created = fields.Integer()
    modified = fields.Integer()
    attachments = fields.List(fields.Nested(AttachmentOut))
    consultation = Anything(metadata={"description": "the room's consultation object, or null"})
    medical_profile = Anything(metadata={"description": "the patient's EMR, when there is one"})
