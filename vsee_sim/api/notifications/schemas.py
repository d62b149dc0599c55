"""Notifications and push endpoints: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields, validate

from vsee_sim.api.notifications.rules import DEFAULT_LIMIT, ENDPOINT_TYPES, MAX_LIMIT
from vsee_sim.core.wire import Anything, NumericString, OutSchema, Text, WireSchema

_TYPES = "30 Apple Push Notification, 40 Google Cloud Messaging (10 email, as the fixture shows)"


# -- requests -----------------------------------------------------------------
class EndpointIn(WireSchema):
    key = Text(required=True, metadata={"description": "device token (Apple) or registration id (Android)"})
    type = fields.Integer(required=True, metadata={"description": _TYPES, "enum": sorted(ENDPOINT_TYPES)})


class EndpointsQuery(WireSchema):
    type = fields.Integer(metadata={"description": f"(optional) only endpoints of this type: {_TYPES}",
                                    "enum": sorted(ENDPOINT_TYPES)})


class NotificationsQuery(WireSchema):
    limit = fields.Integer(validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"(optional) how many to fetch, 1-{MAX_LIMIT}, "
                                                    f"default {DEFAULT_LIMIT}"})
    before = fields.Integer(validate=validate.Range(min=0, max=2**63 - 1),
                            metadata={"format": "int64",
                                      "description": "(optional) unix ms: only notifications with "
                                                     "mtime < before (send the last one's mtime for the "
                                                     "next page)"})


# -- responses ------------------------------------------------------------------
class EndpointOut(OutSchema):
    id = fields.String(required=True)
    key = fields.String(required=True)
    user_id = NumericString(required=True)
    type = fields.Integer(required=True)
    arn = fields.String(required=True, allow_none=True,
                        metadata={"description": "the SNS endpoint (a fake, stable per key); null for email"})
    created = fields.Integer(required=True)
    modified = fields.Integer(required=True)


class DeletedEndpointOut(OutSchema):
    id = fields.String(required=True)


class NotificationOut(OutSchema):
    id = fields.String(required=True)
    user_id = NumericString(required=True)
    type = fields.String(required=True)
    time = fields.Integer(metadata={"description": "unix seconds"}, required=True)
    mtime = fields.Integer(metadata={"description": "unix ms, unique per user"}, required=True)
    is_new = fields.Boolean(required=True)
    read = fields.Boolean(required=True)
    title = fields.String(required=True)
    image = fields.String(required=True, allow_none=True)
    data = Anything(metadata={"description": "the event's details, e.g. {visit_id}"}, required=True)
