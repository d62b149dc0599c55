"""Wire schemas: the direct load path gives exactly what marshmallow's own path gives,
for every request schema the simulator declares (results, and errors in their order)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError

import vsee_sim
from vsee_sim.core.wire import WireSchema


def _request_schemas() -> list[type[WireSchema]]:
    for module in pkgutil.walk_packages(vsee_sim.__path__, "vsee_sim."):
        if module.name.endswith(".schemas"):
            importlib.import_module(module.name)
    found, todo = [], list(WireSchema.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


SCHEMAS = _request_schemas()

values = st.one_of(
    st.sampled_from(["", " ", "abc", "200", "400", "1", "0", "true", "false", "2024-02-29", "12:30",
                     "a,b", "vsee", "x@example.com", "-3", "1.5", "null"]),
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.sampled_from(["a", "1", 2, ""]), max_size=3),
    st.dictionaries(st.sampled_from(["lat", "long", "k", "0"]), st.sampled_from(["1", 2, "x"]), max_size=2),
    st.text(max_size=6),
)


def outcome(load):
    try:
        return "ok", load()
    except ValidationError as error:
        return "error", list(error.messages.items()) if isinstance(error.messages, dict) else error.messages


def marshmallow_load(schema: Schema, data, **kwargs):
    """``schema.load`` with marshmallow's own pre_load and deserialize steps."""
    schema._deserialize = partial(Schema._deserialize, schema)
    schema._invoke_load_processors = partial(Schema._invoke_load_processors, schema)
    try:
        return schema.load(data, **kwargs)
    finally:
        del schema._deserialize, schema._invoke_load_processors


def test_every_request_schema_is_found():
    names = {cls.__name__ for cls in SCHEMAS}
    assert {"SsoIn", "SsoQuery", "LoginIn", "MeIn"} <= names
    assert len(SCHEMAS) >= 40


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=lambda c: f"{c.__module__.split('.')[-2]}.{c.__name__}")
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_direct_load_equals_marshmallow_load(schema_cls, data):
    schema = schema_cls()
    keys = [field.data_key or name for name, field in schema.load_fields.items()]
    body = data.draw(st.dictionaries(st.sampled_from([*keys, "unknown_key"]), values, max_size=len(keys) + 1))
    assert outcome(lambda: schema.load(body)) == outcome(lambda: marshmallow_load(schema, body))
    # webargs' query location passes unknown=EXCLUDE explicitly
    assert outcome(lambda: schema.load(body, unknown=EXCLUDE)) == \
        outcome(lambda: marshmallow_load(schema, body, unknown=EXCLUDE))


def test_unusual_loads_take_marshmallow_s_path():
    """``many``, ``partial`` and ``unknown=INCLUDE`` are marshmallow's own, unchanged."""
    from vsee_sim.api.users.schemas import SsoIn

    schema = SsoIn()
    body = {"first_name": "A", "type": "", "extra": 1}
    assert schema.load(body, unknown=INCLUDE) == {"first_name": "A", "extra": 1}
    assert schema.load([body, {"type": "400"}], many=True) == [{"first_name": "A"}, {"type": 400}]
    assert schema.load({"code": "x"}, partial=True) == {"code": "x"}
    with pytest.raises(ValidationError) as caught:
        schema.load({"type": "patient", "first_name": "A"})
    assert caught.value.messages == {"type": ["Not a valid integer."]}
