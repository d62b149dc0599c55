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
    id = fields.String()
    description = fields.String()
    duration = fields.Integer()
    amount = Anything(metadata={"description": "a number"})
    group = fields.Boolean()
    charge = fields.Boolean()
    slots = fields.Integer()
    visible_to_patient = fields.Boolean()
    currency = fields.String()


class PaymentOut(OutSchema):
    consultations = fields.List(fields.Nested(ConsultationOut))
    currency = fields.String()
    paymentCurrency = fields.String()  # noqa: N815 (the documented key)
    note = fields.String(data_key="__note__", attribute="__note__")


class RoomOut(OutSchema):
    id = NumericString()
    code = fields.String()
    slug = fields.String()
    name = fields.String()
    domain = fields.String()
    account_code = fields.String()
    active = fields.Boolean()
    default = fields.Boolean()
    description = fields.String()
    subtitle = fields.String()
    specialties = Anything(metadata={"description": "[{code, name, duration}]"})
    visits = Anything(metadata={"description": "{walkin: {enabled}, appointment: {enabled}}"})
    auth = Anything(metadata={"description": "{guest: {type, log_in: {enabled}}}"})
    operation_settings = Anything(metadata={"description": "{is_closed, close_msg, default_timezone}"})
    payment = fields.Nested(PaymentOut)
    public_access_room = fields.Boolean()
    provider_ids = fields.List(fields.String())
    users = fields.String(metadata={"description": "the room's provider ids, comma-separated"})
    created = fields.Integer()
    modified = fields.Integer()


class MongoDateOut(OutSchema):
    sec = fields.Integer()
    usec = fields.Integer()


class UserRoomOut(OutSchema):
    """A room as POST /users/:id/rooms documents it: ``_id`` and MongoDate timestamps."""

    room_id = NumericString(data_key="_id", attribute="_id")
    slug = fields.String()
    name = fields.String()
    domain = fields.String()
    code = fields.String()
    active = fields.Boolean()
    users = fields.String()
    account_code = fields.String()
    provider_ids = fields.List(fields.String())
    public_access_room = fields.Boolean()
    modified = fields.Nested(MongoDateOut)
    created = fields.Nested(MongoDateOut)
    payment = fields.Nested(PaymentOut)
    default = fields.Boolean(metadata={"description": "this user's default room"})


class RoomProviderOut(OutSchema):
    id = NumericString()
    username = fields.String()
    code = fields.String()
    subtype = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    vseeid = fields.String()
    photo = fields.String()
    title = fields.String()
    suffix = fields.String()
    status = Anything()
    short_bio = Anything(metadata={"description": "text, or false when there is none"})


class RoomProviderDetailOut(OutSchema):
    id = NumericString()
    code = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    username = fields.String()
    vseeid = fields.String()
    email = fields.String()
    active = fields.Boolean()
    title = fields.String()
    suffix = fields.String()
    tos = fields.Boolean()
    phone = fields.String()
    subtype = fields.String()
    status = Anything()
    photo = fields.String()
    short_bio = Anything()
    educational_training = fields.String()
    professional_interests = fields.String()
    personal_interests = fields.String()
