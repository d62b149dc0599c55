"""eRx: what a saved pharmacy may hold, and the prescription status filter (pure).

The POST /users/:id/erx/pharmacies table lost its names; its values, the curl and the
GET example give the fields: name, address, address_more, code, city, country, state,
zip, phone, fax, lat, long, distance, type, extra. Each cleaner raises ``BadRequest``
naming the field it checks, and nothing else, whatever it is given.
"""

from __future__ import annotations

import json
import math
import re

from vsee_sim.core.body import plain_value
from vsee_sim.core.errors import BadRequest

TEXT_FIELDS = ("name", "address", "address_more", "city", "country", "state", "zip", "type")
PHONE_FIELDS = ("phone", "fax")
NUMBER_FIELDS = {"lat": (-90.0, 90.0), "long": (-180.0, 180.0), "distance": (0.0, 40_075.0)}
TEXT_LIMIT = 255
DEFAULT_STATUS = "Current"
# A pharmacy's code is its NCPDP id ("0561539") or the search API's id; it is a path
# segment of DELETE /users/:id/erx/pharmacies/:code, so no "/" and nothing exotic.
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PHONE = re.compile(r"^[0-9+()., x-]{0,32}$")


def clean_pharmacy(args: dict) -> dict:
    """The stored form of every field sent; ``code`` is required; all bad fields at once."""
    out: dict = {}
    errors: dict[str, list[str]] = {}
    for name, value in args.items():
        try:
            if name == "code":
                out[name] = clean_code(value)
            elif name in TEXT_FIELDS:
                out[name] = clean_text(name, value)
            elif name in PHONE_FIELDS:
                out[name] = clean_phone(name, value)
            elif name in NUMBER_FIELDS:
                out[name] = clean_number(name, value)
            elif name == "extra":
                out[name] = clean_extra(value)
        except BadRequest as err:
            errors.update(err.errors or {name: [err.message]})
    if "code" not in args and not errors:
        raise BadRequest.missing("code")
    if "code" not in args:
        errors["code"] = ["Missing data for required field."]
    if errors:
        listed = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        raise BadRequest(f"Invalid {listed}", errors=errors)
    return out


def clean_code(value) -> str:
    text = _as_text(value)
    if text is None or not _CODE.match(text.strip()):
        raise BadRequest.field("code", "use the pharmacy's code (its NCPDP id, e.g. 0561539): "
                                       "1-64 letters, digits, '.', '_' or '-'.")
    return text.strip()


def clean_text(name: str, value) -> str:
    text = _as_text(value)
    if text is None:
        raise BadRequest.field(name, "must be text.")
    if len(text) > TEXT_LIMIT:
        raise BadRequest.field(name, f"must be at most {TEXT_LIMIT} characters.")
    return text


def clean_phone(name: str, value) -> str:
    text = _as_text(value)
    if text is None or not _PHONE.match(text):
        raise BadRequest.field(name, "use a phone number: digits, with + ( ) - . or spaces, e.g. 8663528725.")
    return text


def clean_number(name: str, value) -> float | None:
    """A number or numeric text within the field's range; ``None``/``""`` mean unknown."""
    low, high = NUMBER_FIELDS[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    try:
        number = None if number is None else float(number)
    except OverflowError:
        number = None
    if number is None or not math.isfinite(number) or not low <= number <= high:
        raise BadRequest.field(name, f"must be a number from {low:g} to {high:g}.")
    return number


def clean_extra(value) -> dict:
    """The pharmacy search API's own object, kept as sent (a JSON string of one, from a form)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_not_json)
        except (ValueError, RecursionError):
            value = None
    if not isinstance(value, dict):
        raise BadRequest.field("extra", "must be an object (the pharmacy search API's record).")
    return plain_value(value, "extra")


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def clean_status(value) -> str:
    """The prescription status to list ("Current" when not sent), compared without case."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_STATUS
    if not isinstance(value, str) or len(value) > 64:
        raise BadRequest.field("status", "use a prescription status such as Current.")
    return value.strip()


def _as_text(value) -> str | None:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value) if not isinstance(value, float) or math.isfinite(value) else None
    return value if isinstance(value, str) else None
