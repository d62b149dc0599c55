"""Billing: wire shapes (docs/fidelity.md BL1-BL9).

The documented parameter tables lost their names; they are recovered from the
descriptions ("token obtain from Stripe" is ``source``, "1" beside "make this card
default" is ``is_default``) and from Stripe, whose objects VSee relays.
"""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, NumericString, OutSchema, Text, WireSchema


# -- requests -----------------------------------------------------------------
class SourceQuery(WireSchema):
    """``?room_code=abc&provider_id=12312`` on every sources call, as documented."""

    room_code = Text(metadata={"description": "(optional) the room the card is used in (CC app)"})
    provider_id = NumericString(metadata={"description": "(optional) a provider of the clinic (FS app)"})
    type = Text(metadata={"description": '(optional) "card", the only kind'})


class SourceIn(WireSchema):
    """POST /billing/sources."""

    source = Text(metadata={"description": "a token from Stripe (tok_visa, tok_mastercard, ...)"})
    token = Text(metadata={"description": "alias of source"})
    type = Text(metadata={"description": '(optional) "card", the only kind'})
    name = Text(metadata={"description": "(optional) the cardholder's name (default: the caller's)"})


class MakeDefaultIn(WireSchema):
    """PUT /billing/sources/:id: ``is_default=1`` (the card becomes the default; 1 is assumed)."""

    is_default = Anything(metadata={"description": "1"})
    room_code = Text(metadata={"description": "(optional) CC app: the room"})
    provider_id = NumericString(metadata={"description": "(optional) FS app: the provider"})


class InvoiceIn(WireSchema):
    """POST /billing/invoices/process."""

    intake_id = Text(metadata={"description": "Required - intake id to apply coupon code to"})
    coupon = Text(metadata={"description": "(optional) coupon code"})
    source = Text(metadata={"description": "(optional) the card to charge (default: the default card)"})
    charge = Anything(metadata={"description": "1 (default) charges and marks the visit paid; "
                                               "0 only prices it (nothing is charged or redeemed)"})


# -- responses ------------------------------------------------------------------
class StripeOut(OutSchema):
    publishable_key = fields.String(required=True)


class SettingsOut(OutSchema):
    stripe = fields.Nested(StripeOut, required=True)


class CardOut(OutSchema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    brand = fields.String(required=True)
    country = fields.String(required=True)
    exp_month = fields.Integer(required=True)
    exp_year = fields.Integer(required=True)
    funding = fields.String(required=True)
    last4 = fields.String(required=True)
    name = fields.String(required=True)
    is_default = fields.Boolean(required=True)


class InvoiceConsultationOut(OutSchema):
    description = fields.String(required=True)
    amount = fields.Raw(required=True)
    duration = fields.Raw(required=True)
    id = fields.String(required=True)


class InvoiceCouponOut(OutSchema):
    id = fields.String(required=True)
    object = fields.String()
    amount_off = fields.Raw()
    created = fields.Raw()
    currency = fields.String(allow_none=True)
    duration = fields.String(required=True)
    duration_in_months = fields.Raw()
    livemode = fields.Boolean()
    max_redemptions = fields.Raw()
    metadata = Anything()
    percent_off = fields.Raw(required=True)
    redeem_by = fields.Raw()
    times_redeemed = fields.Raw(required=True)
    valid = fields.Boolean()


class InvoiceOut(OutSchema):
    id = fields.String(required=True)
    currency = fields.String(required=True)
    consultation = fields.Nested(InvoiceConsultationOut, required=True)
    coupon = fields.Nested(InvoiceCouponOut, required=True, allow_none=True)
    amount = fields.Raw(required=True)
    discount = fields.Raw(required=True)
    amount_due = fields.Raw(required=True)
    paid = fields.Boolean(required=True)
    source = fields.String(required=True, allow_none=True)
    intake_id = fields.String(required=True)
    visit_id = NumericString(required=True, allow_none=True)
    created = fields.Integer(required=True)
