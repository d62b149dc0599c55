"""Settings and Clinic Account routes, and which account a request lands in (docs/fidelity.md S1, S2, A1).

The account tests add a second clinic, ``other``, to the test's namespace (the fixture's
accounts plus one), so every way of naming an account has something to tell apart.
"""

from __future__ import annotations

import pytest

from vsee_sim.config import load_fixture

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"
OTHER_TOKEN = "a" * 32
OTHER = {
    "code": "other", "name": "Other Clinic", "domain": "other.example.com",
    "api_keys": [{"key": "other_key", "secret": "other_secret", "user_id": "9001"}],
    "settings": {"visit": {"time": {"max_wait_time": 60}}, "steps": [{"a": 1}, {"a": 2}],
                 "flag": False, "zero": 0, "nothing": None, "name": "x"},
    "profile": {"id": "other-id", "waiting_room": {"capacity": 5}},
    "users": [{"id": "9001", "code": "o1", "type": 200, "username": "other-user", "password": "pw1234",
               "email": "o@example.com", "active": True, "first_name": "O", "last_name": "U"}],
    "tokens": [{"token": OTHER_TOKEN, "user_id": "9001", "kind": "access", "expiry": None}],
}


def error(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    return body


def ok(resp):
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert list(body) == ["data"]
    return body["data"]


@pytest.fixture()
def two_clinics(world):
    fixture = load_fixture(world.fixture_name)
    fixture["accounts"].append(OTHER)
    world.load_fixture(fixture)
    return world


# -- GET /settings ------------------------------------------------------------------------------------
def test_settings_whole(client):
    data = ok(client.get("/api_v3/settings.json"))
    assert isinstance(data, dict) and data["visit"]["time"]["max_wait_time"] == 86400


@pytest.mark.parametrize("path, expected", [
    ("visit/time/max_wait_time", 86400),
    ("visit/time/max_wait_time.json", 86400),
    ("visit/time/max_wait_time/", 86400),
])
def test_setting_documented_path(client, path, expected):
    assert ok(client.get(f"/api_v3/settings/{path}")) == expected


def test_setting_any_depth(client):
    whole = ok(client.get("/api_v3/settings"))
    assert ok(client.get("/api_v3/settings/visit")) == whole["visit"]
    assert ok(client.get("/api_v3/settings/visit/time")) == whole["visit"]["time"]


@pytest.mark.parametrize("path", ["nope", "visit/nope", "visit/time/max_wait_time/deeper", "visit/time/0"])
def test_unknown_setting_is_404(client, path):
    body = error(client.get(f"/api_v3/settings/{path}.json"), 404)
    assert path in body["message"]


def test_settings_are_public(client):
    assert ok(client.get("/api_v3/settings", headers={"X-ApiToken": "0" * 32}))["visit"]


def test_settings_list_indexes_and_falsy_values(client, two_clinics):
    h = {"X-AccountCode": "other"}
    assert ok(client.get("/api_v3/settings/steps/1/a", headers=h)) == 2
    assert ok(client.get("/api_v3/settings/steps/0", headers=h)) == {"a": 1}
    error(client.get("/api_v3/settings/steps/2", headers=h), 404)
    error(client.get("/api_v3/settings/steps/x", headers=h), 404)
    assert ok(client.get("/api_v3/settings/flag", headers=h)) is False
    assert ok(client.get("/api_v3/settings/zero", headers=h)) == 0
    assert ok(client.get("/api_v3/settings/nothing", headers=h)) is None
    assert ok(client.get("/api_v3/settings/visit/time/max_wait_time", headers=h)) == 60


# -- GET /accounts -------------------------------------------------------------------------------------
def test_accounts_list(client):
    data = ok(client.get("/api_v3/accounts.json"))
    assert {"code": "vclinic", "name": "VClinic"} in data
    assert all(set(a) == {"code", "name"} for a in data)


def test_accounts_list_has_every_clinic(client, two_clinics):
    codes = [a["code"] for a in ok(client.get("/api_v3/accounts"))]
    assert "vclinic" in codes and "other" in codes


def test_account_by_code(client):
    data = ok(client.get("/api_v3/accounts/vclinic.json"))
    assert data["code"] == "vclinic" and data["name"] == "VClinic" and data["id"]


def test_account_dash_is_the_current_account(client):
    assert ok(client.get("/api_v3/accounts/-")) == ok(client.get("/api_v3/accounts/vclinic"))
    assert ok(client.get("/api_v3/accounts/-.json", headers={"X-ApiToken": DEMO_TOKEN}))["code"] == "vclinic"


def test_unknown_account_is_404(client):
    body = error(client.get("/api_v3/accounts/nope"), 404)
    assert "nope" in body["message"]


def test_other_account_by_code(client, two_clinics):
    data = ok(client.get("/api_v3/accounts/other"))
    assert data == {**data, "code": "other", "name": "Other Clinic", "id": "other-id",
                    "domain": "other.example.com"}
    assert data["waiting_room"] == {"capacity": 5}


# -- which account ---------------------------------------------------------------------------------------
def current(client, **headers) -> str:
    return ok(client.get("/api_v3/accounts/-", headers=headers))["code"]


def test_default_account(client, two_clinics):
    assert current(client) == "vclinic"


def test_account_by_header(client, two_clinics):
    assert current(client, **{"X-AccountCode": "other"}) == "other"
    assert ok(client.get("/api_v3/settings/visit/time/max_wait_time", headers={"X-AccountCode": "other"})) == 60


def test_unknown_account_header_is_404_naming_it(client, two_clinics):
    body = error(client.get("/api_v3/settings", headers={"X-AccountCode": "ghost"}), 404)
    assert "ghost" in body["message"]


def test_account_by_host(client, two_clinics):
    assert current(client, Host="api-other.example.com") == "other"
    assert current(client, Host="api-vclinic.example.com") == "vclinic"
    assert current(client, Host="api-ghost.example.com") == "vclinic"       # no such account: default
    assert current(client, Host="api-vclinic.example.com", **{"X-AccountCode": "other"}) == "other"


def test_account_by_host_with_the_documented_domain(client, two_clinics):
    assert current(client, Host="api-other.vseepreview.com") == "other"


def test_account_by_token(client, two_clinics):
    assert current(client, **{"X-ApiToken": OTHER_TOKEN}) == "other"
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": OTHER_TOKEN}))["id"] == "9001"
    assert current(client, **{"X-ApiToken": DEMO_TOKEN}) == "vclinic"


def test_a_token_is_not_valid_in_another_clinic(client, two_clinics):
    error(client.get("/api_v3/me", headers={"X-ApiToken": OTHER_TOKEN, "X-AccountCode": "vclinic"}), 401)
    error(client.get("/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN, "X-AccountCode": "other"}), 401)
    error(client.get("/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN, "Host": "api-other.example.com"}), 401)


def test_account_by_api_key(client, two_clinics):
    resp = client.post("/api_v3/users/sso", data={"first_name": "K", "last_name": "L", "code": "k1"},
                       headers={"X-ApiKey": "other_key", "X-ApiSecret": "other_secret"})
    token = ok(resp)["token"]["token"]
    assert current(client, **{"X-ApiToken": token}) == "other"
    users_here = ok(client.post("/api_v3/users/sso", data={"first_name": "K", "last_name": "L", "code": "k1"},
                                headers={"X-ApiKey": "vclinic_api_key"}))
    assert current(client, **{"X-ApiToken": users_here["token"]["token"]}) == "vclinic"


def test_api_key_of_another_clinic_is_403(client, two_clinics):
    error(client.post("/api_v3/users/sso", data={"first_name": "K", "last_name": "L", "code": "k1"},
                      headers={"X-ApiKey": "vclinic_api_key", "X-AccountCode": "other"}), 403)


def test_login_is_per_clinic(client, two_clinics):
    error(client.post("/api_v3/users/login", data={"username": "other-user", "password": "pw1234"}), 401)
    data = ok(client.post("/api_v3/users/login", data={"username": "other-user", "password": "pw1234"},
                          headers={"X-AccountCode": "other"}))
    assert data["user_id"] == "9001"
    assert current(client, **{"X-ApiToken": data["token"]}) == "other"


def test_logout_does_not_cross_a_named_clinic(client, two_clinics):
    ok(client.post("/api_v3/users/logout", json={"tokens": [OTHER_TOKEN]}, headers={"X-AccountCode": "vclinic"}))
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": OTHER_TOKEN}))["id"] == "9001"


def test_logout_without_a_named_clinic_acts_in_the_token_s_clinic(client, two_clinics):
    """DESIGN decision 5: no X-AccountCode, no api-<code>. host: the token's account."""
    ok(client.post("/api_v3/users/logout", json={"tokens": [OTHER_TOKEN]}))
    error(client.get("/api_v3/me", headers={"X-ApiToken": OTHER_TOKEN}), 401)
