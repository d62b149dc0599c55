"""Billing: pure rules (values and now in, decisions out).

- ``card_for``: Stripe's test tokens (``tok_visa``, ``pm_card_visa``, the test card
  numbers) as the card a real Stripe account would make of them, or the decline they cause.
- ``price``: a consultation's amount, a coupon, and what is due.
- ``after_add`` / ``after_make_default`` / ``after_delete``: which card is the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from vsee_sim.core.errors import BadRequest, PaymentRequired

# -- the card token catalogue ---------------------------------------------------------


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    funding: str = "credit"
    country: str = "US"
    number: str = ""
    decline: str | None = None         # declined when the card is added (Stripe verifies it)
    fails_charge: bool = False         # added fine; every charge is declined


# name -> card: ``tok_<name>`` and ``pm_card_<name>`` both name it, and so does its number.
_CARDS = {
    "visa": TestCard("Visa", "4242", number="4242424242424242"),
    "visa_debit": TestCard("Visa", "5556", "debit", number="4000056655665556"),
    "mastercard": TestCard("MasterCard", "4444", number="5555555555554444"),
    "mastercard_debit": TestCard("MasterCard", "8210", "debit", number="5200828282828210"),
    "mastercard_prepaid": TestCard("MasterCard", "5100", "prepaid", number="5105105105105100"),
    "amex": TestCard("American Express", "8431", number="371449635398431"),
    "discover": TestCard("Discover", "1117", number="6011111111111117"),
    "diners": TestCard("Diners Club", "0004", number="3056930009020004"),
    "jcb": TestCard("JCB", "0505", number="3566002020360505"),
    "unionpay": TestCard("UnionPay", "0005", number="6200000000000005"),
    # Stripe's international test cards
    "br": TestCard("Visa", "0002", country="BR", number="4000000760000002"),
    "ca": TestCard("Visa", "0000", country="CA", number="4000001240000000"),
    "mx": TestCard("Visa", "8001", country="MX", number="4000004840008001"),
    "gb": TestCard("Visa", "0000", country="GB", number="4000008260000000"),
    "de": TestCard("Visa", "0016", country="DE", number="4000002760000016"),
    "fr": TestCard("Visa", "0003", country="FR", number="4000002500000003"),
    "au": TestCard("Visa", "0006", country="AU", number="4000000360000006"),
    "jp": TestCard("Visa", "0003", country="JP", number="4000003920000003"),
    # declines: refused when added, as Stripe refuses to attach them to a customer
    "chargeDeclined": TestCard("Visa", "0002", number="4000000000000002", decline="generic_decline"),
    "chargeDeclinedInsufficientFunds": TestCard("Visa", "9995", number="4000000000009995",
                                                decline="insufficient_funds"),
    "chargeDeclinedLostCard": TestCard("Visa", "9987", number="4000000000009987", decline="lost_card"),
    "chargeDeclinedStolenCard": TestCard("Visa", "9979", number="4000000000009979", decline="stolen_card"),
    "chargeDeclinedExpiredCard": TestCard("Visa", "0069", number="4000000000000069", decline="expired_card"),
    "chargeDeclinedIncorrectCvc": TestCard("Visa", "0127", number="4000000000000127",
                                           decline="incorrect_cvc"),
    "chargeDeclinedProcessingError": TestCard("Visa", "0119", number="4000000000000119",
                                              decline="processing_error"),
    "chargeDeclinedFraudulent": TestCard("Visa", "0019", number="4100000000000019", decline="fraudulent"),
    # attaches, then every charge fails (Stripe's tok_chargeCustomerFail)
    "chargeCustomerFail": TestCard("Visa", "0341", number="4000000000000341", fails_charge=True),
}
_BY_NUMBER = {card.number: card for card in _CARDS.values()}
TOKENS = tuple(f"tok_{name}" for name in _CARDS)

# Stripe's decline messages (what its card_error says), by decline code.
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "fraudulent": "Your card was declined.",
}
YEARS_VALID = 3
_LAST_SECOND = 253_402_300_799 - YEARS_VALID * 366 * 86400   # a clock moved past year 9996 stays there


def _utc(now: int) -> datetime:
    return datetime.fromtimestamp(min(max(int(now), 0), _LAST_SECOND), UTC)


def declined(code: str, field: str = "source") -> PaymentRequired:
    """VSee's error body for a Stripe card_error: the message and the decline code."""
    message = DECLINE_MESSAGES.get(code, DECLINE_MESSAGES["generic_decline"])
    return PaymentRequired(f"{message} ({field} declined: {code})", errors={field: [code]})


def card_for(token: str, now: int) -> dict:
    """The card fields a Stripe test token gives (a declining token raises a 402).

    ``exp_month``/``exp_year``: the month of ``now``, ``YEARS_VALID`` years on (UTC).
    An unknown token is a 400 naming ``source``.
    """
    key = token.strip() if isinstance(token, str) else ""
    name = key.removeprefix("tok_") if key.startswith("tok_") else key.removeprefix("pm_card_")
    card = _CARDS.get(name) if name != key else _BY_NUMBER.get(key.replace(" ", ""))
    if card is None:
        raise BadRequest.field("source", f"no such token {key[:64]!r}: use a Stripe test token "
                                         "such as tok_visa, tok_mastercard or tok_chargeDeclined.")
    if card.decline:
        raise declined(card.decline)
    when = _utc(now)
    return {"type": "card", "brand": card.brand, "last4": card.last4, "funding": card.funding,
            "country": card.country, "exp_month": when.month, "exp_year": when.year + YEARS_VALID,
            "fails_charge": card.fails_charge}


def check_chargeable(card: dict, now: int) -> None:
    """A 402 if charging this card would be declined: expired by ``now``, or a failing card."""
    when = _utc(now)
    try:
        expired = (int(card.get("exp_year") or 0), int(card.get("exp_month") or 0)) < (when.year, when.month)
    except (TypeError, ValueError):
        expired = True
    if expired:
        raise declined("expired_card")
    if card.get("fails_charge"):
        raise declined("generic_decline")


# -- money ----------------------------------------------------------------------------
_CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")   # Stripe's largest charge (8 digits)


def money(value) -> Decimal:
    """An amount as stored ("25.00", 30, 30.5) in cents; anything else is 0."""
    if isinstance(value, bool):
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        return Decimal(0)
    if not amount.is_finite():
        return Decimal(0)
    return min(max(amount, Decimal(0)), MAX_AMOUNT).quantize(_CENT, ROUND_HALF_UP)


def number(amount: Decimal) -> int | float:
    """As the documentation shows amounts: 30, 27, and 21.25 when there are cents."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def discount(amount: Decimal, coupon: dict | None) -> Decimal:
    """What the coupon takes off ``amount``: ``percent_off`` % of it, else ``amount_off``
    (in the consultation's unit: dollars, as the demo's ``5_dollars`` coupon means it).
    Never below zero, never above the amount."""
    if not coupon:
        return Decimal(0)
    percent = coupon.get("percent_off")
    if percent is not None and percent != "" and not isinstance(percent, bool):
        off = (amount * min(money(percent), Decimal(100)) / 100).quantize(_CENT, ROUND_HALF_UP)
    else:
        off = money(coupon.get("amount_off"))
    return min(max(off, Decimal(0)), amount)


def amount_due(amount, coupon: dict | None) -> Decimal:
    total = money(amount)
    return total - discount(total, coupon)


def times_redeemed(coupon: dict) -> int:
    value = coupon.get("times_redeemed")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def check_coupon(coupon: dict, now: int, *, currency: str, used_by_caller: bool) -> None:
    """A 400 naming ``coupon`` if it cannot be redeemed now by this caller."""
    code = coupon.get("id")
    if coupon.get("valid") is False:
        raise BadRequest.field("coupon", f"coupon {code!r} is no longer valid.")
    redeem_by = coupon.get("redeem_by")
    if isinstance(redeem_by, (int, float)) and not isinstance(redeem_by, bool) and now > redeem_by:
        raise BadRequest.field("coupon", f"coupon {code!r} expired.")
    limit, used = coupon.get("max_redemptions"), times_redeemed(coupon)
    if isinstance(limit, int) and not isinstance(limit, bool) and used >= limit:
        raise BadRequest.field("coupon", f"coupon {code!r} has been redeemed {limit} time(s), its limit.")
    if coupon.get("duration", "once") == "once" and used_by_caller:
        raise BadRequest.field("coupon", f"coupon {code!r} may be used once and you have used it.")
    wanted = coupon.get("currency")
    if coupon.get("percent_off") in (None, "") and wanted and str(wanted).upper() != currency.upper():
        raise BadRequest.field("coupon", f"coupon {code!r} is in {wanted}, the consultation in {currency}.")


# -- which card is the default ------------------------------------------------------
# ``order`` is the caller's card ids, oldest first; ``default`` the default's id (or None).
# After any of these, a non-empty wallet has exactly one default, and it is one of its cards.


def after_add(order: list[str], default: str | None, new: str) -> tuple[list[str], str]:
    """The first card becomes the default; later ones do not."""
    order = [*order, new]
    return order, default if default in order else new


def after_make_default(order: list[str], default: str | None, card: str) -> str:
    if card not in order:
        raise ValueError(f"{card} is not one of the cards")
    return card


def after_delete(order: list[str], default: str | None, card: str) -> tuple[list[str], str | None]:
    """Deleting the default makes the newest remaining card the default."""
    order = [c for c in order if c != card]
    if default in order:
        return order, default
    return order, (order[-1] if order else None)
