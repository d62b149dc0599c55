"""Wire shapes: the base schemas every area declares its requests and responses with.

Requests are lenient the way PHP is: unknown fields are ignored, "200" loads as 200,
"true"/"1" as True, and an empty string in a non-text field counts as not sent.
Responses are whitelists: a field not declared is never sent (passwords, internals).

Responses tell the truth to code generators: a response field is declared
``required=True`` when the simulator always sends it, and ``allow_none=True`` only when
it can be null. The test suite checks every response it sees against the declared
schema of its operation (contract/response_schemas.py), so the declarations cannot drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import GeneratorType
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, pre_dump, pre_load
from marshmallow.decorators import PRE_LOAD


class WireSchema(Schema):
    """Base of request schemas.

    Loading takes a direct path where marshmallow's generic one costs more than the work
    (a third of a ``POST /users/sso``): the blank-dropping hook is called directly when it
    is the schema's only pre_load hook, and ``_deserialize`` visits only the fields that were
    sent plus those that must react to their absence (required, or with a load default):
    for any other field marshmallow's own path ends at "missing, not stored". Fields still
    load through their own ``deserialize``, errors are stored as marshmallow stores them,
    and anything unusual (``many``, ``partial``, an ``unknown`` other than EXCLUDE, dotted
    attributes) goes the usual way. tests/core/test_wire_load.py checks both paths agree.
    """

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_means_absent(self, data: Any, **_: Any) -> Any:
        # a Mapping, not only a dict: query strings arrive as webargs' MultiDictProxy, whose
        # item lookup returns a list for list fields
        if not isinstance(data, Mapping):
            return data
        out = {key: data[key] for key in data}
        blank_means_absent = self.__dict__.get("_non_text_keys")
        if blank_means_absent is None:
            blank_means_absent = self._non_text_keys = tuple(
                field.data_key or name for name, field in self.fields.items()
                if not isinstance(field, fields.String))
        for key in blank_means_absent:
            if key in out and out[key] == "":
                del out[key]
        return out

    def _invoke_load_processors(self, tag: str, data: Any, *, many: bool, **kwargs: Any) -> Any:
        if tag == PRE_LOAD and not many and _only_blank_hook(type(self)):
            return self._blank_means_absent(data)
        return super()._invoke_load_processors(tag, data, many=many, **kwargs)

    def _deserialize(self, data: Any, *, error_store: Any, many: bool = False, partial: Any = None,
                     unknown: Any = EXCLUDE, index: Any = None) -> Any:
        plan = self.__dict__.get("_load_plan", _UNSET)
        if plan is _UNSET:
            plan = self._load_plan = _load_plan(self)
        if plan is None or many or partial is not None or unknown != EXCLUDE \
                or not isinstance(data, Mapping):
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial,
                                        unknown=unknown, index=index)
        always, by_key = plan
        index = index if self.opts.index_errors else None
        out = self.dict_class()
        visit = [by_key[k] for k in data if k in by_key]
        if always:
            visit += always
        visit.sort()  # in declaration order, as marshmallow does: errors are named in that order
        for _, key, attribute, field in visit:
            try:
                value = field.deserialize(data.get(key, missing), key, data)
            except ValidationError as error:
                error_store.store_error(error.messages, key, index=index)
                value = error.valid_data or missing
            if value is not missing:
                out[attribute] = value
        return out


def _only_blank_hook(cls: type) -> bool:
    """True when ``_blank_means_absent`` is the class's one pre_load hook."""
    known = cls.__dict__.get("_wire_only_blank_hook")
    if known is None:
        known = [name for name, _, _ in cls._hooks[PRE_LOAD]] == ["_blank_means_absent"]
        cls._wire_only_blank_hook = known
    return known


def _load_plan(schema: Schema):
    """(fields visited whether sent or not, {data key: field} for the others), each as
    (position in ``load_fields``, key, attribute, field); None when the direct path does
    not apply (a dotted attribute, two fields reading one key)."""
    always, by_key, keys = [], {}, set()
    for position, (name, field) in enumerate(schema.load_fields.items()):
        key, attribute = field.data_key or name, field.attribute or name
        if "." in attribute or key in keys:
            return None
        keys.add(key)
        step = (position, key, attribute, field)
        if field.required or field.load_default is not missing \
                or type(field).deserialize is not fields.Field.deserialize \
                or type(field)._validate_missing is not fields.Field._validate_missing:
            always.append(step)
        else:
            by_key[key] = step
    return tuple(always), by_key


class OutSchema(Schema):
    """Base of response schemas.

    Declare each field as it is sent: ``required=True`` if it is always there,
    ``allow_none=True`` if it can be null (many of VSee's can); otherwise it is optional
    and never null. Nothing is implied: a generated client reads exactly this.

    Dumping a dict takes a direct path (``_direct_plan``, compiled to one function per
    schema): for each declared field, the value is read from the dict and given to the
    field's own ``_serialize``, exactly what ``Field.serialize`` does minus its generic
    attribute lookup, which costs more than the conversion itself (about half of a GET
    /me). A value the field would return unchanged (a ``str`` for a String, an ``int`` for
    an Integer, anything for a Boolean or a Raw field, which convert nothing on the way
    out) is not given to it at all, and a nested ``OutSchema`` is dumped by its own plan.
    Anything else (objects, hooks, defaults) goes through marshmallow's usual path.
    tests/core/test_wire.py checks both paths give the same on generated records.
    """

    class Meta:
        ordered = True

    def dump(self, obj: Any, *, many: bool | None = None):
        plan = self.__dict__.get("_plan", _UNSET)
        if plan is _UNSET:
            plan = self._plan = self._direct_plan()
        many = self.many if many is None else many
        if plan is None or not (all(isinstance(o, dict) for o in obj) if many else isinstance(obj, dict)):
            return super().dump(obj, many=many)
        return [plan(o) for o in obj] if many else plan(obj)

    def _direct_plan(self):
        if any(self._hooks.get(kind) for kind in ("pre_dump", "post_dump")):
            return None
        plan = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute or name
            if field.dump_default is not missing or "." in attribute:
                return None
            plan.append((field.data_key or name, attribute, *_conversion(field)))
        return _compile(plan)


_UNSET = object()
_NONE = type(None)
_AS_IS = frozenset()  # marker: the field returns every value unchanged
_TEXT = frozenset((str, _NONE))


def _conversion(field: fields.Field) -> tuple[frozenset | None, Any]:
    """(types the field returns unchanged, the field's ``_serialize``) for a direct plan.

    Only for the fields whose ``_serialize`` is marshmallow's own (a subclass that overrides
    it, such as ``NumericString``, is asked about its own type below, or always called)."""
    impl = type(field)._serialize
    if impl is fields.Field._serialize:  # Boolean, Raw (Anything): no conversion on dump
        return _AS_IS, None
    if impl is fields.String._serialize or impl is NumericString._serialize:
        return _TEXT, field._serialize
    if impl is fields.Number._serialize and isinstance(field, fields.Integer) and not field.as_string \
            and field.num_type is int and type(field)._format_num is fields.Number._format_num:
        return frozenset((int, _NONE)), field._serialize  # int(x) is x for an int (not for a bool)
    if impl is fields.List._serialize and isinstance(field.inner, fields.String) \
            and type(field.inner)._serialize is fields.String._serialize:
        return frozenset((_NONE,)), _string_list(field)
    if impl is fields.Nested._serialize and isinstance(field.schema, OutSchema):
        return frozenset((_NONE,)), _nested(field)
    inner = getattr(field, "inner", None)
    if impl is fields.List._serialize and isinstance(inner, fields.Nested) \
            and type(inner)._serialize is fields.Nested._serialize and isinstance(inner.schema, OutSchema):
        return frozenset((_NONE,)), _nested_list(field)  # a room's consultations
    return None, field._serialize


def _string_list(field: fields.List):
    inner = field.inner._serialize

    def serialize(value, attr, obj):
        return [v if type(v) is str else inner(v, attr, obj) for v in value]
    return serialize


def _nested(field: fields.Nested):
    schema = field.schema
    many = schema.many or field.many

    def serialize(value, attr, obj):
        return schema.dump(value, many=many)
    return serialize


def _nested_list(field: fields.List):
    """What ``List(Nested(schema))._serialize`` gives: each item dumped, a None kept."""
    schema = field.inner.schema
    many = schema.many or field.inner.many

    def serialize(value, attr, obj):
        return [None if v is None else schema.dump(v, many=many) for v in value]
    return serialize


def _compile(plan: list[tuple]):
    """The plan as one function of the dict: a line per field, no loop over the plan.

    For ``(key, attribute, as_is, serialize)``: ``out[key] = value`` when the field would
    return ``value`` unchanged (``as_is``), else ``serialize(value, attribute, obj)``;
    nothing when the dict has no ``attribute``. Keys and attributes are written as
    ``repr`` literals; the converters are passed in by name."""
    names: dict[str, Any] = {"missing": missing}
    lines = ["def dump(obj):", "    out = {}", "    get = obj.get"]
    for i, (key, attribute, as_is, serialize) in enumerate(plan):
        names[f"s{i}"], names[f"t{i}"] = serialize, as_is
        if as_is is _AS_IS:
            value = "v"
        elif as_is == _TEXT:
            value = f"v if type(v) is str or v is None else s{i}(v, {attribute!r}, obj)"
        elif as_is:
            value = f"v if type(v) in t{i} else s{i}(v, {attribute!r}, obj)"
        else:
            value = f"s{i}(v, {attribute!r}, obj)"
        lines += [f"    v = get({attribute!r}, missing)", "    if v is not missing:",
                  f"        out[{key!r}] = {value}"]
    lines.append("    return out")
    exec("\n".join(lines), names)  # noqa: S102 - our own source, built above
    return names["dump"]


class Anything(fields.Raw):
    """A value passed through as stored (free-form objects of the documentation)."""


class NumericString(fields.String):
    """Ids VSee sends as numeric strings ("201"); ints are accepted on input."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs).strip()


_ENVELOPES: dict[str, type[Schema]] = {}


class _Envelope(Schema):
    """Dumps ``{"data": <its one field's value of obj>}`` directly: what marshmallow's path
    (the ``_wrap`` pre_dump hook, then the field) gives, without its generic machinery."""

    def dump(self, obj: Any, *, many: bool | None = None):
        if many or self.many:
            return super().dump(obj, many=many)
        conversion = self.__dict__.get("_conversion")
        if conversion is None:
            conversion = self._conversion = _conversion(self.dump_fields["data"])
        as_is, serialize = conversion
        if as_is is _AS_IS or (as_is and type(obj) in as_is):
            return {"data": obj}
        return {"data": serialize(obj, "data", {"data": obj})}

    def dump_for_json(self, obj: Any):
        """What ``dump`` gives, or for a list of ``OutSchema`` items a ``JsonItems`` that
        the app's encoder turns into the same text one item at a time (views answer
        through this; ``SimFlask.json_response`` knows both). A view of a long list may
        return a generator of its items: each is then made, dumped and encoded in turn."""
        inner = self.__dict__.get("_items_schema", _UNSET)
        if inner is _UNSET:
            field = self.dump_fields["data"]
            many = isinstance(field, fields.Nested) and (field.many or field.schema.many)
            inner = field.schema if many and isinstance(field.schema, OutSchema) else None
            self._items_schema = inner
        if inner is None or self.many or not isinstance(obj, (list, GeneratorType)):
            return self.dump(obj if type(obj) is not GeneratorType else list(obj))
        return JsonItems(obj, inner)


class JsonItems:
    """A list body, ``{"data": [item, ...]}``, dumped and encoded one item at a time.

    Why (issue 14, GET /rooms per item): dumping the whole list first keeps every dumped
    item (a dozen dicts and lists each) alive until the encoder has read them all. Those
    survive the cyclic collector's young generations, and a 10k-item answer set off full
    collections, each walking the whole heap (every namespace's records): a cost per item
    that grew with the state (1.22x from 1k to 10k rooms), and a peak of memory twice the
    body's. One item at a time, each dumped item is freed as soon as it is encoded.
    """

    __slots__ = ("items", "schema")

    def __init__(self, items: Iterable, schema: OutSchema):
        self.items, self.schema = items, schema

    def materialize(self) -> dict:
        """The body as ``dump`` makes it (for an encoder that indents). Once: the items may
        be a generator."""
        return {"data": self.schema.dump(list(self.items), many=True)}

    def encode(self, encoder: json.JSONEncoder) -> str:
        """The JSON text ``encoder.encode(self.materialize())`` gives; with no indent and
        compact separators (``,`` and ``:``), from the text of each item. Once, as
        ``materialize``."""
        if encoder.indent is not None or (encoder.item_separator, encoder.key_separator) != (",", ":"):
            return encoder.encode(self.materialize())
        dump, encode = self.schema.dump, encoder.encode
        return '{"data":[' + ",".join([encode(dump(item, many=False)) for item in self.items]) + "]}"


def envelope(inner: type[Schema] | fields.Field, *, many: bool = False,
             name: str | None = None) -> type[Schema]:
    """``{"data": <inner>}``, VSee's success body. Views return the inner value."""
    if isinstance(inner, type) and issubclass(inner, Schema):
        data_field: fields.Field = fields.Nested(inner, many=many, required=True)
        name = name or (inner.__name__ + ("List" if many else ""))
    else:
        data_field = inner
        if name is None:
            raise ValueError("envelope() of a field needs a name")
    key = f"{name}Envelope"
    found = _ENVELOPES.get(key)
    if found is not None:
        return found

    def wrap(self, obj, **_):
        return {"data": obj}

    cls = type(key, (_Envelope,), {"data": data_field, "_wrap": pre_dump(wrap)})
    _ENVELOPES[key] = cls
    return cls


TRUE_ENVELOPE = envelope(fields.Boolean(required=True), name="True")


class Text(fields.String):
    """Text that JSON clients sometimes send as a number (zip 90027, phone 7123456789)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class StringList(fields.Field):
    """A list of strings sent as a JSON array, ``a[]=x&a[]=y``, ``a=x,y`` or one value."""

    default_error_messages = {"invalid": "Not a list of strings."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, dict):
            value = list(value.values())
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise self.make_error("invalid")
        return [str(v) for v in value]


def _string_list_openapi(converter, field, **_):
    if isinstance(field, StringList):
        return {"type": "array", "items": field.metadata.get("items", {"type": "string"})}
    return {}


def _nullable_openapi(converter, field, ret, **_):
    """OpenAPI 3.0 for ``allow_none``, in the form code generators read.

    A nullable nested object is ``{allOf: [$ref], nullable: true}``: openapi-typescript
    makes it ``X | null`` and openapi-python-client ``None | X``. apispec's default,
    ``anyOf [{type: object, nullable: true}, $ref]``, types as ``{} | X`` (no field
    readable without a cast). We write no ``type: object`` beside the ``allOf``, though
    redocly's nullable-type-sibling rule asks for one: openapi-python-client 0.29 then
    ignores ``nullable`` (its model is ``X``, and ``X.from_dict(None)`` fails on a null;
    see its issue #1066 on allOf and nullable). A value of any type (``{}``, a Raw field)
    gets no ``nullable``: with no ``type`` beside it, it has no effect in 3.0.3, and ``{}``
    admits null already.
    """
    if not field.allow_none:
        return {}
    if "$ref" in ret:
        return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
    if "type" in ret or "allOf" in ret:
        return {"nullable": True}
    return {}


def install_openapi_conventions(converter) -> None:
    """Teach an apispec marshmallow converter the documents' conventions (above)."""
    converter.add_attribute_function(_string_list_openapi)
    keep = [f for f in converter.attribute_functions if f != converter.field2nullable]
    converter.attribute_functions = keep
    converter.add_attribute_function(_nullable_openapi)
