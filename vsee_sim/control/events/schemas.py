"""/_sim events: wire shapes of the outbox, webhooks and their deliveries."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, OutSchema, StringList, Text, WireSchema

# -- outbox ---------------------------------------------------------------------------------


class OutboxQuery(WireSchema):
    to = Text(metadata={"description": "recipient: an email address or a push endpoint's key (any case)"})
    template = Text(metadata={"description": "activation, reset_password, appointment_confirmation"})
    channel = Text(metadata={"description": "email | push"})
    user_id = Text(metadata={"description": "the user the message is for"})


class OutboxItemOut(OutSchema):
    id = fields.String(required=True)
    channel = fields.String(metadata={"description": "email | push"})
    template = fields.String(metadata={"description": "emails: what the message is"})
    to = fields.String(metadata={"description": "an email address, or a push endpoint's key"}, required=True)
    user_id = fields.String()
    account = fields.String()
    code = fields.String(metadata={"description": "activation and reset emails: the code to log in with"})
    subject = fields.String()
    body = fields.String()
    visit_id = fields.String(metadata={"description": "appointment emails: the visit booked"})
    url = fields.String(metadata={"description": "appointment emails: the portal's one-time link"})
    one_time_link_token = fields.String()
    push = fields.String(metadata={"description": "push messages: apns | gcm"})
    endpoint_id = fields.String()
    notification_id = fields.String()
    type = fields.String(metadata={"description": "push messages: the notification's type"})
    title = fields.String()
    data = Anything()
    created = fields.Integer(metadata={"description": "namespace clock, unix seconds"})


# -- webhooks -------------------------------------------------------------------------------
class WebhookIn(WireSchema):
    url = Text(required=True, metadata={"description": "where to POST: an absolute http:// or https:// URL"})
    events = StringList(metadata={"description": "event names or patterns: '*', 'visit.*', 'visit.completed' "
                                                 "(default ['*'])"})
    account = Text(metadata={"description": "only this account's events (default: every account's)"})
    secret = Text(metadata={"description": "signs each delivery: "
                                           "X-Sim-Signature = sha256=HMAC-SHA256(secret, body)"})


class WebhookOut(OutSchema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    account = fields.String(required=True, allow_none=True)
    secret = fields.String()
    created = fields.Integer(metadata={"description": "namespace clock, unix seconds"}, required=True)


class DeliveryQuery(WireSchema):
    webhook_id = Text()
    event = Text()
    status = Text(metadata={"description": "pending | sending | delivered | failed"})
    limit = fields.Integer(metadata={"description": "at most this many, newest first (1-1000, default 100)"})
    wait = fields.Float(metadata={
        "description": "seconds (0-60): first wait until every delivery that is due has been attempted "
                       "and its outcome logged"})


class AttemptOut(OutSchema):
    at = fields.Integer(metadata={"description": "namespace clock, unix seconds"}, required=True)
    status_code = fields.Integer(metadata={"description": "the receiver's HTTP status"})
    error = fields.String(metadata={"description": "no HTTP answer: why (refused, timed out...)"})
    duration_ms = fields.Integer(required=True)


class DeliveryOut(OutSchema):
    id = fields.String(required=True)
    webhook_id = fields.String(required=True)
    url = fields.String(required=True)
    event = fields.String(required=True)
    account = fields.String(required=True)
    status = fields.String(metadata={"description": "pending | sending | delivered | failed"}, required=True)
    attempts = fields.Integer(required=True)
    next_attempt = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": "pending: when it is sent (namespace clock)"})
    created = fields.Integer(required=True)
    delivered_at = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    payload = Anything(metadata={"description": "the body posted: {event, data}"}, required=True)


class DeliveryDetailOut(DeliveryOut):
    log = fields.List(fields.Nested(AttemptOut), required=True,
                      metadata={"description": "every attempt, oldest first"})
