"""Users: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.api.users.rules import SSO_TYPES
from vsee_sim.core.wire import Anything, NumericString, OutSchema, StringList, Text, WireSchema

# Documented values, as OpenAPI enums and formats (metadata only: parsing stays as lenient as PHP).
# Integers only in the document: openapi-python-client 0.29 drops a schema whose enum mixes
# types (SsoIn vanished, and with it POST /users/sso); "male" / "female" are still accepted.
GENDERS = [1, 2]


# -- requests -----------------------------------------------------------------
class ProfileIn(WireSchema):
    first_name = Text()
    last_name = Text()
    dob = Text(metadata={"description": "yyyy-mm-dd", "format": "date"})
    gender = Anything(metadata={"description": "1 male, 2 female (or male / female)", "enum": GENDERS})
    nationality = Text()
    tos = Anything(metadata={"description": "0 not accepted / 1 accepted", "enum": [0, 1, True, False]})
    phone = Text()
    street_addr = Text()
    state = Text(metadata={"description": "2-letter US state code"})
    zip = Text()
    city = Text()
    pcp_name = Text()
    pcp_phone = Text(metadata={"description": "10 digits"})
    timezone = Text(metadata={"description": "one of the documented timezones"})


class SsoIn(ProfileIn):
    type = fields.Integer(metadata={"description": "200 patient, 400 provider, 600 guest",
                                    "enum": sorted(SSO_TYPES)})
    extra_fields = Text(data_key="fields", metadata={"description": "vsee: as ?fields=vsee, in the body",
                                                     "enum": ["vsee"]})
    code = Text(metadata={"description": "your user's id in your portal (not for guests)"})
    email = Text()
    subtype = Text()
    title = Text()
    suffix = Text()


class SsoQuery(WireSchema):
    # "fields" would shadow Schema.fields: declared under another name.
    extra_fields = Text(data_key="fields", metadata={"description": "vsee: add data.vsee {id, token}",
                                                     "enum": ["vsee"]})


class LoginIn(WireSchema):
    username = Text()
    password = Text()
    email = Text()
    email_token = Text()


class MeIn(ProfileIn):
    password = Text()
    old_password = Text()
    photo = Text(metadata={"description": "file id from POST /files, or empty to delete"})
    gps = Anything(metadata={"description": "{lat, long}"})
    lat = fields.Float()
    long = fields.Float()


class LogoutIn(WireSchema):
    tokens = StringList(metadata={"description": "tokens to destroy (default: the caller's)"})


class RefreshIn(WireSchema):
    refresh_token = Text(required=True)


class EmailIn(WireSchema):
    email = Text(required=True)


class AliveIn(WireSchema):
    heartbeat = fields.Integer(metadata={"description": "seconds, default 300"})


class ActivateIn(WireSchema):
    first_name = Text()
    last_name = Text()
    email = Text(required=True)
    dob = Text(metadata={"format": "date"})
    ssn = Text(metadata={"description": "last 4 digits"})


# -- responses ------------------------------------------------------------------
class UserOut(OutSchema):
    id = NumericString(required=True)
    code = fields.String(required=True)
    type = fields.Integer(required=True)
    first_name = fields.String(required=True, allow_none=True)
    last_name = fields.String(allow_none=True)
    username = fields.String()
    vseeid = fields.String()
    dob = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    gender = fields.Integer(allow_none=True)
    active = fields.Boolean()
    tos = fields.Boolean()
    nationality = fields.String()
    photo = fields.String(required=True, allow_none=True)
    phone = fields.String(allow_none=True)
    subtype = fields.String()
    street_addr = fields.String()
    state = fields.String()
    city = fields.String()
    zip = fields.String()
    pcp_name = fields.String()
    pcp_phone = fields.String()
    timezone = fields.String()
    title = fields.String()
    suffix = fields.String()
    gps = fields.Dict(allow_none=True)
    last_connected = fields.Integer()


class RefreshTokenOut(OutSchema):
    user_id = NumericString(required=True)
    token = fields.String(required=True)
    expiry = fields.Integer(required=True, allow_none=True)
    created = fields.Integer(required=True, allow_none=True)


class TokenOut(OutSchema):
    user_id = NumericString(required=True)
    token = fields.String(required=True)
    expiry = fields.Integer(required=True)
    created = fields.Integer(required=True)
    refresh_token = fields.Nested(RefreshTokenOut, required=True)


class VseeOut(OutSchema):
    id = fields.String(required=True)
    token = fields.String(required=True)


class SsoOut(UserOut):
    token = fields.Nested(TokenOut, required=True)
    vsee = fields.Nested(VseeOut)


class LoginOut(TokenOut):
    user_type = fields.String(required=True)
    user = fields.Nested(UserOut, required=True)


class RefreshUserOut(UserOut):
    name = fields.String(required=True)
    gender = fields.String(required=True, allow_none=True,
                           metadata={"description": "Male / Female, as in the documented example"})


class RefreshOut(TokenOut):
    user_type = fields.String(required=True)
    user = fields.Nested(RefreshUserOut, required=True)


class AliveOut(OutSchema):
    last_connected = fields.Integer(required=True)
    heartbeat = fields.Integer(required=True)
