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
    sec = fields.Integer(required=True)
    usec = fields.Integer(required=True)


class AttachmentOut(OutSchema):
    file_id = fields.String(data_key="_id", attribute="_id", required=True)
    name = fields.String(required=True)
    path = fields.String(required=True)
    size = fields.Integer(required=True)
    ext = fields.String(required=True)
    type = fields.Integer(required=True)
    creator_id = NumericString(required=True)
    remark = fields.String(required=True, allow_none=True)
    using = fields.Integer(required=True)
    modified = fields.Nested(TimeOut, required=True)
    created = fields.Nested(TimeOut, required=True)


class IntakeOut(OutSchema):
    id = fields.String(required=True)
    member_id = NumericString(required=True, allow_none=True)
    provider = NumericString(required=True, allow_none=True)
    provider_id = NumericString(required=True, allow_none=True)
    room_code = fields.String(required=True)
    room = fields.String(required=True)
    type = NumericString(required=True, allow_none=True,
                         metadata={"description": '"1" walk-in, "2" schedule (a string, as documented)'})
    reason_for_visit = fields.String(required=True)
    location = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True)
    consent = Anything(required=True)
    reset = Anything(metadata={"description": "only when it was sent"})
    visit_id = NumericString(required=True, allow_none=True)
    created = fields.Integer(required=True)
    modified = fields.Integer(required=True)
    attachments = fields.List(fields.Nested(AttachmentOut), required=True)
    consultation = Anything(required=True,
                            metadata={"description": "the room's consultation object, or null"})
    medical_profile = Anything(metadata={"description": "the patient's EMR, when there is one"})
