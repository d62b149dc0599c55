"""EMR: the seven documented sections and how a posted section is validated (pure).

Each section is a list of items (conditions, surgeries, allergies, medications,
family_conditions) or one object (social_history, health_habits), with the keys of
the documented examples (``POST /users/:id/emr/:name``). ``GET /emr/schema`` serves
``json_schema()`` of the same table, so the shapes are declared once.

Every error is a ``BadRequest`` whose ``errors`` name paths under the body's fields
(``data``, ``data[1].condition``, ``data.num_kids``, ``data_not_reported``), whatever
the value: bodies arrive as JSON, PHP-style forms, or a JSON string in ``data``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from vsee_sim.core.errors import BadRequest, NotFound

LIST, OBJECT = "list", "object"
TEXT_LIMIT = 255        # one answer ("Heart valve replaced"); a MySQL VARCHAR(255)
MAX_ITEMS = 100         # conditions, medications, ... of one patient
MAX_RELATIONS = 20      # relatives named for one family condition
MAX_KIDS = 99
MAX_REPORTED = 10       # errors spelled out in the message
MAX_ERRORS = 100        # errors listed in ``errors`` (a huge body must not make a huge answer)


@dataclass(frozen=True)
class Section:
    name: str
    kind: str                       # LIST of items, or one OBJECT
    keys: tuple[str, ...]           # the documented keys (of each item, or of the object)
    required: tuple[str, ...] = ()  # keys each item must have, as non-blank text
    lists: tuple[str, ...] = ()     # keys holding a list of texts
    numbers: tuple[str, ...] = ()   # whole numbers, stored as text (the doc's "num_kids": "5")
    example: object = None          # the documented ``data``


SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("conditions", LIST, ("condition",), required=("condition",),
            example=[{"condition": "Asthma"}, {"condition": "Bleeding problem"}]),
    Section("surgeries", LIST, ("procedure",), required=("procedure",),
            example=[{"procedure": "Heart valve replaced"}]),
    Section("allergies", LIST, ("substance",), required=("substance",),
            example=[{"substance": "1-Day"}, {"substance": "12 Hour Nasal"}]),
    Section("medications", LIST, ("name",), required=("name",), example=[{"name": "Tylenol"}]),
    Section("family_conditions", LIST, ("condition", "relations"), required=("condition",),
            lists=("relations",),
            example=[{"condition": "Alcoholism", "relations": ["Mother", "Father"]},
                     {"condition": "Asthma", "relations": ["Mother", "Father"]}]),
    Section("social_history", OBJECT, ("marital_status", "highest_ed", "occupation", "num_kids"),
            numbers=("num_kids",),
            example={"marital_status": "Single", "highest_ed": "Grammar school", "occupation": "test",
                     "num_kids": "5"}),
    Section("health_habits", OBJECT, ("smoking", "alcohol", "drugs", "exercise"),
            example={"smoking": "Never", "alcohol": "Never", "drugs": "qwerty", "exercise": "Never"}),
)}
SECTION_NAMES = tuple(SECTIONS)


def section(name: str) -> Section:
    """The documented section called ``name`` (404 otherwise: it is part of the path)."""
    found = SECTIONS.get(name) if isinstance(name, str) else None
    if found is None:
        raise NotFound(f"No EMR section {name!r}: use one of {', '.join(SECTION_NAMES)} "
                       "(see GET /emr/schema).")
    return found


def empty(sec: Section) -> list | dict:
    return [] if sec.kind == LIST else {}


# -- a posted section --------------------------------------------------------------------
def clean_entry(sec: Section, body: dict) -> tuple[list | dict, bool]:
    """``(data, data_not_reported)`` of a posted section; every bad field reported at once.

    ``data`` may be left out only when ``data_not_reported`` is true (it is then empty).
    """
    errors: dict[str, list[str]] = {}
    flag = False
    try:
        flag = clean_flag(body.get("data_not_reported"))
    except BadRequest as err:
        errors.update(err.errors or {})
    data = empty(sec)
    if body.get("data") is None:
        if not flag and "data_not_reported" not in errors:
            raise BadRequest.missing("data")
    else:
        data = _clean_data(sec, body["data"], errors)
    if errors:
        shown = list(errors.items())[:MAX_REPORTED]
        more = f" (and {len(errors) - MAX_REPORTED} more)" if len(errors) > MAX_REPORTED else ""
        raise BadRequest(f"Invalid {sec.name}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in shown) + more,
                         errors=dict(list(errors.items())[:MAX_ERRORS]))
    return data, flag


def clean_flag(value) -> bool:
    """``data_not_reported``: true/false, 1/0, "true"/"false"/"1"/"0"; absent means false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
        return value.strip().lower() in ("true", "1")
    raise BadRequest.field("data_not_reported", "use true or false.")


def _clean_data(sec: Section, value, errors: dict) -> list | dict:
    value = _decode(value, errors)
    if value is None:
        return empty(sec)
    if sec.kind == LIST:
        indexed = isinstance(value, dict) and all(str(k).isascii() and str(k).isdigit() for k in value)
        if indexed:
            value = [value[k] for k in sorted(value, key=int)]   # {} or {"0": ...}: PHP's array
        if not isinstance(value, list):
            errors["data"] = [f"must be a list of {_item_shape(sec)} objects."]
            return empty(sec)
        if len(value) > MAX_ITEMS:
            errors["data"] = [f"at most {MAX_ITEMS} items."]
            return empty(sec)
        return [_clean_object(sec, item, f"data[{i}]", errors) for i, item in enumerate(value)]
    if isinstance(value, list) and not value:
        value = {}   # PHP's json_encode writes an empty object as []
    if not isinstance(value, dict):
        errors["data"] = [f"must be an object {_item_shape(sec)}."]
        return empty(sec)
    return _clean_object(sec, value, "data", errors)


def _decode(value, errors: dict):
    """A JSON string in ``data`` (a form field) means its value; blank means empty."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            errors["data"] = ["is not valid JSON."]
            return None
    errors["data"] = ["must be a list or an object, not text."]
    return None


def _clean_object(sec: Section, item, path: str, errors: dict) -> dict:
    if not isinstance(item, dict):
        errors[path] = [f"must be an object {_item_shape(sec)}."]
        return {}
    out = {}
    for key, value in item.items():
        where = f"{path}.{key}"
        if key not in sec.keys:
            errors[_short(where)] = [f"unknown key; {sec.name} has {', '.join(sec.keys)}."]
        elif key in sec.lists:
            out[key] = _texts(value, where, errors)
        elif key in sec.numbers:
            out[key] = _number(value, where, errors)
        else:
            out[key] = _text(value, where, errors, required=key in sec.required)
    for key in sec.required:
        if key not in item:
            errors[f"{path}.{key}"] = ["Missing data for required field."]
    return out


def _text(value, where: str, errors: dict, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors[where] = ["must be text."]
        return None
    if required and not value.strip():
        errors[where] = ["must not be blank."]
    elif len(value) > TEXT_LIMIT:
        errors[where] = [f"must be at most {TEXT_LIMIT} characters."]
    return value


def _texts(value, where: str, errors: dict) -> list[str]:
    if isinstance(value, str):   # a form's "Mother,Father"
        value = [v.strip() for v in value.split(",") if v.strip()]
    if value is None:
        value = []
    if not isinstance(value, list):
        errors[where] = ["must be a list of texts."]
        return []
    if len(value) > MAX_RELATIONS:
        errors[where] = [f"at most {MAX_RELATIONS} entries."]
        return []
    out = []
    for i, entry in enumerate(value):
        text = _text(entry, f"{where}[{i}]", errors, required=True)
        if text is not None:
            out.append(text)
    return out


def _number(value, where: str, errors: dict) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return value   # not answered
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        text = value.strip()
    else:
        errors[where] = [f"must be a whole number from 0 to {MAX_KIDS}."]
        return None
    if len(text) > 3 or not 0 <= int(text) <= MAX_KIDS:
        errors[where] = [f"must be a whole number from 0 to {MAX_KIDS}."]
        return None
    return str(int(text))


def _short(path: str) -> str:
    """An unknown key is named as sent, cut so a huge key cannot make a huge message."""
    return path if len(path) <= 80 else path[:77] + "..."


def _item_shape(sec: Section) -> str:
    return "{" + ", ".join(sec.keys) + "}"


# -- GET /emr/schema ---------------------------------------------------------------------
def json_schema() -> dict:
    """Every section's body as a JSON Schema (draft 2020-12), with the documented example."""
    return {name: _section_schema(sec) for name, sec in SECTIONS.items()}


def _section_schema(sec: Section) -> dict:
    props = {}
    for key in sec.keys:
        if key in sec.lists:
            props[key] = {"type": "array", "maxItems": MAX_RELATIONS,
                          "items": {"type": "string", "minLength": 1, "maxLength": TEXT_LIMIT}}
        elif key in sec.numbers:
            props[key] = {"type": ["string", "integer", "null"], "pattern": "^[0-9]{1,2}$",
                          "minimum": 0, "maximum": MAX_KIDS}
        elif key in sec.required:
            props[key] = {"type": "string", "minLength": 1, "maxLength": TEXT_LIMIT}
        else:
            props[key] = {"type": ["string", "null"], "maxLength": TEXT_LIMIT}
    shape = {"type": "object", "properties": props, "required": list(sec.required),
             "additionalProperties": False}
    data = {"type": "array", "maxItems": MAX_ITEMS, "items": shape} if sec.kind == LIST else shape
    return {
        "type": "object",
        "properties": {"data": data, "data_not_reported": {"type": "boolean"}},
        "required": ["data"],
        "example": {"data": sec.example, "data_not_reported": False},
    }
