"""Rooms: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, NumericString, OutSchema, Text, WireSchema


# -- requests -----------------------------------------------------------------
class RoomIn(WireSchema):
    domain = Text(required=True, metadata={"description": "the clinic's domain, e.g. vclinic.vsee.me"})
    slug = Text(metadata={"description": "unique per clinic; letters, digits, '-', '_' "
                                         "(default: from code, else from name)"})
    name = Text(required=True, metadata={"description": "the room's name"})
    code = Text(metadata={"description": "(optional) unique room code (default: 5 lowercase alphanumerics)"})
    default = fields.Boolean(metadata={"description": "(optional) make this the clinic's default room"})


class UserRoomIn(WireSchema):
    code = Text(required=True, metadata={"description": "room code"})
    default = fields.Boolean(metadata={"description": "(optional) make this the user's default room"})


# -- responses ------------------------------------------------------------------
class ConsultationOut(OutSchema):
    id = fields.String(required=True)
    description = fields.String(required=True)
    duration = fields.Integer(required=True)
    amount = Anything(metadata={"description": "a number"}, required=True)
    group = fields.Boolean(required=True)
    charge = fields.Boolean(required=True)
    slots = fields.Integer(required=True)
    visible_to_patient = fields.Boolean(required=True)
    currency = fields.String(required=True)


class PaymentOut(OutSchema):
    consultations = fields.List(fields.Nested(ConsultationOut), required=True)
    currency = fields.String(required=True)
    paymentCurrency = fields.String(required=True)  # noqa: N815 (the documented key)
    note = fields.String(data_key="__note__", attribute="__note__", required=True)


class RoomOut(OutSchema):
    id = NumericString(required=True)
    code = fields.String(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    domain = fields.String(required=True)
    account_code = fields.String(required=True)
    active = fields.Boolean(required=True)
    default = fields.Boolean(required=True)
    description = fields.String(required=True)
    subtitle = fields.String(required=True)
    specialties = Anything(metadata={"description": "[{code, name, duration}]"}, required=True)
    visits = Anything(metadata={"description": "{walkin: {enabled}, appointment: {enabled}}"}, required=True)
    auth = Anything(metadata={"description": "{guest: {type, log_in: {enabled}}}"}, required=True)
    operation_settings = Anything(required=True,
                                  metadata={"description": "{is_closed, close_msg, default_timezone}"})
    payment = fields.Nested(PaymentOut, required=True)
    public_access_room = fields.Boolean(required=True)
    provider_ids = fields.List(fields.String(), required=True)
    users = fields.String(metadata={"description": "the room's provider ids, comma-separated"}, required=True)
    created = fields.Integer(required=True)
    modified = fields.Integer(required=True)


class MongoDateOut(OutSchema):
    sec = fields.Integer(required=True)
    usec = fields.Integer(required=True)


class UserRoomOut(OutSchema):
    """A room as POST /users/:id/rooms documents it: ``_id`` and MongoDate timestamps."""

    room_id = NumericString(data_key="_id", attribute="_id", required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    domain = fields.String(required=True)
    code = fields.String(required=True)
    active = fields.Boolean(required=True)
    users = fields.String(required=True)
    account_code = fields.String(required=True)
    provider_ids = fields.List(fields.String(), required=True)
    public_access_room = fields.Boolean(required=True)
    modified = fields.Nested(MongoDateOut, required=True)
    created = fields.Nested(MongoDateOut, required=True)
    payment = fields.Nested(PaymentOut, required=True)
    default = fields.Boolean(metadata={"description": "this user's default room"}, required=True)


class RoomProviderOut(OutSchema):
    id = NumericString(required=True)
    username = fields.String(required=True)
    code = fields.String(required=True)
    subtype = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    vseeid = fields.String(required=True)
    photo = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    suffix = fields.String(required=True)
    status = Anything(required=True)
    short_bio = Anything(metadata={"description": "text, or false when there is none"}, required=True)


class RoomProviderDetailOut(OutSchema):
    id = NumericString(required=True)
    code = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    username = fields.String(required=True)
    vseeid = fields.String(required=True)
    email = fields.String(required=True)
    active = fields.Boolean(required=True)
    title = fields.String(required=True)
    suffix = fields.String(required=True)
    tos = fields.Boolean(required=True)
    phone = fields.String(required=True, allow_none=True)
    subtype = fields.String(required=True)
    status = Anything(required=True)
    photo = fields.String(required=True, allow_none=True)
    short_bio = Anything(required=True)
    educational_training = fields.String()
    professional_interests = fields.String()
    personal_interests = fields.String()
