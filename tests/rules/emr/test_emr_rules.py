"""EMR section rules, pure and through the API (docs/fidelity.md E2-E4).

Properties: every valid section (generated from the declared shapes) is accepted
unchanged, and comes back unchanged from POST then GET; any other value is a 400
whose every error names a place under the body's ``data`` (or ``data_not_reported``)
and whose message names the section, never anything else.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsee_sim.api.emr.rules import (
    LIST,
    MAX_ITEMS,
    MAX_KIDS,
    MAX_RELATIONS,
    SECTION_NAMES,
    SECTIONS,
    TEXT_LIMIT,
    clean_entry,
    clean_flag,
    json_schema,
    section,
)
from vsee_sim.core.errors import BadRequest, NotFound

P575 = {"X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb", "X-AccountCode": "vclinic"}

blank_free = st.text(max_size=40).filter(lambda s: s.strip())
answers = st.one_of(st.none(), st.text(max_size=40))
# (NaN and Infinity are not JSON: the body reader refuses them, tests/routes/test_records_review_findings.py)
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)


def valid_data(name: str):
    """The ``data`` of a valid section, in its canonical (stored) form."""
    sec = SECTIONS[name]
    fields = {}
    for key in sec.keys:
        if key in sec.lists:
            fields[key] = st.lists(blank_free, max_size=4)
        elif key in sec.numbers:
            fields[key] = st.integers(0, MAX_KIDS).map(str)
        elif key in sec.required:
            fields[key] = blank_free
        else:
            fields[key] = answers
    optional = {k: v for k, v in fields.items() if k not in sec.required}
    required = {k: v for k, v in fields.items() if k in sec.required}
    shape = st.fixed_dictionaries(required, optional=optional)
    return st.lists(shape, max_size=6) if sec.kind == LIST else shape


valid_sections = st.sampled_from(SECTION_NAMES).flatmap(
    lambda name: st.tuples(st.just(name), valid_data(name), st.booleans()))


# -- pure ----------------------------------------------------------------------------------------------
@given(valid_sections)
def test_valid_sections_are_kept_unchanged(case):
    name, data, flag = case
    assert clean_entry(SECTIONS[name], {"data": data, "data_not_reported": flag}) == (data, flag)


def refused_under_data(name: str, body: dict) -> BadRequest:
    with pytest.raises(BadRequest) as err:
        clean_entry(SECTIONS[name], body)
    assert err.value.status == 400
    assert err.value.errors
    assert all(k == "data_not_reported" or k == "data" or k.startswith(("data[", "data."))
               for k in err.value.errors), err.value.errors
    assert name in err.value.message or list(err.value.errors) == ["data"]
    return err.value


@given(st.sampled_from(SECTION_NAMES), anything, anything)
def test_anything_is_accepted_or_refused_naming_data(name, data, flag):
    try:
        clean_entry(SECTIONS[name], {"data": data, "data_not_reported": flag})
    except BadRequest:
        refused_under_data(name, {"data": data, "data_not_reported": flag})


@given(st.sampled_from([n for n in SECTION_NAMES if SECTIONS[n].kind == LIST]),
       st.text(min_size=1, max_size=12).filter(lambda k: k not in ("condition", "procedure", "substance",
                                                                   "name", "relations")))
def test_unknown_item_keys_are_refused_by_path(name, key):
    sec = SECTIONS[name]
    item = {sec.required[0]: "x", key: "y"}
    err = refused_under_data(name, {"data": [item]})
    assert list(err.errors) == [f"data[0].{key}"]


@pytest.mark.parametrize("name", SECTION_NAMES)
def test_limits(name):
    sec = SECTIONS[name]
    first = sec.keys[0]
    too_long = "x" * (TEXT_LIMIT + 1)
    if sec.kind == LIST:
        refused_under_data(name, {"data": [{first: "x"}] * (MAX_ITEMS + 1)})
        refused_under_data(name, {"data": [{first: too_long}]})
        assert clean_entry(sec, {"data": [{first: "x" * TEXT_LIMIT}] * MAX_ITEMS})
    else:
        refused_under_data(name, {"data": {first: too_long}})


def test_relations_limit():
    sec = SECTIONS["family_conditions"]
    refused_under_data("family_conditions", {"data": [{"condition": "x", "relations": ["a"] * (MAX_RELATIONS + 1)}]})
    assert clean_entry(sec, {"data": [{"condition": "x", "relations": "Mother, Father"}]})[0] == [
        {"condition": "x", "relations": ["Mother", "Father"]}]


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), (True, True), (False, False), (1, True), (0, False), ("true", True), ("FALSE", False),
    ("1", True), ("0", False), ("", False)])
def test_flag(value, expected):
    assert clean_flag(value) is expected


@given(anything)
def test_flag_never_raises_anything_else(value):
    try:
        clean_flag(value)
    except BadRequest as err:
        assert list(err.errors) == ["data_not_reported"]


def test_missing_data_needs_not_reported():
    err = refused_under_data("conditions", {})
    assert list(err.errors) == ["data"]
    assert clean_entry(SECTIONS["conditions"], {"data_not_reported": True}) == ([], True)


def test_unknown_section_is_not_found():
    with pytest.raises(NotFound):
        section("vitals")
    with pytest.raises(NotFound):
        section(["conditions"])


def test_schema_matches_the_table():
    schema = json_schema()
    assert list(schema) == list(SECTION_NAMES)
    for name, sec in SECTIONS.items():
        data = schema[name]["properties"]["data"]
        shape = data["items"] if sec.kind == LIST else data
        assert list(shape["properties"]) == list(sec.keys)
        assert clean_entry(sec, schema[name]["example"]) == (sec.example, False)


# -- through the API -----------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=valid_sections)
def test_valid_sections_round_trip_through_post_and_get(client, case):
    name, data, flag = case
    body = {"data": data, "data_not_reported": flag}
    resp = client.post(f"/api_v3/users/575/emr/{name}", json=body, headers=P575)
    assert resp.status_code == 200, resp.get_json()
    saved = client.get("/api_v3/users/575/emr", headers=P575).get_json()["data"][name]
    assert (saved["data"], saved["data_not_reported"]) == (data, flag)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SECTION_NAMES), data=anything, flag=anything)
def test_anything_through_the_api_is_200_or_400_naming_data(client, name, data, flag):
    resp = client.post(f"/api_v3/users/575/emr/{name}", json={"data": data, "data_not_reported": flag},
                       headers=P575)
    assert resp.status_code in (200, 400), resp.get_json()
    if resp.status_code == 400:
        body = resp.get_json()
        assert body["code"] == 400
        assert all(k in ("data", "data_not_reported") or k.startswith(("data[", "data."))
                   for k in body["errors"]), body
