"""Visits: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from vsee_sim.api.visits.rules import CLOSE_REASONS, STATUSES
from vsee_sim.core.wire import Anything, NumericString, OutSchema, StringList, Text, WireSchema

# Unix seconds a client may send: 1970 to 2106 (what an unsigned 32-bit PHP int holds).
Timestamp = validate.Range(min=0, max=2**32 - 1)


def _timestamp(description: str, **kwargs) -> fields.Integer:
    return fields.Integer(validate=Timestamp, metadata={"description": description, "format": "int64"},
                          **kwargs)


class OnBehalfIn(WireSchema):
    member_id = NumericString(metadata={"description": "the patient (staff and providers only)"})
    member_code = Text(metadata={"description": "the patient's code (staff and providers only)"})


class WalkinIn(OnBehalfIn):
    intake_id = Text(metadata={"description": "the intake (required unless visit_id names an appointment)"})
    room_code = Text(metadata={"description": "the room to wait in (default: the intake's room)"})
    provider_id = NumericString(metadata={"description": "a provider of the room the patient asks for"})
    visit_id = NumericString(metadata={"description": "a confirmed appointment the patient arrives for"})
    appointment_id = NumericString(metadata={"description": "same as visit_id"})


class EconsultIn(OnBehalfIn):
    intake_id = Text(required=True)
    room_code = Text()
    provider_id = NumericString()


class BookIn(OnBehalfIn):
    slot_start = _timestamp("start of the slot (unix seconds)")
    slot_end = _timestamp("end of the slot (unix seconds)")
    start = _timestamp("alias of slot_start", load_only=True)
    end = _timestamp("alias of slot_end", load_only=True)
    room_code = Text(metadata={"description": "the room (default: the intake's room)"})
    type = fields.Integer(metadata={"description": "2 (scheduling)", "enum": [2]})
    intake_id = Text(metadata={"description": "the intake"})
    intakeId = Text(load_only=True, metadata={"description": "alias of intake_id (the documented curl)"})
    provider_id = NumericString(metadata={"description": "the provider (default: a free one of the room)"})
    consultation_id = Text(metadata={"description": "default: the intake's, else the room's first"})

    @validates_schema
    def _aliases(self, data, **_):
        for alias, name in (("start", "slot_start"), ("end", "slot_end"), ("intakeId", "intake_id")):
            if alias in data:
                value = data.pop(alias)
                data.setdefault(name, value)


class VisitIdIn(WireSchema):
    id = NumericString(required=True, metadata={"description": "the visit"})


class CloseIn(VisitIdIn):
    reason = Text(metadata={"description": "why the visit ends", "enum": list(CLOSE_REASONS)})
    status = fields.Integer(metadata={"description": "30 completed or 40 cancelled (default: by call state)",
                                      "enum": [30, 40]})
    actual_end = _timestamp("when the call ended (default: now); a production client sends it")


class InProgressIn(VisitIdIn):
    actual_start = _timestamp("when the call started (default: now)")


class DeleteIn(VisitIdIn):
    reason = Text()


class VisitsQuery(WireSchema):
    status = StringList(metadata={"description": "status codes, comma-separated: 10 pending, 20 confirmed, "
                                                 "25 in progress, 30 completed, 40 cancelled, 50 refunded",
                                  "items": {"type": "string", "enum": [str(s) for s in STATUSES]}})
    type = StringList(metadata={"description": "visit types, comma-separated: 1 walk-in, 2 scheduled, "
                                               "3 e-consult, 10 invited guest",
                                "items": {"type": "string", "enum": ["1", "2", "3", "10"]}})
    room_code = Text()
    member_id = NumericString()
    provider_id = NumericString()

    @validates_schema
    def _numbers(self, data, **_):
        for name in ("status", "type"):
            if name in data:
                try:
                    data[name] = {int(v) for v in data[name]}
                except ValueError:
                    raise ValidationError("use numbers, comma-separated.", name) from None


# -- responses ------------------------------------------------------------------------
class VisitOut(OutSchema):
    """One representation everywhere (see visits/present.py)."""

    id = fields.String()
    _id = fields.String(data_key="_id", attribute="_id")
    member_id = fields.String()
    provider_id = fields.String()
    account_code = fields.String()
    code = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    actual_start = fields.Integer()
    actual_end = fields.Integer()
    specialty_id = Anything()
    state = Anything()
    type = fields.Integer()
    subtype = fields.Integer()
    subType = fields.Integer()
    status = fields.Integer(metadata={"description": "10 pending, 20 confirmed, 25 in progress, "
                                                     "30 completed, 40 cancelled, 50 refunded"})
    reason = fields.String(metadata={"description": "why it was closed"})
    completed_by = fields.String()
    room_id = fields.String()
    room_code = fields.String()
    created = fields.Integer()
    modified = fields.Integer()
    provider = fields.Dict()
    member = fields.Dict()
    more_provider_ids = Anything()
    guest_emails = Anything()
    guest_mobiles = Anything()
    reminder_type = Anything()
    reminder_time = Anything()
    host_ids = fields.List(fields.String())
    hosts = fields.List(fields.Dict())
    creator = fields.Dict()
    pending_actions = fields.List(Anything())
    is_test = fields.Boolean()
    meeting = fields.Dict()
    one_time_link_token = fields.String()
    notify_list = fields.List(Anything())
    payment = fields.Dict()
    invoice_id = fields.String()
    intake_id = fields.String()
    intake = fields.Dict()
    related_walkin_id = fields.String()
    related_walkin = fields.Dict()
    call_logs = fields.Dict()
    incharge = fields.Boolean()
    isEditExpired = fields.Boolean()
    postvisit = fields.Dict()
    room = fields.Dict()
    account = fields.Dict()
    prescriptionsBeforeVisit = fields.List(fields.Dict())
    prescriptions = fields.List(fields.Dict())
    root_visit = fields.Dict()


class QueueOut(OutSchema):
    length = fields.Integer(metadata={"description": "patients waiting (pending walk-ins)"})
    capacity = fields.Integer()
    average_visit_time = fields.Integer(metadata={"description": "seconds"})
    before_me = fields.Integer(metadata={"description": "waiting ahead of the caller (all if not waiting)"})
    waiting_time = fields.Integer(metadata={"description": "average_visit_time * before_me (seconds)"})
