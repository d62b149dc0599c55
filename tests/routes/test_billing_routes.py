"""Billing API routes: the documented calls, every error, the wallet's state, paying an
intake (docs/fidelity.md BL1-BL9)."""

from __future__ import annotations

import re

import pytest
from clinic import error, ok

P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}
P575 = {"X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb"}
INTAKE_201 = "582d4bac-4004-4a78-be63-9158ac1f0144"       # room abc, 30-min consultation, 30 USD
CONSULT_ABC = "58244a53-0f28-4ff9-bdbc-7468ac1f0144"
TEN_PERCENT, FIVE_DOLLARS, EXPIRED = "10_percents_1479363579", "5_dollars_1479363600", "expired_1470000000"
QUERY = "?room_code=abc&provider_id=12312"
CARD_ID = re.compile(r"^card_[A-Za-z0-9]{24}$")
CARD_KEYS = {"id", "type", "brand", "exp_month", "exp_year", "last4", "name", "is_default"}
INVOICE_KEYS = {"currency", "consultation", "coupon", "amount_due"}
COUPON_KEYS = {"id", "object", "amount_off", "created", "currency", "duration", "duration_in_months",
               "livemode", "max_redemptions", "metadata", "percent_off", "redeem_by", "times_redeemed", "valid"}


def add(client, token="tok_visa", headers=P201, query=QUERY, **body):
    return client.post(f"/api_v3/billing/sources{query}", json={"source": token, **body}, headers=headers)


def process(client, headers=P201, **body):
    return client.post("/api_v3/billing/invoices/process", json={"intake_id": INTAKE_201, **body}, headers=headers)


# -- the documented calls -------------------------------------------------------------
def test_settings_are_the_clinics_publishable_key(client):
    data = ok(client.get("/api_v3/billing/settings", headers=P201))
    assert data == {"stripe": {"publishable_key": "pk_test_vclinic"}}
    assert ok(client.get("/api_v3/billing/settings.json", headers=P201)) == data


def test_add_a_card_as_documented(client):
    data = ok(add(client, type="card"))
    assert CARD_KEYS | {"country", "funding"} <= set(data)
    assert CARD_ID.match(data["id"])
    assert (data["type"], data["brand"], data["last4"], data["funding"], data["country"]) == \
        ("card", "Visa", "4242", "credit", "US")
    assert isinstance(data["exp_month"], int) and isinstance(data["exp_year"], int)
    assert data["is_default"] is True and data["name"]


def test_the_wallet_add_list_show_default_delete(client):
    first = ok(add(client))
    second = ok(add(client, "tok_mastercard_debit", name="Jack Sparrow"))
    third = ok(client.post("/api_v3/billing/sources", data={"token": "tok_amex"}, headers=P201))
    assert (second["is_default"], third["is_default"]) == (False, False)
    assert (second["name"], second["funding"], third["brand"]) == ("Jack Sparrow", "debit", "American Express")

    listed = ok(client.get(f"/api_v3/billing/sources{QUERY}", headers=P201))
    assert [c["id"] for c in listed] == [first["id"], second["id"], third["id"]]
    assert all(set(c) >= CARD_KEYS for c in listed)
    assert [c["is_default"] for c in listed] == [True, False, False]
    assert ok(client.get(f"/api_v3/billing/sources/{second['id']}", headers=P201)) == second

    made = ok(client.put(f"/api_v3/billing/sources/{second['id']}", json={"is_default": 1}, headers=P201))
    assert made["is_default"] is True and set(made) >= CARD_KEYS
    listed = ok(client.get("/api_v3/billing/sources", headers=P201))
    assert [c["is_default"] for c in listed] == [False, True, False]

    # deleting the default makes the newest remaining card the default
    assert ok(client.delete(f"/api_v3/billing/sources/{second['id']}{QUERY}", headers=P201)) == []
    listed = ok(client.get("/api_v3/billing/sources", headers=P201))
    assert [(c["id"], c["is_default"]) for c in listed] == [(first["id"], False), (third["id"], True)]
    error(client.get(f"/api_v3/billing/sources/{second['id']}", headers=P201), 404)

    ok(client.delete(f"/api_v3/billing/sources/{first['id']}", headers=P201))
    ok(client.delete(f"/api_v3/billing/sources/{third['id']}", headers=P201))
    assert ok(client.get("/api_v3/billing/sources", headers=P201)) == []
    assert ok(add(client, "tok_discover"))["is_default"] is True


def test_put_takes_room_and_provider_from_body_or_query(client):
    card = ok(add(client))
    ok(client.put(f"/api_v3/billing/sources/{card['id']}", json={"room_code": "abc"}, headers=P201))
    ok(client.put(f"/api_v3/billing/sources/{card['id']}{QUERY}", headers=P201))
    error(client.put(f"/api_v3/billing/sources/{card['id']}", json={"provider_id": "201"}, headers=P201),
          400, "provider_id")
    error(client.put(f"/api_v3/billing/sources/{card['id']}", json={"is_default": 0}, headers=P201),
          400, "is_default")


def test_process_invoice_as_documented_charges_the_default_card(client, world):
    card = ok(add(client))
    data = ok(process(client, coupon=TEN_PERCENT))
    assert set(data) >= INVOICE_KEYS
    assert data["currency"] == "USD"
    assert data["consultation"] == {"description": "30 mins", "amount": 30, "duration": 30, "id": CONSULT_ABC}
    assert set(data["coupon"]) >= COUPON_KEYS and data["coupon"]["percent_off"] == 10
    assert data["amount_due"] == 27 and data["paid"] is True and data["source"] == card["id"]
    assert data["id"].startswith("in_")
    db = world.account("vclinic")
    assert db.invoices.get(data["id"])["amount_due"] == 27
    assert db.coupons.get(TEN_PERCENT)["times_redeemed"] == 1
    # an intake is paid once
    error(process(client), 400, "intake_id")


def test_price_only_charges_nothing(client, world):
    data = ok(process(client, coupon=TEN_PERCENT, charge="0"))
    assert data["amount_due"] == 27 and data["paid"] is False and data["coupon"]["times_redeemed"] == 0
    db = world.account("vclinic")
    assert len(db.invoices) == 0 and db.coupons.get(TEN_PERCENT)["times_redeemed"] == 0


def test_paying_marks_the_visit_paid(client, clinic, world):
    user_id, token = clinic.sso()
    headers = {"X-ApiToken": token}
    visit = clinic.walkin(token, "abc")
    ok(add(client, "tok_mastercard", headers=headers))
    data = ok(client.post("/api_v3/billing/invoices/process",
                          json={"intake_id": visit["intake_id"], "coupon": FIVE_DOLLARS}, headers=headers))
    assert data["amount_due"] == 25 and data["visit_id"] == visit["id"]
    stored = world.account("vclinic").visits.get(visit["id"])
    assert stored["invoice_id"] == data["id"]
    assert stored["payment"]["paid"] is True and stored["payment"]["invoice_id"] == data["id"]
    shown = ok(client.get(f"/api_v3/visits/{visit['id']}", headers=headers))
    assert shown["payment"]["paid"] is True and shown["invoice_id"] == data["id"]


def test_pay_with_a_given_card(client):
    ok(add(client))
    other = ok(add(client, "tok_jcb"))
    assert ok(process(client, source=other["id"]))["source"] == other["id"]


def test_a_full_discount_needs_no_card(client, world):
    world.account("vclinic").coupons.insert({"id": "free", "percent_off": 100, "duration": "forever"})
    data = ok(process(client, coupon="free"))
    assert data["amount_due"] == 0 and data["paid"] is True and data["source"] is None


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("GET", "/billing/settings"), ("POST", "/billing/sources"), ("GET", "/billing/sources"),
    ("GET", "/billing/sources/card_x"), ("PUT", "/billing/sources/card_x"),
    ("DELETE", "/billing/sources/card_x"), ("POST", "/billing/invoices/process"),
])
def test_every_call_needs_a_token(client, method, path):
    error(client.open(f"/api_v3{path}", method=method), 401)
    error(client.open(f"/api_v3{path}", method=method, headers={"X-ApiToken": "0" * 32}), 401)


@pytest.mark.parametrize("token, code", [
    ("tok_chargeDeclined", "generic_decline"),
    ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("tok_chargeDeclinedExpiredCard", "expired_card"),
    ("tok_chargeDeclinedIncorrectCvc", "incorrect_cvc"),
])
def test_declined_cards_are_a_402_naming_the_decline(client, token, code):
    body = error(add(client, token), 402, "source")
    assert code in body["message"] and body["errors"]["source"] == [code]
    assert ok(client.get("/api_v3/billing/sources", headers=P201)) == []


@pytest.mark.parametrize("body, field", [
    ({}, "source"),
    ({"source": "tok_nope"}, "source"),
    ({"source": "  "}, "source"),
    ({"source": ["tok_visa"]}, "source"),
    ({"source": {"id": "tok_visa"}}, "source"),
    ({"source": "x" * 100_000}, "source"),
    ({"source": "tok_visa", "type": "bitcoin"}, "type"),
    ({"source": "tok_visa", "name": ["a"]}, "name"),
])
def test_bad_sources_are_a_400_naming_the_field(client, body, field):
    error(client.post("/api_v3/billing/sources", json=body, headers=P201), 400, field)


@pytest.mark.parametrize("query, field", [
    ("?room_code=nope", "room_code"),
    ("?provider_id=201", "provider_id"),                # a patient
    ("?provider_id=99999999999999999999", "provider_id"),
    ("?room_code=abc&provider_id=826", "provider_id"),  # a provider, not of room abc
    ("?type=bitcoin", "type"),
])
def test_bad_query_is_a_400_naming_it(client, query, field):
    error(add(client, query=query), 400, field)
    error(client.get(f"/api_v3/billing/sources{query}", headers=P201), 400, field)


def test_cards_belong_to_their_owner(client):
    card = ok(add(client))
    error(client.get(f"/api_v3/billing/sources/{card['id']}", headers=P575), 404)
    error(client.put(f"/api_v3/billing/sources/{card['id']}", json={"is_default": 1}, headers=P575), 404)
    error(client.delete(f"/api_v3/billing/sources/{card['id']}", headers=P575), 404)
    assert ok(client.get("/api_v3/billing/sources", headers=P575)) == []
    assert ok(client.get(f"/api_v3/billing/sources/{card['id']}", headers=P201))["id"] == card["id"]
    error(client.get("/api_v3/billing/sources/" + "x" * 5000, headers=P201), 404)


def test_no_card_is_a_402(client):
    error(process(client), 402, "source")


def test_a_failing_card_is_declined_when_charged_and_nothing_is_kept(client, world):
    ok(add(client, "tok_chargeCustomerFail"))
    body = error(process(client, coupon=TEN_PERCENT), 402, "source")
    assert "generic_decline" in body["message"]
    db = world.account("vclinic")
    assert len(db.invoices) == 0 and db.coupons.get(TEN_PERCENT)["times_redeemed"] == 0


@pytest.mark.parametrize("body, status, field", [
    ({"intake_id": None}, 400, "intake_id"),
    ({"intake_id": "nope"}, 400, "intake_id"),
    ({"intake_id": ["x"]}, 400, "intake_id"),
    ({"coupon": "nope"}, 400, "coupon"),
    ({"coupon": EXPIRED}, 400, "coupon"),
    ({"coupon": {"id": TEN_PERCENT}}, 400, "coupon"),
    ({"source": "card_nope"}, 400, "source"),
    ({"charge": [1]}, 400, "charge"),
    ({"charge": "maybe"}, 400, "charge"),
])
def test_bad_invoices_are_a_400_naming_the_field(client, body, status, field):
    ok(add(client))
    error(process(client, **body), status, field)


def test_another_patients_intake_is_a_403(client):
    ok(add(client, headers=P575))
    error(process(client, headers=P575), 403)


def test_a_once_coupon_is_once_per_user_and_limited_coupons_run_out(client, clinic, world):
    ok(add(client))
    ok(process(client, coupon=TEN_PERCENT))
    _, token = clinic.sso()
    headers = {"X-ApiToken": token}
    ok(add(client, headers=headers))
    first = clinic.intake(token, "abc")
    second = clinic.intake(token, "abc")
    pay = {"intake_id": first["id"], "coupon": TEN_PERCENT}
    ok(client.post("/api_v3/billing/invoices/process", json=pay, headers=headers))
    pay = {"intake_id": second["id"], "coupon": TEN_PERCENT}
    error(client.post("/api_v3/billing/invoices/process", json=pay, headers=headers), 400, "coupon")

    world.account("vclinic").coupons.update(FIVE_DOLLARS, times_redeemed=100)
    pay = {"intake_id": second["id"], "coupon": FIVE_DOLLARS}
    body = error(client.post("/api_v3/billing/invoices/process", json=pay, headers=headers), 400, "coupon")
    assert "limit" in body["message"]


HOSTILE = [None, True, 0, -1, 10**40, 1.5e308, "", " ", "x" * 20_000, "é\u0000☃", [], ["a", 1], {}, {"a": {"b": []}}]
CALLS = [
    ("POST", "/billing/sources", ["source", "token", "type", "name", "room_code", "provider_id"]),
    ("PUT", "/billing/sources/{card}", ["is_default", "room_code", "provider_id"]),
    ("POST", "/billing/invoices/process", ["intake_id", "coupon", "source", "charge"]),
]


@pytest.mark.parametrize("method, path, names", CALLS)
def test_never_a_500(client, method, path, names):
    card = ok(add(client))["id"]
    for name in names:
        for value in HOSTILE:
            body = {"source": "tok_visa", "intake_id": INTAKE_201, name: value}
            resp = client.open(f"/api_v3{path.format(card=card)}", method=method, json=body, headers=P201)
            assert resp.status_code in (200, 400, 402, 403, 404), (name, value, resp.get_json())
            query = client.open(f"/api_v3/billing/sources?{name}={str(value)[:5000]}", headers=P201)
            assert query.status_code in (200, 400), (name, value, query.get_json())
