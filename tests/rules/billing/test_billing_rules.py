"""Billing rules, pure: the card token catalogue, coupon arithmetic, the default card
(docs/fidelity.md BL3-BL8).

Properties: amount_due is never below zero nor above the amount, whatever the coupon;
after any sequence of add / make-default / delete a non-empty wallet has exactly one
default, one of its cards; a token is a card, a 402 or a 400 naming ``source``, never
anything else.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.billing import rules
from vsee_sim.core.errors import BadRequest, PaymentRequired

T0 = 1_700_000_000          # 2023-11-14 UTC
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)
amounts = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.decimals(allow_nan=False, allow_infinity=False).map(str), st.text(max_size=12), st.none())
coupons = st.one_of(
    st.none(),
    st.fixed_dictionaries({"percent_off": st.one_of(st.integers(-50, 500), st.floats(), st.text(max_size=5)),
                           "amount_off": anything}),
    st.fixed_dictionaries({"percent_off": st.none(), "amount_off": amounts}),
    st.dictionaries(st.sampled_from(["percent_off", "amount_off", "id"]), anything, max_size=3),
)


# -- money ----------------------------------------------------------------------------
@given(amounts, coupons)
def test_amount_due_is_between_zero_and_the_amount(amount, coupon):
    total = rules.money(amount)
    due = rules.amount_due(amount, coupon)
    assert Decimal(0) <= due <= total
    assert due == due.quantize(Decimal("0.01"))
    assert isinstance(rules.number(due), int | float)


@given(st.integers(0, 10_000_00).map(lambda c: Decimal(c) / 100), st.integers(0, 100))
def test_percent_off_takes_that_share(amount, percent):
    due = rules.amount_due(amount, {"percent_off": percent})
    assert abs(due - amount * (100 - percent) / 100) <= Decimal("0.005")


@given(st.integers(0, 10_000).map(Decimal), st.integers(0, 20_000).map(Decimal))
def test_amount_off_takes_that_much_down_to_zero(amount, off):
    assert rules.amount_due(amount, {"percent_off": None, "amount_off": off}) == max(amount - off, 0)


def test_the_documented_example():
    """30 USD less 10 percent is 27 (POST /billing/invoices/process)."""
    due = rules.amount_due(30, {"percent_off": 10, "amount_off": None})
    assert rules.number(due) == 27 and isinstance(rules.number(due), int)
    assert rules.number(rules.amount_due("25.00", {"percent_off": 15})) == 21.25
    assert rules.amount_due(30, {"amount_off": 5}) == 25
    assert rules.amount_due(3, {"amount_off": 5}) == 0
    assert rules.amount_due(30, None) == 30
    assert rules.amount_due(30, {"percent_off": 0, "amount_off": 5}) == 30   # percent_off wins, even 0


@pytest.mark.parametrize("coupon, message", [
    ({"id": "c", "valid": False}, "no longer valid"),
    ({"id": "c", "redeem_by": T0 - 1}, "expired"),
    ({"id": "c", "max_redemptions": 2, "times_redeemed": 2}, "limit"),
    ({"id": "c", "duration": "once", "__used": True}, "once"),
    ({"id": "c", "amount_off": 5, "currency": "EUR"}, "EUR"),
])
def test_coupons_that_cannot_be_redeemed(coupon, message):
    used = coupon.pop("__used", False)
    with pytest.raises(BadRequest) as err:
        rules.check_coupon(coupon, T0, currency="USD", used_by_caller=used)
    assert "coupon" in err.value.errors and message in err.value.message


def test_a_forever_coupon_may_be_used_again_until_its_limit():
    coupon = {"id": "c", "duration": "forever", "max_redemptions": 3, "times_redeemed": 2}
    rules.check_coupon(coupon, T0, currency="USD", used_by_caller=True)


@given(st.dictionaries(st.sampled_from(["id", "valid", "redeem_by", "max_redemptions", "times_redeemed",
                                        "duration", "currency", "percent_off"]),
                       anything | st.integers(-3, 3)),
       st.booleans())
def test_check_coupon_raises_only_a_bad_request_naming_coupon(coupon, used):
    try:
        rules.check_coupon(coupon, T0, currency="USD", used_by_caller=used)
    except BadRequest as err:
        assert list(err.errors) == ["coupon"]


# -- cards ----------------------------------------------------------------------------
@pytest.mark.parametrize("token, brand, last4, funding", [
    ("tok_visa", "Visa", "4242", "credit"),
    ("tok_visa_debit", "Visa", "5556", "debit"),
    ("tok_mastercard", "MasterCard", "4444", "credit"),
    ("tok_mastercard_debit", "MasterCard", "8210", "debit"),
    ("tok_amex", "American Express", "8431", "credit"),
    ("tok_discover", "Discover", "1117", "credit"),
    ("tok_diners", "Diners Club", "0004", "credit"),
    ("tok_jcb", "JCB", "0505", "credit"),
    ("tok_unionpay", "UnionPay", "0005", "credit"),
    ("pm_card_visa", "Visa", "4242", "credit"),
    ("4242424242424242", "Visa", "4242", "credit"),
])
def test_test_tokens_give_their_card(token, brand, last4, funding):
    card = rules.card_for(token, T0)
    assert (card["brand"], card["last4"], card["funding"], card["country"]) == (brand, last4, funding, "US")
    assert (card["exp_month"], card["exp_year"]) == (11, 2023 + rules.YEARS_VALID)


@pytest.mark.parametrize("token, code", [
    ("tok_chargeDeclined", "generic_decline"),
    ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("tok_chargeDeclinedExpiredCard", "expired_card"),
    ("tok_chargeDeclinedIncorrectCvc", "incorrect_cvc"),
    ("tok_chargeDeclinedProcessingError", "processing_error"),
    ("tok_chargeDeclinedLostCard", "lost_card"),
    ("pm_card_chargeDeclined", "generic_decline"),
])
def test_declining_tokens_are_a_402_naming_the_decline(token, code):
    with pytest.raises(PaymentRequired) as err:
        rules.card_for(token, T0)
    assert err.value.status == 402 and code in err.value.message and err.value.errors == {"source": [code]}


def test_a_customer_fail_card_is_added_and_declined_when_charged():
    card = rules.card_for("tok_chargeCustomerFail", T0)
    with pytest.raises(PaymentRequired):
        rules.check_chargeable(card, T0)
    rules.check_chargeable(rules.card_for("tok_visa", T0), T0)


def test_a_card_expires_after_its_month():
    card = rules.card_for("tok_visa", T0)
    years = rules.YEARS_VALID * 366 * 86400
    rules.check_chargeable(card, T0 + years - 40 * 86400)
    with pytest.raises(PaymentRequired, match="expired"):
        rules.check_chargeable(card, T0 + years + 40 * 86400)


@given(anything)
def test_any_token_is_a_card_a_402_or_a_400_naming_source(token):
    try:
        card = rules.card_for(token, T0)
    except PaymentRequired:
        return
    except BadRequest as err:
        assert list(err.errors) == ["source"]
        return
    assert card["last4"].isdigit() and len(card["last4"]) == 4


# -- the default card -----------------------------------------------------------------
ops = st.lists(st.tuples(st.sampled_from(["add", "default", "delete"]), st.integers(0, 20)), max_size=40)


@given(ops)
def test_exactly_one_default_after_any_sequence(steps):
    order: list[str] = []
    default = None
    made = 0
    for op, pick in steps:
        if op == "add":
            made += 1
            first = not order
            order, default = rules.after_add(order, default, f"card_{made}")
            assert (default == f"card_{made}") == first
        elif order and op == "default":
            card = order[pick % len(order)]
            default = rules.after_make_default(order, default, card)
            assert default == card
        elif order:
            card = order[pick % len(order)]
            was_default = card == default
            before = list(order)
            order, default = rules.after_delete(order, default, card)
            if was_default and order:
                newest = [c for c in before if c != card][-1]
                assert default == newest
        if order:
            assert default in order
            assert sum(c == default for c in order) == 1
        else:
            assert default is None


def test_make_default_of_a_stranger_card_is_refused():
    with pytest.raises(ValueError):
        rules.after_make_default(["a"], "a", "b")
