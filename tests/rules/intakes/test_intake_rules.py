"""Intakes rules, pure: attachments in every documented format, type, location, reason,
consultation id (docs/fidelity.md I4, I6).

Properties: the same ids in any documented format give the same list; whatever the
value, a cleaner raises nothing but a BadRequest naming its own field.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.intakes.rules import (
    MAX_ATTACHMENTS,
    clean_consultation_id,
    clean_location,
    clean_reason,
    clean_type,
    parse_attachments,
)
from vsee_sim.core.errors import BadRequest

STATES = frozenset({"CA", "AL", "NY", "MI"})
A, B = "577af3e6-9e48-4a51-9315-2ba8c0a8210a", "57b4c65d-7ef8-461f-8951-43b1ac1f0144"

file_ids = st.uuids().map(str)
id_lists = st.lists(file_ids, max_size=MAX_ATTACHMENTS, unique=True)
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


def refused(field: str, func, *args) -> BadRequest:
    with pytest.raises(BadRequest) as err:
        func(*args)
    assert err.value.status == 400
    assert list(err.value.errors) == [field], err.value.errors
    assert field in err.value.message
    return err.value


# -- attachments ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    [{"id": A}, {"id": B}],
    [A, B],
    f"{A},{B}",
    f" {A} , {B} ,",
    json.dumps([A, B]),
    json.dumps([{"id": A}, {"id": B}]),
    [{"_id": A}, B],
    [A, B, A],
])
def test_every_documented_format_gives_the_ids(value):
    assert parse_attachments(value) == [A, B]


@pytest.mark.parametrize("value", [None, "", "  ", [], "[]"])
def test_nothing_means_no_attachments(value):
    assert parse_attachments(value) == []


def test_one_object_is_one_attachment():
    assert parse_attachments({"id": A}) == [A]


@pytest.mark.parametrize("value", [
    5, 1.5, True, [5], [None], [[A]], [{"name": A}], [{"id": 7}], "[not json", '{"id": "x"}',
    '"x"', "[1, 2]", [""], ["has space"], [A + "," + B], ["x" * 65], [str(i) for i in range(MAX_ATTACHMENTS + 1)],
])
def test_garbage_is_refused_naming_attachments(value):
    refused("attachments", parse_attachments, value)


@given(ids=id_lists)
def test_the_same_ids_in_any_format_give_the_same_list(ids):
    formats = [
        [{"id": i} for i in ids],
        list(ids),
        ",".join(ids),
        json.dumps(ids),
        json.dumps([{"id": i} for i in ids]),
    ]
    for value in formats:
        assert parse_attachments(value) == ids


@given(ids=st.lists(file_ids, min_size=1, max_size=10), extra=st.lists(file_ids, max_size=5))
def test_repeats_are_dropped_keeping_the_first_place(ids, extra):
    out = parse_attachments(ids + extra + ids)
    assert out == list(dict.fromkeys(ids + extra))


@given(value=anything)
def test_attachments_raise_only_bad_request_naming_attachments(value):
    try:
        out = parse_attachments(value)
    except BadRequest as err:
        assert list(err.errors) == ["attachments"]
    else:
        assert isinstance(out, list) and all(isinstance(i, str) and i for i in out)
        assert len(out) == len(set(out))


@given(value=st.text(max_size=200))
def test_any_text_is_ids_or_a_bad_request(value):
    try:
        out = parse_attachments(value)
    except BadRequest as err:
        assert list(err.errors) == ["attachments"]
    else:
        assert all("," not in i and i == i.strip() for i in out)


# -- type -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, kind", [(1, 1), (2, 2), ("1", 1), (" 2 ", 2)])
def test_type_walkin_or_schedule(value, kind):
    assert clean_type(value) == kind


@pytest.mark.parametrize("value", [0, 3, "3", "walkin", True, False, 1.0, "1.0", None, [1], ""])
def test_other_types_are_refused(value):
    refused("type", clean_type, value)


@given(value=anything)
def test_type_is_1_2_or_a_bad_request(value):
    try:
        assert clean_type(value) in (1, 2)
    except BadRequest as err:
        assert list(err.errors) == ["type"]


# -- location ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, code", [("CA", "CA"), ("ca", "CA"), (" mi ", "MI"), ("", None)])
def test_location_is_an_upper_cased_state(value, code):
    assert clean_location(value, STATES) == code


@pytest.mark.parametrize("value", ["California", "ZZ", "C", 5, None, ["CA"]])
def test_other_locations_are_refused(value):
    refused("location", clean_location, value, STATES)


@given(value=anything | st.text(max_size=4))
def test_location_is_a_state_or_a_bad_request(value):
    try:
        out = clean_location(value, STATES)
    except BadRequest as err:
        assert list(err.errors) == ["location"]
    else:
        assert out is None or out in STATES


# -- reason and consultation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, text", [
    ("Test", "Test"), (" Cough ", "Cough"), (["Cough", "Fever"], "Cough,Fever"), (42, "42"), ("", ""),
])
def test_reason_is_text(value, text):
    assert clean_reason(value) == text


@pytest.mark.parametrize("value", [None, True, {"a": "b"}, [1], "x" * 2001])
def test_other_reasons_are_refused(value):
    refused("reason_for_visit", clean_reason, value)


@pytest.mark.parametrize("value, cid", [("abc", "abc"), (" abc ", "abc"), ({"id": "abc"}, "abc"), ("", None), (12, "12")])
def test_consultation_id(value, cid):
    assert clean_consultation_id(value, "consultation_id") == cid


@given(value=anything, name=st.sampled_from(["consultation", "consultation_id"]))
def test_consultation_is_an_id_or_a_bad_request_naming_the_field_sent(value, name):
    try:
        out = clean_consultation_id(value, name)
    except BadRequest as err:
        assert list(err.errors) == [name]
    else:
        assert out is None or (isinstance(out, str) and out == out.strip() and out)
