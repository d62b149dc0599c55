"""The contract suite's own parts: tolerant JSON, curl parsing, extraction, shape_errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:   # `contract` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from contract.curl import CurlError, parse_curl  # noqa: E402
from contract.extract import DEFAULT_DOC, extract, main, render  # noqa: E402
from contract.lenient_json import LenientJSONError, loads  # noqa: E402
from contract.shape import shape_errors  # noqa: E402

# -- tolerant loader ------------------------------------------------------------------------------


def test_clean_json_needs_no_repair():
    value, notes = loads('{"data": {"a": [1, 2.5, "x\\/y", null, true]}}')
    assert value == {"data": {"a": [1, 2.5, "x/y", None, True]}}
    assert notes == []


def test_trailing_commas_are_removed_and_noted():
    value, notes = loads('{ "data": { "id": "201", "photo": "p", } , }')
    assert value == {"data": {"id": "201", "photo": "p"}}
    assert notes == ["removed trailing comma (x2)"]


def test_ellipsis_placeholders_are_dropped_outside_strings_only():
    value, notes = loads('{ "data": [ { "a": "edu and training..." }, ... ] }')
    assert value == {"data": [{"a": "edu and training..."}]}
    assert "removed '...' placeholder" in notes


def test_typographic_quotes_become_json_strings():
    value, notes = loads("{ \"data\": { \u201caverage_visit_time\u201d: 3600 } }")
    assert value == {"data": {"average_visit_time": 3600}}
    assert notes == ["normalised typographic quotes"]


def test_bare_js_keys_are_quoted_but_values_left_alone():
    value, notes = loads('{ data: { IN: "Indiana", ok: true, url: "https://x" } }')
    assert value == {"data": {"IN": "Indiana", "ok": True, "url": "https://x"}}
    assert notes == ["quoted bare keys (x4)"]


def test_stray_text_and_stray_closer_are_dropped():
    value, notes = loads('{ "data": { "meta": { "a": 1 }\u00df }, "slots": [ 1 ] ] }')
    assert value == {"data": {"meta": {"a": 1}}, "slots": [1]}
    assert notes == ["dropped stray text '\u00df'", "dropped stray ']'"]


def test_missing_comma_and_missing_closer_are_added():
    value, notes = loads('{ "data": { "is_default": true "name": "x" }')
    assert value == {"data": {"is_default": True, "name": "x"}}
    assert notes == ["inserted missing comma", "appended missing '}' at the end"]


def test_key_in_the_data_list_reopens_the_object_before_it():
    # GET /visits: one '}' too many after "member" pushes "postvisit" into the list.
    value, notes = loads('{ "data": [ { "id": "1", "member": {} }, "postvisit": { "a": 1 } } }')
    assert value == {"data": [{"id": "1", "member": {}, "postvisit": {"a": 1}}]}
    assert notes[0].startswith("re-opened an object")


def test_key_in_a_nested_list_closes_that_list():
    # GET /visits/:id: "prescriptionsBeforeVisit": [ {...}, "prescriptions": [] ...
    value, notes = loads('{ "data": { "rx": [ { "id": 1 } , "more": [], "id": "9" } }')
    assert value == {"data": {"rx": [{"id": 1}], "more": [], "id": "9"}}
    assert notes == ["inserted missing ']' (a key followed inside the list)"]


def test_duplicate_keys_are_noted():
    value, notes = loads('{ "data": { "p": 1, "p": 2 } }')
    assert value == {"data": {"p": 2}}
    assert notes == ["duplicate key 'p' (the last one is kept, as json.loads does)"]


def test_unrepairable_text_raises():
    with pytest.raises(LenientJSONError):
        loads('{ "data": "unterminated }')
    with pytest.raises(LenientJSONError):
        loads("Binary object")


# -- curl -----------------------------------------------------------------------------------------


def test_form_body_keeps_typographic_quotes_verbatim():
    req, notes = parse_curl('curl -X POST -H "X-ApiToken: t" -d \u201ca=1&b=2\u201d https://api.vsee.me/api_v3/me.json')
    assert req["raw_body"] == "\u201ca=1&b=2\u201d"
    assert req["encoding"] == "form" and req["form"] == {"\u201ca": "1", "b": "2\u201d"}
    assert req["headers"] == {"X-ApiToken": "t"} and req["path"] == "/api_v3/me.json"
    assert any("typographic" in n for n in notes)


def test_form_body_without_pairs_is_sent_verbatim():
    req, notes = parse_curl('curl -X POST -d "refresh_token: 636" https://h/api_v3/tokens/refresh.json')
    assert req["raw_body"] == "refresh_token: 636"
    assert any("no key=value" in n for n in notes)


def test_multipart_drops_content_type_and_names_files_by_basename():
    req, _ = parse_curl("curl -X POST \\ https://api.vsee.io/cc/ligeng/api_v3/files \\ -H 'X-ApiToken: t' "
                        "\\ -H 'content-type: multipart/form-data; boundary=--x' \\ -F file=@/Users/me/p.jpg "
                        "\\ -F meta.category=user_document")
    assert req["path"] == "/cc/ligeng/api_v3/files"
    assert req["headers"] == {"X-ApiToken": "t"}
    assert req["multipart"] == {"fields": {"meta.category": "user_document"}, "files": {"file": "p.jpg"}}


def test_json_body_and_default_method():
    req, _ = parse_curl("curl -H \"Content-Type: application/json\" -d '{\"data\":[1],\"x\":false}' "
                        "\"https://api.vsee.me/api_v3/users/575/emr/conditions\"")
    assert req["method"] == "POST" and req["encoding"] == "json"
    assert req["json"] == {"data": [1], "x": False} and req["headers"] == {}


def test_quote_slips_and_pasted_prompts_are_repaired():
    req, notes = parse_curl("curl --location --request POST 'https://h/api_v3/users/1/rooms' "
                            "--header 'X-AccountCode: v' --form 'code=b4vjj''")
    assert req["multipart"]["fields"] == {"code": "b4vjj"} and notes
    req, notes = parse_curl("curl -X POST -H \"Content-Type: application/json\" -d ' { \"a\": { \"b\": 1 } } "
                            "\"https://h/api_v3/users/575/erx/pharmacies\"")
    assert req["json"] == {"a": {"b": 1}} and req["path"] == "/api_v3/users/575/erx/pharmacies"
    req, notes = parse_curl("curl -X GET \\ > 'https://h/api_v3/files?target_id=1' \\ > -H 'X-ApiToken: t'")
    assert req["path"] == "/api_v3/files?target_id=1" and req["headers"] == {"X-ApiToken": "t"} and notes


def test_unknown_curl_option_is_refused():
    with pytest.raises(CurlError):
        parse_curl("curl --compressed https://h/api_v3/x")


# -- extraction -----------------------------------------------------------------------------------

LOGIN_BLOCK = ('curl -X POST -d "username=u&password=p" https://api.vsee.me/api_v3/users/login.json '
               'curl -X POST -d "email=e&email_token=t" https://api.vsee.me/api_v3/users/login.json '
               '{ "data": { "token": "x", } }')
PAGE = """Users API
POST /users/login.json [public access]
Response
Code Block |
---|
LOGIN_BLOCK |
POST /users/logout
Response
Code Block |
---|
{ "data": true } |
GET /users/:id/thing
Response
Code Block |
---|
{ "data": 1 } |
""".replace("LOGIN_BLOCK", LOGIN_BLOCK)


def test_two_commands_share_one_response_and_json_only_blocks_get_a_request():
    result = extract(PAGE)
    names = [e["name"] for e in result.examples]
    assert names == ["users.login.1", "users.login.2", "users.logout.1"]
    login1, login2, logout = result.examples
    assert login1["line"] == login2["line"] == 6
    assert login1["request"]["form"] == {"username": "u", "password": "p"}
    assert login2["request"]["form"] == {"email": "e", "email_token": "t"}
    assert login1["response"] == login2["response"] == {"status": 200, "body": {"data": {"token": "x"}}}
    assert login1["notes"] == ["response: removed trailing comma"]
    assert logout["request"] == {"method": "POST", "path": "/api_v3/users/logout", "headers": {},
                                 "encoding": "none"}
    assert [s["section"] for s in result.skipped] == ["GET /users/:id/thing"]


def test_render_is_deterministic_and_lists_unreplayable_blocks():
    a = render(extract(PAGE), ["users"], set())
    b = render(extract(PAGE), ["users"], set())
    assert a == b
    assert json.loads(a["users.json"])[0]["name"] == "users.login.1"
    assert "GET /users/:id/thing" in a["README.md"]


doc_missing = pytest.mark.skipif(not Path(DEFAULT_DOC).exists(), reason="the API doc is not here")


@doc_missing
def test_every_documented_body_has_its_own_shape():
    result = extract(Path(DEFAULT_DOC).read_text(encoding="utf-8"))
    assert len(result.examples) > 40
    for e in result.examples:
        body = e["response"]["body"]
        if body is not None:
            assert shape_errors(body["data"], body["data"]) == [], e["name"]
    binary = [e for e in result.examples if e["response"].get("binary")]
    assert [e["section"] for e in binary] == ["GET /files/:id"]


@doc_missing
def test_recorded_examples_are_what_the_extractor_writes(capsys):
    # Examples are never edited by hand: regenerating must change nothing.
    assert main(["--check"]) == 0, capsys.readouterr().err


# -- shape_errors ---------------------------------------------------------------------------------


def test_matching_shapes_have_no_errors():
    doc = {"id": "201", "n": 5, "ok": True, "name": "An", "x": None, "tags": ["a"]}
    ours = {"id": 201, "n": "5", "ok": False, "name": "", "x": {"any": 1}, "tags": ["b", "c"], "extra": 1}
    assert shape_errors(doc, ours) == []


def test_every_mismatch_is_reported_with_its_path():
    doc = {"user": {"id": "201", "active": True, "email": "a@b", "gender": 2}, "list": [{"k": 1}]}
    ours = {"user": {"id": "abc", "active": 1, "email": 7}, "list": [{"k": 1}, {"k": "x"}, {}]}
    assert shape_errors(doc, ours) == [
        "data.user.id: expected a number or numeric string, got string 'abc'",
        "data.user.active: expected a boolean, got number 1",
        "data.user.email: expected a string, got number 7",
        "data.user.gender: missing",
        "data.list[1].k: expected a number or numeric string, got string 'x'",
        "data.list[2].k: missing",
    ]


def test_containers_must_keep_their_kind():
    assert shape_errors({"a": {"b": 1}}, {"a": [1]}) == ["data.a: expected an object, got a list of 1"]
    assert shape_errors([1], {"b": 1}, path="x") == ["x: expected a list, got an object"]
    assert shape_errors({"a": {}}, {"a": []}) == []   # PHP writes an empty object as []


def test_empty_lists_need_an_empty_doc_or_allow_empty():
    assert shape_errors([{"id": 1}], []) == ["data: empty list, the documented one is not (set allow_empty)"]
    assert shape_errors([{"id": 1}], [], allow_empty=True) == []
    assert shape_errors([], [{"anything": True}]) == []


def test_optional_keys_use_generic_list_paths():
    doc = {"slots": [{"id": "1", "group_id": "g"}], "note": "x"}
    ours = {"slots": [{"id": "1"}, {"id": "2"}]}
    assert shape_errors(doc, ours, optional_keys=["data.slots[].group_id", "data.note"]) == []
    assert shape_errors(doc, ours) == ["data.slots[0].group_id: missing", "data.slots[1].group_id: missing",
                                       "data.note: missing"]


def test_mixed_documented_items_match_the_closest_one():
    doc = [{"code": "a", "schema": {}}, {"code": "b", "title": "t"}]
    assert shape_errors(doc, [{"code": "c", "title": "u"}, {"code": "d", "schema": {}}]) == []
    assert shape_errors(doc, [{"code": 1, "title": "u"}]) == [
        "data[0].code: expected a string, got number 1"]


def test_overrides_merge_into_the_example_and_are_noted(monkeypatch):
    from contract import extract as extract_module

    monkeypatch.setitem(extract_module.OVERRIDES, "users.logout.1",
                        {"request": {"headers": {"X-ApiToken": "t"}}, "allow_empty": True})
    logout = extract(PAGE).examples[2]
    assert logout["request"]["headers"] == {"X-ApiToken": "t"}
    assert logout["request"]["path"] == "/api_v3/users/logout"   # the rest of the request stays
    assert logout["allow_empty"] is True
    assert logout["notes"][-1] == "extractor OVERRIDES applied: ['allow_empty', 'request']"
