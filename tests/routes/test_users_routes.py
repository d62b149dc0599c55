"""Users API routes: status, body and error body of every endpoint (docs/fidelity.md U1-U12, A2-A4)."""

from __future__ import annotations

import re

import pytest
from clinic import error, ok

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"   # user 201, no expiry, also a refresh token
API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
FORM = "application/x-www-form-urlencoded"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
T0 = 1_700_000_000
ME = {"X-ApiToken": DEMO_TOKEN}


def sso(client, query: str = "", headers: dict | None = None, **body):
    return client.post(f"/api_v3/users/sso{query}", data=body, headers=headers or API)


def login(client, **body):
    return client.post("/api_v3/users/login", data=body)


def outbox_code(client, email: str, template: str) -> str:
    items = ok(client.get("/_sim/outbox", query_string={"to": email, "template": template}))
    assert items, f"no {template} email to {email}"
    assert items[0]["to"] == email and items[0]["channel"] == "email"
    assert re.fullmatch(r"\d{6}", items[0]["code"])
    assert items[0]["code"] in items[0]["body"]
    return items[0]["code"]


@pytest.fixture(autouse=True)
def frozen(world):
    world.clock.freeze(T0)


# -- POST /users/sso -------------------------------------------------------------------------------
def test_sso_patient_creates_then_maps_to_the_same_user(client):
    first = ok(sso(client, first_name="John", last_name="Smith", code="ca9781", type="200"))
    assert first["id"].isdigit() and first["code"] == "ca9781" and first["type"] == 200
    assert (first["first_name"], first["last_name"], first["active"], first["tos"]) == ("John", "Smith", True, False)
    assert HEX32.match(first["username"]) and first["vseeid"].endswith("+" + first["username"])
    token = first["token"]
    assert token["user_id"] == first["id"] and HEX32.match(token["token"])
    assert token["expiry"] == T0 + 86400
    assert token["refresh_token"] == {"user_id": first["id"], "token": token["refresh_token"]["token"],
                                      "expiry": T0 + 2592000, "created": T0}
    again = ok(sso(client, first_name="Johnny", last_name="S", code="ca9781", type="200"))
    assert again["id"] == first["id"] and again["first_name"] == "John"    # stored record, unchanged
    assert again["token"]["token"] != token["token"]
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": token["token"]}))["id"] == first["id"]
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": again["token"]["token"]}))["id"] == first["id"]


def test_sso_provider(client):
    data = ok(sso(client, first_name="John", last_name="Provider", code="cd9781", type="400"))
    assert data["type"] == 400 and data["code"] == "cd9781"
    assert ok(sso(client, first_name="x", last_name="y", code="cd9781", type=400))["id"] == data["id"]


def test_sso_guest_is_new_every_time(client):
    one = ok(sso(client, first_name="John", last_name="Smith", dob="1990-01-01", type="600"))
    two = ok(sso(client, first_name="John", last_name="Smith", dob="1990-01-01", type="600"))
    assert one["type"] == two["type"] == 600 and one["dob"] == "1990-01-01"
    assert one["id"] != two["id"] and HEX32.match(one["code"]) and one["code"] != two["code"]


def test_sso_type_defaults_to_patient(client):
    assert ok(sso(client, first_name="A", last_name="B", code="no-type"))["type"] == 200


def test_sso_json_body(client):
    resp = client.post("/api_v3/users/sso.json", json={"first_name": "A", "last_name": "B", "code": "js", "type": 200},
                       headers=API)
    assert ok(resp)["code"] == "js"


def test_sso_fields_vsee(client):
    data = ok(sso(client, "?fields=vsee", first_name="A", last_name="B", code="fv"))
    assert data["vsee"]["id"] == data["vseeid"] and HEX32.match(data["vsee"]["token"])
    assert "vsee" not in ok(sso(client, first_name="A", last_name="B", code="fv"))


def test_sso_same_code_other_type_is_400(client):
    ok(sso(client, first_name="A", last_name="B", code="mixed", type="200"))
    error(sso(client, first_name="A", last_name="B", code="mixed", type="400"), 400, "code")


@pytest.mark.parametrize("kind", ["500", "100", "abc", "160"])
def test_sso_unknown_type_is_400(client, kind):
    error(sso(client, first_name="A", last_name="B", code="t", type=kind), 400, "type")


def test_sso_patient_needs_a_code(client):
    error(sso(client, first_name="A", last_name="B", type="200"), 400, "code")


@pytest.mark.parametrize("missing", ["first_name", "last_name"])
def test_sso_new_user_needs_names(client, missing):
    body = {"first_name": "A", "last_name": "B", "code": "nn", "type": "200"}
    del body[missing]
    error(client.post("/api_v3/users/sso", data=body, headers=API), 400, missing)


@pytest.mark.parametrize("field, bad", [("dob", "1990/01/01"), ("gender", "x"), ("state", "XX"), ("zip", "1")])
def test_sso_validates_profile_fields(client, field, bad):
    error(sso(client, first_name="A", last_name="B", code="v", **{field: bad}), 400, field)


def test_sso_without_api_key_is_401(client):
    error(sso(client, headers={"X-AccountCode": "vclinic"}, first_name="A", last_name="B", code="k"), 401)


def test_sso_with_unknown_api_key_is_401(client):
    error(sso(client, headers={**API, "X-ApiKey": "nope"}, first_name="A", last_name="B", code="k"), 401)


def test_sso_with_wrong_secret_is_403(client):
    error(sso(client, headers={**API, "X-ApiSecret": "wrong"}, first_name="A", last_name="B", code="k"), 403)


def test_sso_with_right_secret_and_all_headers(client):
    headers = {**API, "X-ApiSecret": "vclinic_api_secret", "X-ApiToken": "whatever"}
    assert ok(sso(client, headers=headers, first_name="A", last_name="B", code="k"))["code"] == "k"


def test_sso_account_from_the_api_key(client):
    assert ok(sso(client, headers={"X-ApiKey": "vclinic_api_key"}, first_name="A", last_name="B", code="nk"))


def test_failed_sso_leaves_no_user_behind(client):
    error(sso(client, first_name="A", last_name="B", code="half", dob="bad"), 400, "dob")
    data = ok(sso(client, first_name="C", last_name="D", code="half"))
    assert data["first_name"] == "C"


# -- POST /users/login ------------------------------------------------------------------------------
def test_login_documented_username_password(client):
    resp = client.post("/api_v3/users/login.json", data="username=member-201&password=111111", content_type=FORM)
    data = ok(resp)
    assert data["user_id"] == "201" and data["user_type"] == "200"
    assert data["created"] == T0 and data["expiry"] == T0 + 86400
    assert data["refresh_token"]["expiry"] == T0 + 2592000 and data["refresh_token"]["user_id"] == "201"
    assert data["user"]["id"] == "201" and data["user"]["username"] == "member-201"
    assert "password" not in data["user"]
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": data["token"]}))["id"] == "201"


def test_login_documented_email_token(client):
    resp = client.post("/api_v3/users/login.json", data="email=an+1@vsee.com&email_token=ztpand", content_type=FORM)
    data = ok(resp)
    assert data["user"]["email"] == "an+1@vsee.com" and data["user"]["active"] is False
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": data["token"]}))["email"] == "an+1@vsee.com"


def test_login_email_token_json(client):
    assert ok(client.post("/api_v3/users/login", json={"email": "AN+1@vsee.com", "email_token": "ztpand"}))


@pytest.mark.parametrize("body", [
    {"username": "member-201", "password": "wrong1"},
    {"username": "nobody", "password": "111111"},
    {"username": "an+1@vsee.com", "password": "anything"},     # inactive, no password yet
    {"email": "an+1@vsee.com", "email_token": "wrong"},
    {"email": "an+user1@vsee.com", "email_token": "ztpand"},    # someone else's code
    {"email": "nobody@vsee.com", "email_token": "ztpand"},
])
def test_login_bad_credentials_are_401(client, body):
    error(login(client, **body), 401)


@pytest.mark.parametrize("body, field", [
    ({"username": "member-201"}, "password"),
    ({"password": "111111"}, "username"),
    ({"email": "an+1@vsee.com"}, "email_token"),
    ({"email_token": "ztpand"}, "email"),
    ({}, "username"),
])
def test_login_missing_fields_are_400(client, body, field):
    error(login(client, **body), 400, field)


# -- GET /me, POST /me ------------------------------------------------------------------------------
def test_me_documented_token(client):
    data = ok(client.get("/api_v3/me.json", headers=ME))
    assert data["id"] == "201" and data["username"] == "member-201" and data["email"] == "an+user1@vsee.com"
    assert "password" not in data and "email_token" not in data


@pytest.mark.parametrize("headers", [{}, {"X-ApiToken": "0" * 32}, {"X-ApiToken": ""}])
def test_me_without_a_live_token_is_401(client, headers):
    error(client.get("/api_v3/me", headers=headers), 401)
    error(client.post("/api_v3/me", data={"city": "x"}, headers=headers), 401)


def test_me_update_persists(client):
    body = {"first_name": "An", "last_name": "Nguyen", "dob": "1983-10-02", "gender": "male", "state": "al",
            "zip": "07123", "tos": "1", "timezone": "Asia/Ho_Chi_Minh", "pcp_phone": "7123456789",
            "nationality": "Vietnamese", "city": "Hanoi", "phone": "800-555-1234", "street_addr": "1 Main"}
    data = ok(client.post("/api_v3/me", data=body, headers=ME))
    expected = {**body, "gender": 1, "state": "AL", "tos": True}
    assert {k: data[k] for k in expected} == expected
    assert ok(client.get("/api_v3/me", headers=ME)) == data


def test_me_documented_update_with_typographic_quotes(client):
    body = "\u201cpassword=111111&dob=1983-10-02&nationality=Vietnamese\u201d".encode()
    data = ok(client.post("/api_v3/me.json", data=body, content_type=FORM, headers=ME))
    assert data["dob"] == "1983-10-02" and data["nationality"] == "Vietnamese"
    assert ok(login(client, username="member-201", password="111111"))   # password unchanged


@pytest.mark.parametrize("field, bad", [
    ("dob", "1990/01/01"), ("dob", "2999-01-01"), ("dob", "1990-02-30"), ("gender", "other"), ("state", "XX"),
    ("state", "California"), ("timezone", "Mars/Base"), ("tos", "2"), ("pcp_phone", "123"), ("zip", "abc"),
    ("phone", "abc"), ("first_name", ""), ("last_name", " "), ("photo", "no-such-file"),
    ("password", "123"),
])
def test_me_invalid_field_is_400_naming_it(client, field, bad):
    before = ok(client.get("/api_v3/me", headers=ME))
    error(client.post("/api_v3/me", data={field: bad}, headers=ME), 400, field)
    assert ok(client.get("/api_v3/me", headers=ME)) == before      # nothing half-written


def test_me_several_bad_fields_are_named_together(client):
    body = error(client.post("/api_v3/me", json={"dob": "x", "state": "XX", "city": "ok"}, headers=ME), 400)
    assert {"dob", "state"} <= set(body["errors"]) and "city" not in body["errors"]


def test_me_password_change_needs_old_password(client):
    error(client.post("/api_v3/me", data={"old_password": "111111"}, headers=ME), 400, "password")
    error(client.post("/api_v3/me", data={"password": "222222"}, headers=ME), 400, "old_password")
    error(client.post("/api_v3/me", data={"password": "222222", "old_password": "nope00"}, headers=ME),
          400, "old_password")
    ok(client.post("/api_v3/me", data={"password": "222222", "old_password": "111111"}, headers=ME))
    error(login(client, username="member-201", password="111111"), 401)
    assert ok(login(client, username="member-201", password="222222"))["user_id"] == "201"


def test_me_empty_photo_deletes_it(client):
    data = ok(client.post("/api_v3/me", data={"photo": ""}, headers=ME))
    assert data["photo"] is None


# -- activation, reset ------------------------------------------------------------------------------
def test_activation_flow(client):
    assert ok(client.post("/api_v3/users/activate.json", data="first_name=An&last_name=Nguyen&email=an@vsee.com",
                          content_type=FORM)) is True
    code = outbox_code(client, "an@vsee.com", "activation")
    error(login(client, email="an@vsee.com", email_token="000000" if code != "000000" else "111111"), 401)
    session = ok(login(client, email="an@vsee.com", email_token=code))
    headers = {"X-ApiToken": session["token"]}
    me = ok(client.get("/api_v3/me", headers=headers))
    assert me["active"] is False and me["email"] == "an@vsee.com" and me["first_name"] == "An"
    username = me["username"]
    updated = ok(client.post("/api_v3/me", data={"password": "secret1"}, headers=headers))
    assert updated["active"] is True
    assert ok(login(client, username=username, password="secret1"))["user_id"] == me["id"]
    error(login(client, email="an@vsee.com", email_token=code), 401)      # the code is spent
    error(client.post("/api_v3/users/activate", data={"first_name": "An", "last_name": "Nguyen",
                                                      "email": "an@vsee.com"}), 400, "email")


def test_activation_of_a_stranger_is_400(client):
    error(client.post("/api_v3/users/activate", data={"first_name": "No", "last_name": "Body",
                                                      "email": "nobody@example.com"}), 400)
    assert ok(client.get("/_sim/outbox?to=nobody@example.com")) == []


@pytest.mark.parametrize("body, field", [
    ({"first_name": "An", "last_name": "Nguyen"}, "email"),
    ({"first_name": "An", "last_name": "Nguyen", "email": "not-an-email"}, "email"),
    ({"first_name": "An", "last_name": "Nguyen", "email": "an@vsee.com", "dob": "10/02/1983"}, "dob"),
    ({"first_name": "An", "last_name": "Nguyen", "email": "an@vsee.com", "ssn": "12"}, "ssn"),
])
def test_activation_bad_input_is_400(client, body, field):
    error(client.post("/api_v3/users/activate", data=body), 400, field)


def test_reset_password_flow(client):
    resp = client.post("/api_v3/users/reset_password.json", data="email=an+user1@vsee.com", content_type=FORM)
    assert ok(resp) is True
    code = outbox_code(client, "an+user1@vsee.com", "reset_password")
    session = ok(login(client, email="an+user1@vsee.com", email_token=code))
    assert session["user_id"] == "201"
    ok(client.post("/api_v3/me", data={"password": "fresh12"}, headers={"X-ApiToken": session["token"]}))
    assert ok(login(client, username="member-201", password="fresh12"))["user_id"] == "201"
    error(login(client, username="member-201", password="111111"), 401)


def test_reset_password_unknown_email_is_404_and_bad_email_400(client):
    error(client.post("/api_v3/users/reset_password", data={"email": "nobody@vsee.com"}), 404)
    error(client.post("/api_v3/users/reset_password", data={"email": "nope"}), 400, "email")
    error(client.post("/api_v3/users/reset_password", data={}), 400, "email")


# -- logout, refresh, alive -------------------------------------------------------------------------
def test_logout_the_token_sent(client):
    token = ok(login(client, username="member-201", password="111111"))["token"]
    assert ok(client.post("/api_v3/users/logout", headers={"X-ApiToken": token})) is True
    error(client.get("/api_v3/me", headers={"X-ApiToken": token}), 401)
    assert ok(client.post("/api_v3/users/logout", headers={"X-ApiToken": token})) is True   # twice is fine
    assert ok(client.get("/api_v3/me", headers=ME))["id"] == "201"


def test_logout_given_tokens_leaves_the_caller(client):
    one = ok(login(client, username="member-201", password="111111"))
    two = ok(login(client, username="member-201", password="111111"))
    ok(client.post("/api_v3/users/logout", data={"tokens[]": [one["token"], one["refresh_token"]["token"]]},
                   headers={"X-ApiToken": two["token"]}))
    error(client.get("/api_v3/me", headers={"X-ApiToken": one["token"]}), 401)
    error(client.post("/api_v3/tokens/refresh", data={"refresh_token": one["refresh_token"]["token"]}), 401)
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": two["token"]}))["id"] == "201"


def test_logout_the_documented_token(client):
    ok(client.post("/api_v3/users/logout", json={"tokens": [DEMO_TOKEN]}))
    error(client.get("/api_v3/me", headers=ME), 401)
    error(client.post("/api_v3/tokens/refresh", data={"refresh_token": DEMO_TOKEN}), 401)


def test_refresh_documented_curl(client):
    resp = client.post("/api_v3/tokens/refresh.json", data=f"refresh_token: {DEMO_TOKEN}", content_type=FORM)
    data = ok(resp)
    assert data["user_id"] == "201" and data["user_type"] == "200" and HEX32.match(data["token"])
    assert data["expiry"] == T0 + 86400
    assert data["user"]["id"] == "201" and data["user"]["username"] == "member-201"
    assert data["user"]["name"] == f"{data['user']['first_name']} {data['user']['last_name']}".strip()
    assert data["user"]["gender"] == "Female"
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": data["token"]}))["id"] == "201"


def test_refresh_with_a_login_refresh_token(client):
    session = ok(login(client, username="member-201", password="111111"))
    data = ok(client.post("/api_v3/tokens/refresh", json={"refresh_token": session["refresh_token"]["token"]}))
    assert data["token"] not in (session["token"], session["refresh_token"]["token"])


def test_refresh_errors(client):
    error(client.post("/api_v3/tokens/refresh", data={}), 400, "refresh_token")
    error(client.post("/api_v3/tokens/refresh", data={"refresh_token": "0" * 32}), 401)


def test_alive(client, world):
    assert ok(client.post("/api_v3/users/alive.json", headers=ME)) == {"last_connected": T0, "heartbeat": 300}
    world.clock.advance(60)
    assert ok(client.post("/api_v3/users/alive", data={"heartbeat": "120"}, headers=ME)) == \
        {"last_connected": T0 + 60, "heartbeat": 120}
    assert ok(client.get("/api_v3/me", headers=ME))["last_connected"] == T0 + 60


@pytest.mark.parametrize("beat", ["5", "abc", "86401", "-1"])
def test_alive_bad_heartbeat_is_400(client, beat):
    error(client.post("/api_v3/users/alive", data={"heartbeat": beat}, headers=ME), 400, "heartbeat")


def test_alive_needs_a_token(client):
    error(client.post("/api_v3/users/alive"), 401)
