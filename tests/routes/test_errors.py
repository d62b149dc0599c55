"""The HTTP edge: error bodies, base paths, namespaces, body limits, and a fuzz of every POST route.

docs/fidelity.md T1-T4 and DESIGN decision 3: every error is ``{"code", "message", "errors"?}``
with the HTTP status as its code, and nothing a client sends gets a 500.
"""

from __future__ import annotations

import itertools
import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsee_sim.app import create_app

FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")
DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"
API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
NOT_FOUND = {"code": 404, "message": "Sorry, this page is not available."}
BASES = ["/api_v3", "/vc/next/api_v3", "/vc/stable/api_v3", "/cc/x/api_v3", "/cc/ligeng/api_v3"]
_names = itertools.count()


def vsee_error(resp, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "errors"}
    if "errors" in body:
        assert isinstance(body["errors"], dict)
        assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values())
    return body


# -- 404, 405 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api_v3/nothing", "/api_v3/nothing.json", "/api_v3/users", "/api_v3/",
                                  "/api_v3", "/vc/next/api_v3/nothing", "/nothing", "/api_v3/users/sso/x",
                                  "/api_v3/accounts/a/b", "/ns/x/api_v3/nothing"])
def test_unknown_route_is_vsee_404(client, path):
    resp = client.get(path)
    vsee_error(resp, 404)
    assert resp.get_json() == NOT_FOUND


@pytest.mark.parametrize("method, path", [
    ("DELETE", "/api_v3/me"), ("PUT", "/api_v3/me"), ("GET", "/api_v3/users/sso"), ("GET", "/api_v3/users/login.json"),
    ("POST", "/api_v3/settings"), ("POST", "/api_v3/accounts"), ("PATCH", "/vc/next/api_v3/me.json"),
    ("GET", "/api_v3/users/logout"), ("GET", "/api_v3/tokens/refresh"),
])
def test_wrong_method_is_405(client, method, path):
    resp = client.open(path, method=method)
    vsee_error(resp, 405)
    assert method in resp.get_json()["message"]
    assert method not in resp.headers["Allow"] and resp.headers["Allow"]


# -- 400 on bodies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"{bad", b'{"username": ', b"\xff\xfe\xfd", b"{'a': 1}"])
def test_malformed_json_is_400(client, raw):
    body = vsee_error(client.post("/api_v3/users/login", data=raw, content_type="application/json"), 400)
    assert "JSON" in body["message"]


@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'"x"', b"3", b"null", b"true"])
def test_json_body_must_be_an_object(client, raw):
    vsee_error(client.post("/api_v3/users/login", data=raw, content_type="application/json"), 400)


def test_wrong_types_are_400_not_422(client):
    body = vsee_error(client.post("/api_v3/users/alive", json={"heartbeat": {"a": 1}},
                                  headers={"X-ApiToken": DEMO_TOKEN}), 400)
    assert "heartbeat" in body["errors"]
    body = vsee_error(client.post("/api_v3/users/logout", json={"tokens": {"a": [1]}}), 400)
    assert "tokens" in body["errors"]


def test_unnamed_multipart_part_is_not_a_500(client):
    raw = b"--xyz\r\nContent-Disposition: form-data\r\n\r\nhello\r\n--xyz--\r\n"
    resp = client.post("/api_v3/users/login", data=raw, content_type="multipart/form-data; boundary=xyz")
    vsee_error(resp, 400)


@pytest.mark.parametrize("raw", ["a[\u00b2]=1", "\u00b2=1", "refresh_token[\u00b9]=x"])
def test_unicode_digit_form_keys_are_not_a_500(client, raw):
    resp = client.post("/api_v3/tokens/refresh", data=raw.encode(), content_type="application/x-www-form-urlencoded")
    vsee_error(resp, 400)


# -- 413 ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_app():
    return create_app({"FIXTURE": FIXTURE, "MAX_BODY_BYTES": 1024})


@pytest.mark.parametrize("encode", ["json", "form", "multipart", "raw"])
def test_body_over_the_limit_is_413(small_app, encode):
    client = small_app.test_client()
    big = {"username": "member-201", "password": "x" * 2048}
    if encode == "json":
        resp = client.post("/api_v3/users/login", json=big)
    elif encode == "form":
        resp = client.post("/api_v3/users/login", data=big)
    elif encode == "multipart":
        resp = client.post("/api_v3/users/login", data=big, content_type="multipart/form-data")
    else:
        resp = client.post("/api_v3/users/login", data=b"x" * 4096)
    vsee_error(resp, 413)


def test_body_under_the_limit_passes(small_app):
    client = small_app.test_client()
    resp = client.post("/api_v3/users/login", json={"username": "member-201", "password": "111111", "pad": "x" * 800})
    assert resp.status_code == 200, resp.get_json()


# -- base paths ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_every_base_path_with_and_without_json(client, base, suffix):
    assert client.get(f"{base}/settings/visit/time/max_wait_time{suffix}").get_json() == {"data": 86400}
    me = client.get(f"{base}/me{suffix}", headers={"X-ApiToken": DEMO_TOKEN})
    assert me.status_code == 200 and me.get_json()["data"]["id"] == "201"
    login = client.post(f"{base}/users/login{suffix}", data={"username": "member-201", "password": "111111"})
    assert login.status_code == 200 and login.get_json()["data"]["user_id"] == "201"
    assert client.get(f"{base}/accounts/-{suffix}").get_json()["data"]["code"] == "vclinic"
    vsee_error(client.get(f"{base}/nothing{suffix}"), 404)


@pytest.mark.parametrize("base", BASES)
def test_base_paths_share_one_state(client, base):
    token = client.post(f"{base}/users/login", data={"username": "member-201", "password": "111111"}) \
        .get_json()["data"]["token"]
    for other in BASES:
        assert client.get(f"{other}/me.json", headers={"X-ApiToken": token}).status_code == 200
    client.post(f"{base}/users/logout.json", headers={"X-ApiToken": token})
    for other in BASES:
        vsee_error(client.get(f"{other}/me", headers={"X-ApiToken": token}), 401)


def test_photo_urls_follow_the_base_path_used(client, world):
    """Signed URLs we hand out use the caller's base (so a /vc/next client gets /vc/next URLs)."""
    photos = {base: client.get(f"{base}/me", headers={"X-ApiToken": DEMO_TOKEN}).get_json()["data"]["photo"]
              for base in BASES}
    if photos["/api_v3"] is None:      # a fixture whose user 201 has no photo
        assert set(photos.values()) == {None}
        return
    for base, photo in photos.items():
        assert photo.startswith(f"http://localhost{base}/files/"), photo


# -- namespaces -------------------------------------------------------------------------------------------------
def _ns() -> str:
    return f"err{os.getpid()}-{next(_names)}"


def test_namespace_by_header_and_by_prefix_are_the_same_world(app):
    name, client = _ns(), app.test_client()
    data = client.post("/api_v3/users/sso", data={"first_name": "A", "last_name": "B", "code": "n1"},
                       headers={**API, "X-Sim-Namespace": name}).get_json()["data"]
    token = data["token"]["token"]
    for path in (f"/ns/{name}/api_v3/me", f"/ns/{name}/vc/next/api_v3/me.json", f"/ns/{name}/cc/x/api_v3/me"):
        resp = client.get(path, headers={"X-ApiToken": token})
        assert resp.status_code == 200 and resp.get_json()["data"]["id"] == data["id"]
    # the prefix wins over the header
    assert client.get(f"/ns/{name}/api_v3/me", headers={"X-ApiToken": token, "X-Sim-Namespace": _ns()}) \
        .status_code == 200
    vsee_error(client.get(f"/ns/{_ns()}/api_v3/me", headers={"X-ApiToken": token, "X-Sim-Namespace": name}), 401)
    assert client.get("/_sim/health", headers={"X-Sim-Namespace": name}).get_json()["data"]["namespace"] == name
    assert client.get(f"/ns/{name}/_sim/health").get_json()["data"]["namespace"] == name


def test_namespaces_are_isolated(app):
    one, two, client = _ns(), _ns(), app.test_client()
    sso = client.post(f"/ns/{one}/api_v3/users/sso", data={"first_name": "A", "last_name": "B", "code": "iso"},
                      headers=API).get_json()["data"]
    vsee_error(client.get(f"/ns/{two}/api_v3/me", headers={"X-ApiToken": sso["token"]["token"]}), 401)
    assert client.post(f"/ns/{one}/api_v3/users/logout", json={"tokens": [DEMO_TOKEN]}).status_code == 200
    vsee_error(client.get(f"/ns/{one}/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN}), 401)
    assert client.get(f"/ns/{two}/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN}).status_code == 200
    assert client.get("/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN, "X-Sim-Namespace": two}).status_code == 200
    app.extensions["vsee_sim"].worlds.get(one).clock.freeze(1_700_000_000)
    assert app.extensions["vsee_sim"].worlds.get(two).clock.mode != "frozen"


@pytest.mark.parametrize("bad", ["-lead", "a" * 65, "a b", "a/b", "..", "ä"])
def test_bad_namespace_name_is_400(app, bad):
    client = app.test_client()
    body = vsee_error(client.get("/api_v3/settings", headers={"X-Sim-Namespace": bad.encode().decode("latin-1")}),
                      400)
    assert "X-Sim-Namespace" in body["message"]


# -- fuzz every POST route -------------------------------------------------------------------------------------------
FIELDS = ["first_name", "last_name", "code", "type", "dob", "gender", "state", "zip", "tos", "timezone",
          "pcp_phone", "phone", "email", "email_token", "username", "password", "old_password", "photo", "gps",
          "lat", "long", "tokens", "tokens[]", "refresh_token", "heartbeat", "ssn", "meta[category]", "a.b",
          "0", "fields"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=6)
CONTENT_TYPES = [None, "application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                 "multipart/form-data; boundary=xyz", "text/plain", "application/xml", "application/json; charset=latin-1",
                 "application/octet-stream", "", "garbage"]


def _post_routes(app) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if r.rule.startswith("/api_v3/") and "POST" in r.methods and "<" not in r.rule)


def _form(body: dict) -> str:
    pairs = []
    for key, value in body.items():
        if isinstance(value, list):
            pairs += [(f"{key}[]", json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for v in value]
        elif isinstance(value, dict):
            pairs += [(f"{key}[{k}]", str(v)) for k, v in value.items()]
        else:
            pairs.append((key, "" if value is None else str(value)))
    return urlencode(pairs)


def _check(resp) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:500]
    if resp.status_code >= 400:
        vsee_error(resp, resp.status_code)
    else:
        assert resp.status_code == 200 and "data" in resp.get_json()


@pytest.fixture(scope="module")
def fuzz_client(app):
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = f"fuzz{os.getpid()}"
    return client


header_sets = st.sampled_from([{}, {"X-ApiToken": DEMO_TOKEN}, API, {**API, "X-ApiSecret": "vclinic_api_secret"},
                               {"X-ApiToken": "0" * 32, "X-ApiKey": "nope", "X-AccountCode": "vclinic"}])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), body=bodies, headers=header_sets, how=st.sampled_from(["json", "form", "multipart"]))
def test_fuzz_random_dicts_never_500(app, fuzz_client, data, body, headers, how):
    route = data.draw(st.sampled_from(_post_routes(app)), label="route")
    if how == "json":
        resp = fuzz_client.post(route, data=json.dumps(body), content_type="application/json", headers=headers)
    elif how == "form":
        resp = fuzz_client.post(route, data=_form(body), content_type="application/x-www-form-urlencoded",
                                headers=headers)
    else:
        fields = {k: ("" if v is None else str(v)) for k, v in body.items()}
        resp = fuzz_client.post(route, data=fields, content_type="multipart/form-data", headers=headers)
    _check(resp)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), raw=st.binary(max_size=200) | st.text(max_size=100).map(str.encode),
       content_type=st.sampled_from(CONTENT_TYPES), headers=header_sets,
       query=st.sampled_from(["", "?fields=vsee", "?fields=", "?a[b]=1", "?%ff=%fe"]))
def test_fuzz_random_bytes_never_500(app, fuzz_client, data, raw, content_type, headers, query):
    route = data.draw(st.sampled_from(_post_routes(app)), label="route")
    kwargs = {"data": raw, "headers": headers}
    if content_type is not None:
        kwargs["content_type"] = content_type
    _check(fuzz_client.post(route + query, **kwargs))


def test_fuzz_covers_every_documented_post_route(app):
    assert set(_post_routes(app)) >= {"/api_v3/users/sso", "/api_v3/users/login", "/api_v3/me",
                                      "/api_v3/users/logout", "/api_v3/tokens/refresh",
                                      "/api_v3/users/reset_password", "/api_v3/users/alive",
                                      "/api_v3/users/activate"}
