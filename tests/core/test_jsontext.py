"""core/jsontext.py: the response encoder writes exactly the stdlib encoder's text."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid

import pytest
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.core import jsontext
from vsee_sim.core.jsontext import FastEncoder

COMPACT = {"ensure_ascii": True, "sort_keys": False, "separators": (",", ":")}
default = DefaultJSONProvider.default  # Flask's: HTTP dates, dataclasses, Decimal, UUID


def stdlib(**kw) -> json.JSONEncoder:
    return json.JSONEncoder(default=default, **{**COMPACT, **kw})


def fast(**kw) -> FastEncoder:
    return FastEncoder(default=default, **{**COMPACT, **kw})


# What views return: text (any, non-ASCII and control characters included), ints (past 64
# bits too), booleans, null, floats where both write the same digits, lists, dicts.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=12),
                    st.floats(min_value=1e-4, max_value=1e300, allow_nan=False),
                    st.floats(min_value=-1e300, max_value=-1e-4, allow_nan=False))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_the_text_is_the_stdlib_encoder_s(doc):
    assert fast().encode(doc) == stdlib().encode(doc)
    assert fast().encode_body(doc) == (stdlib().encode(doc) + "\n").encode()


@pytest.mark.parametrize("value", [
    {"name": "José Ñúñez"},                        # non-ASCII: escaped as the stdlib does
    {"n": 2**64}, {1: "a"},                        # past 64 bits; a key that is not a string
    {"at": datetime.datetime(2026, 12, 3, 9, 30)}, {"d": datetime.date(2026, 12, 3)},  # HTTP dates
    {"price": decimal.Decimal("1.50")}, {"id": uuid.UUID(int=7)},
    {"dc": dataclasses.make_dataclass("D", [("a", int)])(1)},
    {"sub": type("Text", (str,), {})("x")},
    {"ctl": "\x00\x1f\x7f\u2028"},
])
def test_values_orjson_leaves_or_writes_otherwise_take_the_stdlib_path(value):
    assert fast().encode(value) == stdlib().encode(value)
    assert fast().encode_body(value) == (stdlib().encode(value) + "\n").encode()


def test_an_indenting_or_sorting_encoder_is_the_stdlib_one():
    doc = {"b": [1, {"c": None}], "a": "x"}
    for kw in ({"indent": 2, "separators": None}, {"sort_keys": True}, {"ensure_ascii": False}):
        encoder = fast(**kw)
        assert not encoder.fast
        assert encoder.encode(doc) == stdlib(**kw).encode(doc)


def test_without_orjson_everything_goes_to_the_stdlib(monkeypatch):
    monkeypatch.setattr(jsontext, "orjson", None)
    encoder = fast()
    assert not encoder.fast
    assert encoder.encode_body({"a": [1, "é"]}) == b'{"a":[1,"\\u00e9"]}\n'
