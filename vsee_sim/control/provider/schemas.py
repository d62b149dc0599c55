"""/_sim/provider and /_sim/autopilot: wire shapes. Visits go out as the API's own VisitOut."""

from __future__ import annotations

from marshmallow import fields, validate

from vsee_sim.api.visits.schemas import VisitOut
from vsee_sim.control.provider import rules
from vsee_sim.core.wire import NumericString, OutSchema, Text, WireSchema

__all__ = ["VisitOut", "ProviderActionIn", "WaitingQuery", "AutopilotIn", "AutopilotOut"]

_SECONDS = validate.Range(min=1, max=rules.MAX_EVERY, error="use a number of seconds from {min} to {max}.")


class ProviderActionIn(WireSchema):
    provider_id = NumericString(metadata={
        "description": "the acting provider (default: the visit's provider, else its room's first)"})


class WaitingQuery(WireSchema):
    room_code = Text(metadata={"description": "one room (default: every room of the account)"})
    provider_id = NumericString(metadata={
        "description": "that provider's rooms, without walk-ins that asked for another provider"})


class AutopilotIn(WireSchema):
    enabled = fields.Boolean(load_default=True)
    every = fields.Integer(load_default=rules.DEFAULT_EVERY, validate=_SECONDS, metadata={
        "description": "seconds of namespace clock between pick-ups (default 60)"})
    visit_seconds = fields.Integer(validate=_SECONDS, metadata={
        "description": "how long each call lasts before the autopilot ends it (default: every)"})
    room_code = Text(metadata={"description": "one room (default: every room of the account)"})
    provider_id = NumericString(metadata={
        "description": "the provider who picks up (default: the visit's provider, else its room's first)"})


class AutopilotCallOut(OutSchema):
    id = fields.String(required=True)
    provider_id = fields.String(required=True)
    started = fields.Integer(required=True)
    end = fields.Integer(required=True)


class AutopilotLogOut(OutSchema):
    at = fields.Integer(required=True)
    action = fields.String(required=True)
    visit_id = fields.String()
    member_id = fields.String()
    provider_id = fields.String()
    room_code = fields.String()
    message = fields.String()


class AutopilotOut(OutSchema):
    account = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    every = fields.Integer(required=True)
    visit_seconds = fields.Integer(required=True)
    room_code = fields.String(required=True, allow_none=True)
    provider_id = fields.String(required=True, allow_none=True)
    now = fields.Integer(required=True)
    next_run = fields.Integer(required=True, allow_none=True)
    calls = fields.List(fields.Nested(AutopilotCallOut), required=True)
    stats = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    log = fields.List(fields.Nested(AutopilotLogOut), required=True)
