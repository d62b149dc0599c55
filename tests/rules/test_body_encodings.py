"""One request, four encodings, one result (docs/fidelity.md T4-T6).

Each encoding runs in the same namespace name, dropped and re-created from the fixture in
between, with the clock frozen at the same instant: the seeded ids make even the tokens
and the signed photo URLs equal, so whole bodies can be compared.
Also unit tests of ``core.body.read_body`` through werkzeug test requests.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder

from vsee_sim.api.users.rules import TIMEZONES, US_STATES
from vsee_sim.core.body import read_body
from vsee_sim.core.errors import BadRequest

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"
API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
T0 = 1_700_000_000
FORM = "application/x-www-form-urlencoded"
ENCODINGS = ("json", "form", "multipart", "raw")  # raw: a urlencoded body without Content-Type
_names = itertools.count()
SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# -- helpers ----------------------------------------------------------------------------------
def fresh(app, name: str):
    """The namespace ``name`` re-created from the fixture, its clock frozen at T0."""
    worlds = app.extensions["vsee_sim"].worlds
    worlds.drop(name)
    world = worlds.get(name)
    world.clock.freeze(T0)
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = name
    return client


def form_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def form_pairs(body: dict) -> list[tuple[str, str]]:
    """A JSON-like dict as PHP-style form pairs (lists as key[], objects as key[sub])."""
    pairs = []
    for key, value in body.items():
        if isinstance(value, list):
            pairs += [(f"{key}[]", form_value(v)) for v in value]
        elif isinstance(value, dict):
            pairs += [(f"{key}[{k}]", form_value(v)) for k, v in value.items()]
        else:
            pairs.append((key, form_value(value)))
    return pairs


def post(client, url: str, body: dict, encoding: str, headers: dict | None = None):
    headers = dict(headers or {})
    if encoding == "json":
        return client.post(url, json=body, headers=headers)
    if encoding == "empty":
        return client.post(url, headers=headers)
    pairs = form_pairs(body)
    if encoding == "form":
        return client.post(url, data=urlencode(pairs), content_type=FORM, headers=headers)
    if encoding == "multipart":
        data: dict[str, list[str]] = {}
        for key, value in pairs:
            data.setdefault(key, []).append(value)
        return client.post(url, data=data, content_type="multipart/form-data", headers=headers)
    if encoding == "raw":
        return client.post(url, data=urlencode(pairs).encode(), headers=headers)
    raise AssertionError(encoding)


def outcome(resp) -> tuple[int, object]:
    return resp.status_code, resp.get_json()


# -- strategies -------------------------------------------------------------------------------
names = st.text(alphabet=st.characters(categories=("Lu", "Ll")) | st.sampled_from(" '-"),
                min_size=1, max_size=30).filter(lambda s: s.strip())
profile_updates = st.fixed_dictionaries({}, optional={
    "first_name": names,
    "last_name": names,
    "dob": st.dates(date(1900, 1, 1), date(2020, 12, 31)).map(date.isoformat),
    "gender": st.sampled_from(["male", "female", "1", "2", 1, 2, "Male"]),
    "state": st.sampled_from(sorted(US_STATES)).flatmap(lambda s: st.sampled_from([s, s.lower()])),
    "zip": st.from_regex(r"\A[0-9]{5}\Z"),
    "tos": st.sampled_from([0, 1, "0", "1", "true", "false", True, False]),
    "timezone": st.sampled_from(sorted(TIMEZONES)),
    "city": names,
    "pcp_phone": st.from_regex(r"\A[0-9]{10}\Z"),
})


# -- POST /me ------------------------------------------------------------------------------------
@SETTINGS
@given(update=profile_updates)
def test_profile_update_is_the_same_in_every_encoding(app, update):
    name = f"enc-me-{os.getpid()}-{next(_names)}"
    encodings = ENCODINGS + (("empty",) if not update else ())
    seen = {}
    for encoding in encodings:
        client = fresh(app, name)
        posted = post(client, "/api_v3/me", update, encoding, {"X-ApiToken": DEMO_TOKEN})
        assert posted.status_code == 200, (encoding, posted.get_json())
        after = client.get("/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN})
        assert after.status_code == 200
        seen[encoding] = (outcome(posted), after.get_json())
    first = seen[encodings[0]]
    for encoding, result in seen.items():
        assert result == first, f"{encoding} differs from {encodings[0]}"
    me = first[1]["data"]
    for key in ("first_name", "last_name", "dob", "zip", "timezone", "city", "pcp_phone"):
        if key in update:
            assert me[key] == update[key].strip()
    if "state" in update:
        assert me["state"] == update["state"].upper()
    if "gender" in update:
        assert me["gender"] == (1 if str(update["gender"]).lower() in ("male", "1") else 2)
    if "tos" in update:
        assert me["tos"] is (str(update["tos"]).lower() in ("1", "true"))


@SETTINGS
@given(field=st.sampled_from(["dob", "gender", "state", "zip", "tos", "timezone", "pcp_phone"]),
       bad=st.sampled_from(["x", "99", "2999-01-01", "12/31/1990", "Mars/Base", "1234", "-1"]))
def test_refusals_are_the_same_in_every_encoding(app, field, bad):
    name = f"enc-bad-{os.getpid()}-{next(_names)}"
    results = {}
    for encoding in ENCODINGS:
        client = fresh(app, name)
        results[encoding] = outcome(post(client, "/api_v3/me", {field: bad}, encoding,
                                         {"X-ApiToken": DEMO_TOKEN}))
    assert len({json.dumps(r, sort_keys=True) for r in results.values()}) == 1, results
    status, body = results["json"]
    if status != 200:
        assert status == 400 and field in body["errors"] and field in body["message"]


# -- POST /users/sso ---------------------------------------------------------------------------------
@SETTINGS
@given(first=names, last=names, code=st.text(alphabet="abcdef0123456789-_", min_size=1, max_size=40),
       kind=st.sampled_from([200, 400, "200", "400"]))
def test_sso_is_the_same_in_every_encoding(app, first, last, code, kind):
    name = f"enc-sso-{os.getpid()}-{next(_names)}"
    body = {"first_name": first, "last_name": last, "code": code, "type": kind}
    seen = {}
    for encoding in ENCODINGS:
        client = fresh(app, name)
        resp = post(client, "/api_v3/users/sso", body, encoding, API)
        assert resp.status_code == 200, (encoding, resp.get_json())
        again = post(client, "/api_v3/users/sso", body, encoding, API)  # maps to the same user
        assert again.get_json()["data"]["id"] == resp.get_json()["data"]["id"]
        seen[encoding] = (resp.get_json(), again.get_json())
    first_seen = seen["json"]
    for encoding, result in seen.items():
        assert result == first_seen, f"{encoding} differs from json"
    data = first_seen[0]["data"]
    assert (data["first_name"], data["last_name"], data["code"]) == (first.strip(), last.strip(), code)
    assert data["type"] == int(kind)


# -- POST /users/logout: PHP arrays, JSON arrays, comma strings ------------------------------------------
LOGOUT_ENCODINGS = ["json-array", "json-comma", "form-php", "form-indexed", "form-comma", "multipart-php",
                    "raw-php"]


def _logout(client, tokens: list[str], how: str):
    if how == "json-array":
        return client.post("/api_v3/users/logout", json={"tokens": tokens})
    if how == "json-comma":
        return client.post("/api_v3/users/logout", json={"tokens": ",".join(tokens)})
    if how == "form-php":
        return client.post("/api_v3/users/logout", data=urlencode([("tokens[]", t) for t in tokens]),
                           content_type=FORM)
    if how == "form-indexed":
        return client.post("/api_v3/users/logout",
                           data=urlencode([(f"tokens[{i}]", t) for i, t in enumerate(tokens)]), content_type=FORM)
    if how == "form-comma":
        return client.post("/api_v3/users/logout", data={"tokens": ",".join(tokens)})
    if how == "multipart-php":
        return client.post("/api_v3/users/logout", data={"tokens[]": tokens}, content_type="multipart/form-data")
    if how == "raw-php":
        return client.post("/api_v3/users/logout", data=urlencode([("tokens[]", t) for t in tokens]).encode())
    raise AssertionError(how)


def _three_logins(client) -> list[str]:
    """Six tokens of user 201: three access, three refresh (in that order per login)."""
    out = []
    for _ in range(3):
        resp = client.post("/api_v3/users/login", data={"username": "member-201", "password": "111111"})
        assert resp.status_code == 200
        data = resp.get_json()["data"]
        out += [data["token"], data["refresh_token"]["token"]]
    return out


@SETTINGS
@given(picked=st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True),
       how=st.sampled_from(LOGOUT_ENCODINGS))
def test_logout_destroys_exactly_the_tokens_given_in_any_encoding(app, picked, how):
    client = fresh(app, f"enc-out-{os.getpid()}-{next(_names)}")
    tokens = _three_logins(client)
    resp = _logout(client, [tokens[i] for i in picked], how)
    assert resp.status_code == 200 and resp.get_json() == {"data": True}
    for i, value in enumerate(tokens):
        if i % 2 == 0:  # access token: GET /me
            status = client.get("/api_v3/me", headers={"X-ApiToken": value}).status_code
        else:           # refresh token: POST /tokens/refresh
            status = client.post("/api_v3/tokens/refresh", json={"refresh_token": value}).status_code
        assert status == (401 if i in picked else 200), (how, i, picked)


# -- read_body, unit ----------------------------------------------------------------------------------
def request(data=None, content_type=None, method="POST"):
    return EnvironBuilder(method=method, data=data, content_type=content_type).get_request()


@pytest.mark.parametrize("body, expected", [
    ("meta[category]=x&meta[kind]=y", {"meta": {"category": "x", "kind": "y"}}),
    ("meta.category=x", {"meta": {"category": "x"}}),
    ("meta.category=x&meta[kind]=y", {"meta": {"category": "x", "kind": "y"}}),
    ("a[0]=p&a[1]=q", {"a": ["p", "q"]}),
    ("a[1]=q&a[0]=p", {"a": ["p", "q"]}),
    ("tokens[]=a&tokens[]=b", {"tokens": ["a", "b"]}),
    ("tokens[]=a", {"tokens": ["a"]}),
    ("a[b][]=1&a[b][]=2", {"a": {"b": ["1", "2"]}}),
    ("a[b][c]=1", {"a": {"b": {"c": "1"}}}),
    ("x=1&x=2", {"x": ["1", "2"]}),
    ("refresh_token: abc", {"refresh_token": "abc"}),
    ("refresh_token: 6366a7018a39536a1ef4b63626f8e734", {"refresh_token": DEMO_TOKEN}),
    ("\u201cpassword=111111&dob=1983-10-02&nationality=Vietnamese\u201d",
     {"password": "111111", "dob": "1983-10-02", "nationality": "Vietnamese"}),
    ("email=an+1@vsee.com&email_token=ztpand", {"email": "an 1@vsee.com", "email_token": "ztpand"}),
    ("empty=", {"empty": ""}),
])
def test_form_bodies(body, expected):
    assert read_body(request(body.encode(), FORM)) == expected


@pytest.mark.parametrize("content_type", [FORM, None, "text/plain"])
def test_form_quirks_hold_with_or_without_content_type(content_type):
    assert read_body(request(b"refresh_token: abc", content_type)) == {"refresh_token": "abc"}
    assert read_body(request("\u201ca=1&b=2\u201d".encode(), content_type)) == {"a": "1", "b": "2"}


def test_a_key_with_colon_and_a_value_is_left_alone():
    assert read_body(request(b"a: b=c", FORM)) == {"a: b": "c"}


@pytest.mark.parametrize("raw, content_type", [
    (b"", None), (b"", "application/json"), (b"   \n", "application/json"), (b"", FORM),
    (b"", "multipart/form-data; boundary=x"),
])
def test_empty_bodies_are_empty_dicts(raw, content_type):
    assert read_body(request(raw, content_type)) == {}


def test_get_with_a_form_content_type_and_no_body():
    assert read_body(request(None, FORM, method="GET")) == {}


def test_json_object_with_or_without_content_type():
    raw = json.dumps({"a": [1, 2], "b": {"c": True}}).encode()
    assert read_body(request(raw, "application/json")) == {"a": [1, 2], "b": {"c": True}}
    assert read_body(request(raw, None)) == {"a": [1, 2], "b": {"c": True}}
    assert read_body(request(raw, "application/vnd.api+json")) == {"a": [1, 2], "b": {"c": True}}


@pytest.mark.parametrize("raw", [b"{bad", b'{"a": 1', b"\xff\xfe", b"nope"])
def test_malformed_json_with_a_json_content_type_is_400(raw):
    with pytest.raises(BadRequest) as err:
        read_body(request(raw, "application/json"))
    assert err.value.status == 400 and "body" in err.value.errors


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object_is_400(raw):
    with pytest.raises(BadRequest) as err:
        read_body(request(raw, "application/json"))
    assert err.value.errors == {"body": ["Not an object."]}


def test_json_looking_garbage_without_content_type_falls_back_to_form():
    assert read_body(request(b"{bad=1", None)) == {"{bad": "1"}


def test_multipart_fields_and_files():
    body = read_body(request({"k": "v", "tokens[]": ["a", "b"], "meta[category]": "x",
                              "file": FileStorage(stream=__import__("io").BytesIO(b"hi"), filename="a.txt")},
                             "multipart/form-data"))
    assert body["k"] == "v" and body["tokens"] == ["a", "b"] and body["meta"] == {"category": "x"}
    assert isinstance(body["file"], FileStorage) and body["file"].read() == b"hi"


def test_top_level_digit_keys_stay_a_dict():
    """read_body returns a dict: ``0=a&1=b`` are two unknown fields, not a list body."""
    assert read_body(request(b"0=a&1=b", FORM)) == {"0": "a", "1": "b"}


def test_a_multipart_part_without_a_name_is_not_a_crash():
    """A part whose Content-Disposition has no name reaches the form with the key None."""
    raw = b"--xyz\r\nContent-Disposition: form-data\r\n\r\nhello\r\n--xyz\r\n" \
          b"Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n"
    try:
        body = read_body(request(raw, "multipart/form-data; boundary=xyz"))
    except BadRequest:
        return
    assert body.get("a") == "1" and None not in body


@pytest.mark.parametrize("raw, expected", [
    ("a[\u00b2]=1&b[0]=x", {"a": {"\u00b2": "1"}, "b": ["x"]}),     # superscript two: isdigit() but not int()
    ("\u00b2=1", {"\u00b2": "1"}),
])
def test_non_ascii_digit_keys_are_plain_keys(raw, expected):
    assert read_body(request(raw.encode(), FORM)) == expected


# -- read_body, properties ---------------------------------------------------------------------------
_plain_key = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
_plain_value = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\u201c\u201d\u2018\u2019\x00\r"),
                       max_size=20)


@settings(max_examples=60, deadline=None)
@given(body=st.dictionaries(_plain_key, _plain_value | st.lists(_plain_value, min_size=1, max_size=3)
                            | st.dictionaries(_plain_key, _plain_value, min_size=1, max_size=3), max_size=5))
def test_read_body_means_the_same_in_form_multipart_and_json(body):
    as_json = read_body(request(json.dumps(body).encode(), "application/json"))
    as_form = read_body(request(urlencode(form_pairs(body)).encode(), FORM))
    multi: dict[str, list[str]] = {}
    for key, value in form_pairs(body):
        multi.setdefault(key, []).append(value)
    as_multipart = read_body(request(multi, "multipart/form-data")) if multi else {}
    assert as_json == body
    assert as_form == body
    assert as_multipart == body


@settings(max_examples=60, deadline=None)
@given(parent=_plain_key, child=_plain_key, value=_plain_value)
def test_php_and_dotted_objects_agree(parent, child, value):
    php = read_body(request(urlencode([(f"{parent}[{child}]", value)]).encode(), FORM))
    dotted = read_body(request(urlencode([(f"{parent}.{child}", value)]).encode(), FORM))
    assert php == dotted == {parent: {child: value}}


def _as_werkzeug_forms_it(raw: bytes):
    """read_body as it was with werkzeug's form parser and the general PHP-key path."""
    from vsee_sim.core import body as reader

    form = request(raw, FORM).form
    out: dict = {}
    for raw_key in form:
        if raw_key:
            key, values = reader._clean(raw_key, form.getlist(raw_key))
            reader._assign(out, key, values)
    return {key: reader._listify(value) for key, value in out.items()}


_form_piece = st.sampled_from(["a", "b", "tokens", "[", "]", "[]", "[0]", "[x]", ".", "=", "&", "%", "%5B",
                               "%ZZ", "%C3%A9", "+", " ", ": ", "\u201c", "\u2019", "\xe9", "\xff", ""])


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(_form_piece, max_size=14), latin=st.booleans())
def test_a_form_body_reads_as_werkzeug_s_form_parser_read_it(pieces, latin):
    """The form is parsed from the bytes at hand, plain names assigned directly: the same dict
    (or the same 400) as werkzeug's request.form through the PHP-key path, bad UTF-8 included."""
    raw = "".join(pieces).encode("latin-1" if latin else "utf-8", errors="replace")
    try:
        expected = _as_werkzeug_forms_it(raw)
    except BadRequest as exc:
        with pytest.raises(BadRequest) as got:
            read_body(request(raw, FORM))
        assert got.value.body() == exc.body()
        return
    assert read_body(request(raw, FORM)) == expected
