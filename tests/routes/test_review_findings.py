"""Inputs and flows found by review: each once answered wrongly, or with a 500."""

from __future__ import annotations

import io
import json

from vsee_sim.app import create_app
from vsee_sim.config import load_fixture

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"
API = {"X-ApiKey": "vclinic_api_key"}
FORM = "application/x-www-form-urlencoded"


# -- paths -------------------------------------------------------------------------
def test_double_and_trailing_slashes_mean_the_same_route(client):
    for path in ("/api_v3//me.json", "/vc/next/api_v3///me", "/api_v3/me/", "/ns/x1//api_v3/me.json"):
        r = client.get(path, headers={"X-ApiToken": DEMO_TOKEN})
        assert r.status_code == 200 and r.get_json()["data"]["id"] == "201", path


def test_an_invalid_namespace_prefix_is_a_404_not_a_namespace(client):
    r = client.get('/ns/"><img src=x>/api_v3/settings.json')
    assert r.status_code == 404 and r.get_json()["code"] == 404


def test_docs_page_escapes_what_comes_from_the_url(app):
    page = app.test_client().get("/ns/ok.name-1/docs").get_data(as_text=True)
    assert '"/ns/ok.name-1/api_v3/openapi.json"' in page
    page = app.test_client().get('/ns/"><b>/docs').get_data(as_text=True)
    assert "<b>" not in page


# -- bodies ------------------------------------------------------------------------
def test_deeply_nested_json_is_a_400(client):
    body = '{"tokens":' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.post("/api_v3/users/logout.json", data=body, content_type="application/json")
    assert r.status_code == 400 and "nested" in r.get_json()["message"]


def test_deeply_nested_form_keys_are_a_400(client):
    r = client.post("/api_v3/users/logout.json", data="a" + "[x]" * 5000 + "=1", content_type=FORM)
    assert r.status_code == 400 and "nested" in r.get_json()["message"]


def test_a_chunked_body_over_the_limit_is_a_413():
    client = create_app({"MAX_BODY_BYTES": 1024}).test_client()
    body = json.dumps({"tokens": ["a" * 5000]}).encode()
    r = client.post("/api_v3/users/logout", input_stream=io.BytesIO(body),
                    environ_overrides={"wsgi.input_terminated": True},
                    headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    assert r.status_code == 413


def test_a_huge_gps_number_is_a_400(client):
    r = client.post("/api_v3/me.json", headers={"X-ApiToken": DEMO_TOKEN},
                    json={"gps": {"lat": 10 ** 400, "long": 1}})
    assert r.status_code == 400 and "gps" in r.get_json()["errors"]


def test_lat_without_long_is_a_400_naming_lat(client):
    r = client.post("/api_v3/me.json", headers={"X-ApiToken": DEMO_TOKEN}, json={"lat": 37.7})
    assert r.status_code == 400 and r.get_json()["errors"] == {"lat": ["send lat and long together."]}


def test_setting_list_indexes_take_ascii_digits_only(client, world):
    world.accounts["vclinic"].meta["settings"] = {"list": ["a", "b"]}
    assert client.get("/api_v3/settings/list/1.json").get_json()["data"] == "b"
    for part in ("²", "9" * 5000, "-1"):
        assert client.get(f"/api_v3/settings/list/{part}").status_code == 404


# -- reset ---------------------------------------------------------------------------
def test_reset_to_a_path_is_refused_and_changes_nothing(client):
    sso = client.post("/api_v3/users/sso.json", headers=API,
                      data={"first_name": "A", "last_name": "B", "code": "keep-me", "type": "200"})
    r = client.post("/_sim/reset", data={"fixture": "/etc/passwd.json"})
    assert r.status_code == 400 and "fixture" in r.get_json()["errors"]
    again = client.post("/api_v3/users/sso.json", headers=API,
                        data={"first_name": "A", "last_name": "B", "code": "keep-me", "type": "200"})
    assert again.get_json()["data"]["id"] == sso.get_json()["data"]["id"]


def test_reset_to_an_unknown_fixture_is_a_400_and_plain_reset_still_works(client):
    assert client.post("/_sim/reset", data={"fixture": "no-such"}).status_code == 400
    r = client.post("/_sim/reset")
    assert r.status_code == 200 and r.get_json()["data"]["fixture"] == "demo"


def test_a_bad_fixture_changes_nothing(world):
    from vsee_sim.core.store import Worlds

    worlds = Worlds(lambda name: {"accounts": [{}]} if name == "bad" else load_fixture("demo"), "demo", 1)
    good = worlds.get("n")
    before = len(good.accounts["vclinic"].users)
    try:
        worlds.reset("n", "bad")
    except ValueError as exc:
        assert "code" in str(exc)
    else:
        raise AssertionError("a fixture without an account code was accepted")
    assert good.fixture_name == "demo" and len(good.accounts["vclinic"].users) == before


# -- users ---------------------------------------------------------------------------
def test_every_guest_sso_is_a_new_guest_even_with_a_code(client):
    form = {"first_name": "John", "last_name": "Smith", "dob": "1990-01-01", "type": "600", "code": "g1"}
    first = client.post("/api_v3/users/sso.json", headers=API, data=form).get_json()["data"]
    second = client.post("/api_v3/users/sso.json", headers=API, data=form).get_json()["data"]
    assert first["id"] != second["id"] and first["code"] != "g1"


def test_sso_refuses_an_email_another_user_has(client):
    r = client.post("/api_v3/users/sso.json", headers=API, data={
        "first_name": "A", "last_name": "B", "code": "dup-email", "type": "200", "email": "AN+USER1@vsee.com"})
    assert r.status_code == 400 and "email" in r.get_json()["errors"]


def test_after_setting_a_password_the_email_token_session_needs_old_password(client):
    login = client.post("/api_v3/users/login.json", data="email=an+1@vsee.com&email_token=ztpand",
                        content_type=FORM).get_json()["data"]
    headers = {"X-ApiToken": login["token"]}
    assert client.post("/api_v3/me.json", headers=headers, data={"password": "first-pass"}).status_code == 200
    r = client.post("/api_v3/me.json", headers=headers, data={"password": "second-pass"})
    assert r.status_code == 400 and "old_password" in r.get_json()["errors"]
    again = client.post("/api_v3/users/login.json", data="email=an+1@vsee.com&email_token=ztpand",
                        content_type=FORM)
    assert again.status_code == 401  # the code was consumed by activation


def test_refresh_without_an_account_header_uses_the_token_s_account(client, world):
    fixture = load_fixture("demo")
    fixture["accounts"].append({"code": "other", "name": "Other",
                                "users": [{"id": "9001", "code": "o1", "type": 200, "first_name": "O"}],
                                "tokens": [{"token": "r" * 32, "user_id": "9001", "kind": "refresh",
                                            "expiry": None}]})
    world.load_fixture(fixture)
    r = client.post("/api_v3/tokens/refresh.json", data="refresh_token=" + "r" * 32, content_type=FORM)
    assert r.status_code == 200 and r.get_json()["data"]["user_id"] == "9001"
    named = client.post("/api_v3/tokens/refresh.json", data="refresh_token=" + "r" * 32, content_type=FORM,
                        headers={"X-AccountCode": "vclinic"})
    assert named.status_code == 401


def test_an_account_s_own_profile_keys_are_served_too(client, world):
    world.accounts["vclinic"].meta["profile"] = {**world.accounts["vclinic"].meta["profile"],
                                                 "custom_portal_text": "Hello"}
    data = client.get("/api_v3/accounts/vclinic.json").get_json()["data"]
    assert data["custom_portal_text"] == "Hello" and data["code"] == "vclinic"


def test_a_chunked_form_body_over_the_limit_is_a_413_and_destroys_nothing():
    app = create_app({"MAX_BODY_BYTES": 2048})
    client = app.test_client()
    body = ("tokens[]=" + "a" * 5000 + "&tokens[]=" + DEMO_TOKEN).encode()
    r = client.post("/api_v3/users/logout", input_stream=io.BytesIO(body),
                    environ_overrides={"wsgi.input_terminated": True},
                    headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"})
    assert r.status_code == 413
    assert client.get("/api_v3/me.json", headers={"X-ApiToken": DEMO_TOKEN}).status_code == 200


def test_a_small_chunked_form_body_is_read_whole(client):
    r = client.post("/api_v3/users/logout", input_stream=io.BytesIO(f"tokens[]={DEMO_TOKEN}".encode()),
                    environ_overrides={"wsgi.input_terminated": True},
                    headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"})
    assert r.status_code == 200
    assert client.get("/api_v3/me.json", headers={"X-ApiToken": DEMO_TOKEN}).status_code == 401


def test_repeat_guests_may_share_an_email(client):
    form = {"first_name": "G", "last_name": "H", "type": "600", "email": "g@example.com"}
    for _ in range(2):
        assert client.post("/api_v3/users/sso.json", headers=API, data=form).status_code == 200


def test_reset_takes_dotted_fixture_names_and_the_server_s_own_fixture(client):
    r = client.post("/_sim/reset", data={"fixture": "clinic.v2"})
    assert r.status_code == 400 and "cannot load it" in r.get_json()["message"]  # a name, looked up
    assert client.post("/_sim/reset", data={"fixture": "../demo"}).status_code == 400
    assert client.post("/_sim/reset", data={"fixture": "demo"}).status_code == 200
