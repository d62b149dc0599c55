"""Appointments: wire shapes of GET /availability, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import NumericString, OutSchema, Text, WireSchema


# -- requests -----------------------------------------------------------------
class AvailabilityQuery(WireSchema):
    room_code = Text(metadata={"description": "Room code. If not given: the intake's room, else the "
                                              "caller's default room, else the clinic's default room."})
    start = fields.Integer(metadata={"description": "Search for available slots from this time (unix s).",
                                     "format": "int64"})
    end = fields.Integer(metadata={"description": "Search for available slots up to this time (unix s).",
                                   "format": "int64"})
    duration = fields.Integer(metadata={"description": "Search for available slots during this many "
                                                       "seconds (see the start/end/duration table)."})
    provider_id = NumericString(metadata={"description": "Pick only this provider's slots."})
    intake_id = Text(metadata={"description": "The intake of the patient choosing a slot: its room, "
                                              "location and consultation are used."})
    consultation_id = Text(metadata={"description": "Consultation of the room: the slot duration "
                                                    "(default: the room's first)."})
    location = Text(metadata={"description": "Only providers licensed in this state (e.g. AL)."})


# -- responses ----------------------------------------------------------------
class SlotOut(OutSchema):
    slot_id = fields.String(required=True,
                            metadata={"description": "Stable: the same for the same provider and start."})
    slot_start = fields.Integer(required=True)
    slot_end = fields.Integer(required=True)
    slot_booked = fields.Integer(required=True,
                                 metadata={"description": "1 when a visit takes the provider then."})
    slot_available = fields.Integer(required=True,
                                    metadata={"description": "1 when neither booked nor past."})
    group_id = fields.String(required=True,
                             metadata={"description": "The provider's schedule this slot comes from."})
    provider_id = NumericString(required=True)
    room_code = fields.String(required=True)


class AvailabilityOut(OutSchema):
    slots = fields.List(fields.Nested(SlotOut), required=True)
