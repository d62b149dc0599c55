"""Billing: thin views. Parse, one service call, return."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.api.billing import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_required
from vsee_sim.core.wire import envelope

blp = SimBlueprint("billing", __name__, url_prefix="/api_v3", description="Billing API")

CARD = envelope(schemas.CardOut, name="Card")
EMPTY = envelope(fields.List(fields.Raw(), required=True), name="EmptyList")


@blp.route("/billing/settings", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.SettingsOut, name="BillingSettings"))
def settings():
    """The clinic's payment settings: its Stripe publishable key."""
    return service.settings(current_ctx())


@blp.route("/billing/sources", methods=["POST"])
@token_required
@blp.arguments(schemas.SourceQuery, location="query")
@blp.arguments(schemas.SourceIn, location="body")
@blp.response(200, envelope(schemas.CardOut, name="AddedCard"))
def add_source(query, args):
    """Add a card from a Stripe token (``source``); the first card is the default.

    Stripe's test tokens stand for cards: ``tok_visa``, ``tok_mastercard``... A declining
    token (``tok_chargeDeclined``...) is a 402; an unknown one a 400 naming ``source``.
    """
    return service.add_source(current_ctx(), query, args)


@blp.route("/billing/sources", methods=["GET"])
@token_required
@blp.arguments(schemas.SourceQuery, location="query")
@blp.response(200, envelope(schemas.CardOut, many=True))
def list_sources(query):
    """The caller's cards, oldest first; exactly one has ``is_default``."""
    return service.list_sources(current_ctx(), query)


@blp.route("/billing/sources/<card_id>", methods=["GET"])
@token_required
@blp.arguments(schemas.SourceQuery, location="query")
@blp.response(200, CARD)
def show_source(query, card_id):
    """One of the caller's cards (another user's is a 404)."""
    return service.show_source(current_ctx(), query, card_id)


@blp.route("/billing/sources/<card_id>", methods=["PUT"])
@token_required
@blp.arguments(schemas.SourceQuery, location="query")
@blp.arguments(schemas.MakeDefaultIn, location="body")
@blp.response(200, envelope(schemas.CardOut, name="DefaultCard"))
def make_default(query, args, card_id):
    """Make this card the default (the previous default stops being it).

    ``room_code`` / ``provider_id`` may come in the query or the body (the body wins).
    """
    return service.make_default(current_ctx(), card_id, {**query, **args})


@blp.route("/billing/sources/<card_id>", methods=["DELETE"])
@token_required
@blp.arguments(schemas.SourceQuery, location="query")
@blp.response(200, EMPTY)
def delete_source(query, card_id):
    """Delete a card: ``{"data": []}``. If it was the default, the newest remaining card is."""
    return service.delete_source(current_ctx(), query, card_id)


@blp.route("/billing/invoices/process", methods=["POST"])
@token_required
@blp.arguments(schemas.InvoiceIn, location="body")
@blp.response(200, envelope(schemas.InvoiceOut, name="Invoice"))
def process_invoice(args):
    """Pay an intake's consultation, less a coupon: charges the default card (or ``source``)
    and marks the intake's visit paid. ``charge=0`` only prices it."""
    return service.process_invoice(current_ctx(), args)
