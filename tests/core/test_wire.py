"""Wire schemas: the direct dump path gives exactly what marshmallow's own path gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema

from vsee_sim.api.accounts.schemas import AccountBriefOut, AccountOut
from vsee_sim.api.rooms.schemas import RoomOut, UserRoomOut
from vsee_sim.api.users.schemas import (
    AliveOut,
    LoginOut,
    RefreshOut,
    RefreshTokenOut,
    SsoOut,
    TokenOut,
    UserOut,
    VseeOut,
)
from vsee_sim.control.events.schemas import OutboxItemOut
from vsee_sim.control.state.schemas import HealthOut
from vsee_sim.core.wire import _ENVELOPES, TRUE_ENVELOPE, JsonItems, OutSchema, envelope

SCHEMAS = [UserOut, SsoOut, LoginOut, RefreshOut, TokenOut, RefreshTokenOut, VseeOut, AliveOut,
           AccountBriefOut, HealthOut, OutboxItemOut, RoomOut, UserRoomOut]  # AccountOut passes extra keys on: see below

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=8),
                    st.sampled_from(["1", "0", "true", "2"]))


def records(schema: OutSchema):
    """Dicts carrying a random subset of the schema's fields (plus unknown keys)."""
    def value_for(field):
        kind = type(field).__name__
        if kind == "Nested":
            return st.one_of(st.none(), records(field.schema))
        if kind in ("Dict",):
            return st.one_of(st.none(), st.dictionaries(st.text(max_size=4), scalars, max_size=3))
        if kind == "List" and type(field.inner).__name__ == "String":
            return st.one_of(st.none(), st.lists(st.one_of(scalars, st.text(max_size=3).map(str.encode)), max_size=3))
        if kind == "List" and type(field.inner).__name__ == "Nested":  # a room's consultations
            return st.one_of(st.none(), st.lists(st.one_of(st.none(), records(field.inner.schema)), max_size=3))
        if kind == "List":
            return st.one_of(st.none(), st.lists(st.dictionaries(st.text(max_size=3), scalars, max_size=2),
                                                 max_size=2))
        if kind == "Integer":
            return st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.sampled_from(["7", "42"]))
        if kind == "Boolean":
            return st.one_of(st.none(), st.booleans(), st.sampled_from(["1", "0", "true", 1, 0]))
        if kind in ("String", "NumericString"):
            return st.one_of(scalars, st.text(max_size=3).map(str.encode))
        return scalars
    names = list(schema.dump_fields)
    return st.fixed_dictionaries({}, optional={
        **{n: value_for(schema.dump_fields[n]) for n in names}, "unknown_key": scalars})


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_direct_dump_equals_marshmallow_dump(schema_cls, data):
    schema = schema_cls()
    record = data.draw(records(schema))
    assert schema.dump(record) == Schema.dump(schema, record)
    assert schema.dump([record, record], many=True) == Schema.dump(schema, [record, record], many=True)


@pytest.mark.parametrize("inner", [UserOut, RoomOut], ids=lambda c: c.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_envelope_dump_equals_marshmallow_dump(inner, data):
    """``{"data": ...}`` made directly, as marshmallow's pre_dump hook and field would."""
    one, many = envelope(inner)(), envelope(inner, many=True)()
    record = data.draw(st.one_of(st.none(), records(inner())))
    assert one.dump(record) == Schema.dump(one, record)
    assert many.dump([record] if record else []) == Schema.dump(many, [record] if record else [])
    assert TRUE_ENVELOPE().dump(True) == Schema.dump(TRUE_ENVELOPE(), True) == {"data": True}
    assert set(_ENVELOPES) >= {f"{inner.__name__}Envelope", f"{inner.__name__}ListEnvelope"}  # made once, kept


def test_undeclared_keys_are_never_sent():
    out = UserOut().dump({"id": "1", "password": "secret", "email_token": "123456"})
    assert out == {"id": "1"}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_account_dump_is_marshmallow_s_plus_the_undeclared_keys(data):
    schema = AccountOut()
    record = data.draw(records(schema))
    expected = Schema.dump(schema, record)
    expected.update({k: v for k, v in record.items() if k not in expected})
    assert schema.dump(record) == expected


def test_url_builders_are_compiled_on_first_use_and_build_the_same_urls():
    from werkzeug.routing import Map, Rule

    from vsee_sim.core.http import LazyBuildRule, SimFlask

    assert SimFlask.url_rule_class is LazyBuildRule
    lazy = Map([LazyBuildRule("/u/waiting/<visit_id>", endpoint="w"),
                LazyBuildRule("/members/appointment/<int:n>", endpoint="a")]).bind("sim.test")
    plain = Map([Rule("/u/waiting/<visit_id>", endpoint="w"),
                 Rule("/members/appointment/<int:n>", endpoint="a")]).bind("sim.test")
    for endpoint, values in (("w", {"visit_id": "10001"}), ("a", {"n": 7, "token": "ab c"}),
                             ("w", {"visit_id": "a/b"})):
        assert lazy.build(endpoint, values) == plain.build(endpoint, values)


@pytest.mark.parametrize("inner", [UserOut, RoomOut, AccountBriefOut], ids=lambda c: c.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data(), pretty=st.booleans(), lazily=st.booleans())
def test_a_list_encoded_item_by_item_is_the_text_of_the_whole_dump(inner, data, pretty, lazily):
    """Views' lists go out as ``JsonItems`` (each item dumped and encoded in turn, a view may
    give a generator): the same text as encoding marshmallow's dump of the whole list."""
    items = data.draw(st.lists(records(inner()), max_size=4))
    schema = envelope(inner, many=True)()
    out = schema.dump_for_json((item for item in items) if lazily else items)
    assert type(out) is JsonItems
    encoder = json.JSONEncoder(default=str, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    assert out.encode(encoder) == encoder.encode(Schema.dump(schema, items))
    assert envelope(inner)().dump_for_json(items[0] if items else None) == envelope(inner)().dump(
        items[0] if items else None)  # one item: a plain dump


@pytest.mark.parametrize("compact", [True, False])
def test_a_list_route_answers_the_same_json_compact_or_indented(app, client, compact):
    """GET /rooms (a generator of views) through the app's encoder: the same JSON either way."""
    plain = client.get("/api_v3/rooms")
    app.json.compact = compact
    try:
        shown = client.get("/api_v3/rooms")
    finally:
        app.json.compact = None
    assert shown.status_code == plain.status_code == 200 and len(plain.get_json()["data"]) > 1
    assert shown.get_json() == plain.get_json()
    assert shown.data == (json.dumps(plain.get_json(), indent=None if compact else 2,
                                     separators=(",", ":") if compact else None) + "\n").encode()
