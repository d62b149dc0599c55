"""Billing: Stripe settings, the caller's payment sources (cards), and paying an intake.

The real service relays Stripe: a card is added from a token that Stripe.js made, and an
invoice charges the patient's Stripe customer. The simulator has no Stripe: Stripe's own
test tokens stand for the cards (``rules.card_for``) and a charge is a record.

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md, BL1-BL9):
- Every billing call needs a token (401), GET /billing/settings included.
- ``room_code`` / ``provider_id`` in the query are checked (400 naming them) and kept on
  the card; they do not partition the wallet: a patient has one wallet per clinic.
- Tokens: Stripe's test tokens (and ``pm_card_*``, and the test card numbers); declining
  ones are a 402 when the card is added, ``tok_chargeCustomerFail`` when it is charged;
  anything else is a 400 naming ``source``.
- Cards are the caller's: another user's card id is a 404.
- POST /billing/invoices/process charges the default card (or ``source``); with nothing
  due nothing is charged; something due and no card is a 402. ``charge=0`` only prices.
  An intake is paid once (a second process is a 400 naming ``intake_id``).
- A coupon's ``amount_off`` is in the consultation's unit (dollars), not Stripe's cents.
"""

from __future__ import annotations

from vsee_sim.api.billing import rules
from vsee_sim.api.intakes import service as intakes
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.core.errors import BadRequest, NotFound, PaymentRequired
from vsee_sim.core.tenancy import Ctx

CARD_ID_LENGTH = 24
_FALSE = {"0", "false", "no", "off"}


# -- settings -------------------------------------------------------------------------
def settings(ctx: Ctx) -> dict:
    ctx.require_user()
    stripe = (ctx.db.meta.get("billing") or {}).get("stripe") or {}
    return {"stripe": {"publishable_key": stripe.get("publishable_key")}}


# -- sources --------------------------------------------------------------------------
def _where(ctx: Ctx, query: dict) -> dict:
    """The documented ``room_code`` / ``provider_id``: each must exist (400 naming it)."""
    code, provider_id = query.get("room_code"), query.get("provider_id")
    kind = query.get("type")
    if kind not in (None, "") and kind.strip().lower() != "card":
        raise BadRequest.field("type", f"{kind[:32]!r} is not supported: only \"card\".")
    room = rooms.get_room(ctx, code.strip(), field="room_code") if code not in (None, "") else None
    if provider_id not in (None, ""):
        provider = ctx.db.users.get(provider_id)
        if not users.is_provider(provider):
            raise BadRequest.field("provider_id", f"no provider {provider_id[:32]!r} in this clinic.")
        if room is not None and provider_id not in (room.get("provider_ids") or []):
            raise BadRequest.field("provider_id", f"provider {provider_id} is not in room {room['code']}.")
    return {"room_code": room["code"] if room else None, "provider_id": provider_id or None}


def _wallet(ctx: Ctx, user: dict) -> list[dict]:
    """The caller's cards, oldest first."""
    return ctx.db.sources.find("user_id", user["id"])


def _card(ctx: Ctx, user: dict, card_id: str, *, field: str | None = None) -> dict:
    card = ctx.db.sources.get(card_id)
    if card is None or card.get("user_id") != user["id"]:
        if field:
            raise BadRequest.field(field, f"no card {card_id[:64]!r} of yours: see GET /billing/sources.")
        raise NotFound(f"Payment source {card_id[:64]} not found.")
    return card


def _default_of(cards: list[dict]) -> str | None:
    return next((c["id"] for c in cards if c.get("is_default")), None)


def _set_default(ctx: Ctx, cards: list[dict], default: str | None) -> None:
    """Write ``is_default`` where it changes (exactly one default, from the rules)."""
    for card in cards:
        wanted = card["id"] == default
        if bool(card.get("is_default")) != wanted:
            ctx.db.sources.update(card["id"], is_default=wanted)


def add_source(ctx: Ctx, query: dict, args: dict) -> dict:
    user = ctx.require_user()
    where = _where(ctx, {**query, "type": args.get("type") or query.get("type")})
    token = args.get("source") or args.get("token")
    if not token or not token.strip():
        raise BadRequest.missing("source")
    card = rules.card_for(token, ctx.now)
    name = (args.get("name") or "").strip() or users.full_name(user) or None
    cards = _wallet(ctx, user)
    card_id = "card_" + ctx.ids.mixed(CARD_ID_LENGTH)
    _, default = rules.after_add([c["id"] for c in cards], _default_of(cards), card_id)
    return ctx.db.sources.insert({"id": card_id, "user_id": user["id"], **card,
                                  "name": name[:200] if name else None,
                                  "is_default": default == card_id, **where, "created": ctx.now})


def list_sources(ctx: Ctx, query: dict) -> list[dict]:
    user = ctx.require_user()
    _where(ctx, query)
    return _wallet(ctx, user)


def show_source(ctx: Ctx, query: dict, card_id: str) -> dict:
    user = ctx.require_user()
    _where(ctx, query)
    return _card(ctx, user, card_id)


def make_default(ctx: Ctx, card_id: str, args: dict) -> dict:
    user = ctx.require_user()
    _where(ctx, args)
    card = _card(ctx, user, card_id)
    is_default = args.get("is_default")
    if is_default not in (None, "", 1, True, "1", "true") and not (
            isinstance(is_default, str) and is_default.strip().lower() in {"1", "true", "yes"}):
        raise BadRequest.field("is_default", "only 1 is supported: a card stops being the default "
                                             "when another becomes it.")
    cards = _wallet(ctx, user)
    default = rules.after_make_default([c["id"] for c in cards], _default_of(cards), card["id"])
    _set_default(ctx, cards, default)
    return ctx.db.sources.get(card["id"])


def delete_source(ctx: Ctx, query: dict, card_id: str) -> list:
    user = ctx.require_user()
    _where(ctx, query)
    card = _card(ctx, user, card_id)
    cards = _wallet(ctx, user)
    order, default = rules.after_delete([c["id"] for c in cards], _default_of(cards), card["id"])
    ctx.db.sources.delete(card["id"])
    _set_default(ctx, [c for c in cards if c["id"] in order], default)
    return []


# -- invoices -------------------------------------------------------------------------
def process_invoice(ctx: Ctx, args: dict) -> dict:
    user = ctx.require_user()
    charge = _flag(args.get("charge"))
    intake_id = (args.get("intake_id") or "").strip()
    if not intake_id:
        raise BadRequest.missing("intake_id")
    intake = intakes.get_intake(ctx, intake_id, field="intake_id")
    intakes.check_access(ctx, intake)
    room, consultation = _consultation(ctx, intake)
    currency = (room.get("payment") or {}).get("currency") or consultation.get("currency") or "USD"
    paid_before = [i for i in ctx.db.invoices.find("intake_id", intake["id"]) if i.get("paid")]
    if paid_before:
        raise BadRequest.field("intake_id", f"intake {intake['id']} is already paid "
                                            f"(invoice {paid_before[0]['id']}).")
    coupon = _coupon(ctx, user, args.get("coupon"), currency)
    amount = rules.money(consultation.get("amount"))
    due = rules.amount_due(amount, coupon)
    card = _paying_card(ctx, user, args.get("source"), due if charge else 0)
    invoice = {"id": "in_" + ctx.ids.mixed(CARD_ID_LENGTH), "user_id": user["id"], "intake_id": intake["id"],
               "visit_id": intake.get("visit_id"), "room_code": room["code"], "currency": currency,
               "consultation": _consultation_view(consultation),
               "coupon": coupon, "amount": rules.number(amount),
               "discount": rules.number(amount - due), "amount_due": rules.number(due),
               "paid": False, "source": card["id"] if card else None, "created": ctx.now}
    if not charge:
        return invoice
    if card is not None and due > 0:        # nothing due: nothing charged, the card is not tried
        rules.check_chargeable(card, ctx.now)
    invoice["paid"] = True
    if coupon:
        coupon = ctx.db.coupons.update(coupon["id"], times_redeemed=rules.times_redeemed(coupon) + 1)
    ctx.db.invoices.insert({**invoice, "coupon": coupon["id"] if coupon else None})
    _mark_visit_paid(ctx, intake, invoice, consultation)
    return {**invoice, "coupon": coupon}


def _flag(value) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in _FALSE | {"1", "true", "yes", "on"}:
        return str(value).strip().lower() not in _FALSE
    raise BadRequest.field("charge", "use 1 to charge, 0 to price only.")


def _consultation(ctx: Ctx, intake: dict) -> tuple[dict, dict]:
    """The intake's room and consultation (else the room's first), or a 400 naming intake_id."""
    code = intake.get("room_code")
    room = ctx.db.rooms.find_one("code", code, fold=True) if code else None
    if room is None:
        raise BadRequest.field("intake_id", f"intake {intake['id']} has no room, so nothing to pay.")
    try:
        consultation = rooms.room_consultation(room, intake.get("consultation_id"))
    except BadRequest:
        consultation = None
    if consultation is None:
        raise BadRequest.field("intake_id", f"intake {intake['id']} has no consultation to pay "
                                            f"(room {room['code']} offers none).")
    return room, consultation


def _consultation_view(consultation: dict) -> dict:
    return {key: consultation.get(key) for key in ("description", "amount", "duration", "id")}


def _coupon(ctx: Ctx, user: dict, code: str | None, currency: str) -> dict | None:
    if code is None or not code.strip():
        return None
    coupon = ctx.db.coupons.get(code.strip())
    if coupon is None:
        raise BadRequest.field("coupon", f"no coupon {code.strip()[:64]!r} in this clinic.")
    # by (user, coupon): not every invoice the patient ever had
    used = any(i.get("paid") for i in ctx.db.invoices.find(("user_id", "coupon"), (user["id"], coupon["id"])))
    rules.check_coupon(coupon, ctx.now, currency=currency, used_by_caller=used)
    return coupon


def _paying_card(ctx: Ctx, user: dict, source: str | None, due) -> dict | None:
    if source is not None and source.strip():
        return _card(ctx, user, source.strip(), field="source")
    cards = _wallet(ctx, user)
    default = _default_of(cards)
    if default is None and due > 0:
        raise PaymentRequired("No payment source to charge: add a card with POST /billing/sources.",
                              errors={"source": ["You have no card."]})
    return ctx.db.sources.get(default) if default else None


def _mark_visit_paid(ctx: Ctx, intake: dict, invoice: dict, consultation: dict) -> None:
    visit = ctx.db.visits.get(intake.get("visit_id")) if intake.get("visit_id") else None
    if visit is None:
        return
    payment = dict(visit.get("payment") or {
        "duration": consultation.get("duration"), "amount": consultation.get("amount"),
        "description": consultation.get("description"), "id": consultation.get("id")})
    payment.update(paid=True, invoice_id=invoice["id"])
    ctx.db.visits.update(visit["id"], payment=payment, invoice_id=invoice["id"], modified=ctx.now)
