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
    publishable_key = fields.String()


class SettingsOut(OutSchema):
    stripe = fields.Nested(StripeOut)


class CardOut(OutSchema):
    id = fields.String()
    type = fields.String()
    brand = fields.String()
    country = fields.String()
    exp_month = fields.Integer()
    exp_year = fields.Integer()
    funding = fields.String()
    last4 = fields.String()
    name = fields.String()
    is_default = fields.Boolean()


class InvoiceConsultationOut(OutSchema):
    description = fields.String()
    amount = fields.Raw()
    duration = fields.Raw()
    id = fields.String()


class InvoiceCouponOut(OutSchema):
    id = fields.String()
    object = fields.String()
    amount_off = fields.Raw()
    created = fields.Raw()
    currency = fields.String()
    duration = fields.String()
    duration_in_months = fields.Raw()
    livemode = fields.Boolean()
    max_redemptions = fields.Raw()
    metadata = Anything()
    percent_off = fields.Raw()
    redeem_by = fields.Raw()
    times_redeemed = fields.Raw()
    valid = fields.Boolean()


class InvoiceOut(OutSchema):
    id = fields.String()
    currency = fields.String()
    consultation = fields.Nested(InvoiceConsultationOut)
    coupon = fields.Nested(InvoiceCouponOut)
    amount = fields.Raw()
    discount = fields.Raw()
    amount_due = fields.Raw()
    paid = fields.Boolean()
    source = fields.String()
    intake_id = fields.String()
    visit_id = NumericString()
    created = fields.Integer()
