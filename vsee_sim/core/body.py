"""One body reader for JSON, form-urlencoded, multipart and empty bodies.

Services never see the encoding. The real service is PHP, so form arrays and objects
arrive PHP-style (``tokens[]=a&tokens[]=b``, ``meta[category]=x``) or dotted as in
the documented files example (``meta.category=x``); both mean their JSON form.
Type coercion ("200" -> 200, "true" -> True) is the schemas' job (``wire.py``).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import FileStorage, MultiDict

from vsee_sim.core.errors import BadRequest, PayloadTooLarge

_PHP_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
MAX_DEPTH = 64  # PHP's max_input_nesting_level
_TYPO_QUOTES = "\u201c\u201d\u2018\u2019"


def read_body(request) -> dict[str, Any]:
    """The request body as a plain dict (files included as FileStorage values)."""
    mimetype = (request.mimetype or "").lower()
    # werkzeug cuts a chunked body at the limit without a word (multipart raises):
    # read it here, where reaching the limit means it was cut, and refuse it. (The limit
    # is looked up only then: Flask finds it through the app proxy.)
    if request.content_length is None and mimetype != "multipart/form-data":
        limit = request.max_content_length
        if limit is not None and len(request.get_data(cache=True)) >= limit:
            raise PayloadTooLarge("Request body is too large.")
    if mimetype == "application/x-www-form-urlencoded":
        raw = request.get_data(cache=True)
        sent_as_multipart = _multipart_under_form_type(raw)
        if sent_as_multipart is not None:
            return sent_as_multipart
        return _from_form(_urlencoded(raw), MultiDict())
    if mimetype == "multipart/form-data":
        return _from_form(request.form, request.files)
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return {}
    if mimetype.endswith("json") or raw.lstrip()[:1] in (b"{", b"["):
        return _from_json(raw, strict=mimetype.endswith("json"))
    # Unknown or missing content type: take it as a form body, as PHP would.
    text = raw.decode("utf-8", errors="replace")
    return _from_form(MultiDict(parse_qsl(text, keep_blank_values=True)), MultiDict())


def _urlencoded(raw: bytes) -> MultiDict:
    """``request.form`` of a form-urlencoded body, as werkzeug makes it (formparser's
    ``_parse_urlencoded``, silent: a body that is not UTF-8 is an empty form), read from
    the bytes at hand rather than through a form parser and a new stream."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return MultiDict()
    return MultiDict(parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote"))


_BOUNDARY_LINE = re.compile(rb"^--([!-~]{1,70})\r?\n")


def _multipart_under_form_type(raw: bytes) -> dict[str, Any] | None:
    """A multipart body sent as form-urlencoded, read as multipart (docs/fidelity.md F12).

    ``curl -H 'Content-Type: application/x-www-form-urlencoded' -F name=x`` (the documented
    rename) sends curl's multipart bytes under the header's type, without a boundary.
    """
    match = _BOUNDARY_LINE.match(raw)
    if not match or b"content-disposition: form-data" not in raw[:2048].lower():
        return None
    from werkzeug.formparser import FormDataParser

    try:
        _, form, files = FormDataParser(silent=False, max_form_parts=1000).parse(
            io.BytesIO(raw), "multipart/form-data", len(raw), {"boundary": match.group(1).decode("ascii")})
    except ValueError:
        return None
    if not form and not files:
        return None             # not multipart after all: read it as the form it says it is
    return _from_form(form, files)


def _from_json(raw: bytes, strict: bool) -> dict[str, Any]:
    try:
        # NaN and Infinity are not JSON (RFC 8259): refused, so they are never stored and echoed
        data = json.loads(raw, parse_constant=_not_json, parse_float=_finite_float)
        _check_depth(data)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        if not strict:
            text = raw.decode("utf-8", errors="replace")
            return _from_form(MultiDict(parse_qsl(text, keep_blank_values=True)), MultiDict())
        raise BadRequest(f"Malformed JSON body: {exc}.", errors={"body": ["Malformed JSON."]}) from None
    if not isinstance(data, dict):
        raise BadRequest("The JSON body must be an object.", errors={"body": ["Not an object."]})
    return data


def _not_json(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


def plain_value(value: Any, name: str) -> Any:
    """A value kept as sent (``extra``, ``consent``...), if it is plain data; an uploaded file
    or another object is a 400 naming the field."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [plain_value(v, name) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: plain_value(v, name) for k, v in value.items()}
    raise BadRequest.field(name, "must be text, a number, a boolean, a list or an object (not a file).")


def _from_form(form: MultiDict, files: MultiDict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw_key, values in form.lists():
        if not raw_key:  # a multipart part without a name carries nothing we can use
            continue
        key, values = _clean(raw_key, values)
        if key and "[" not in key and "." not in key:  # a plain name: what _assign does with it
            out[key] = values[0] if len(values) == 1 else list(values)
        else:
            _assign(out, key, values)
    for key in files:
        if not key:
            continue
        items: list[FileStorage] = files.getlist(key)
        _assign(out, key, items)
    return {key: _listify(value) for key, value in out.items()}  # the top level stays an object


def _listify(value: Any) -> Any:
    """PHP turns ``a[0]=x&a[1]=y`` into a list; so do we."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isascii() and k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value


def _clean(key: str, values: list[str]) -> tuple[str, list[Any]]:
    """Repair two documented curl habits (docs/fidelity.md, "Bodies").

    ``-d "refresh_token: abc"`` sends the key ``refresh_token: abc`` with no value;
    ``-d \u201ca=1&b=2\u201d`` sends typographic quotes around the pairs.
    """
    key = key.strip().strip(_TYPO_QUOTES)
    values = [v.strip(_TYPO_QUOTES) if isinstance(v, str) else v for v in values]
    if values == [""] and ": " in key:
        key, _, value = key.partition(": ")
        values = [value.strip()]
    return key, values


def _assign(out: dict[str, Any], key: str, values: list[Any]) -> None:
    match = _PHP_KEY.match(key)
    if match:
        path = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
    elif "." in key:
        path = key.split(".")
    else:
        path = [key]
    if len(path) > MAX_DEPTH:
        raise _too_deep()
    target = out
    for part in path[:-1]:
        nxt = target.get(part) if isinstance(target, dict) else None
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    last = path[-1]
    if last == "":  # "tokens[]" or "a[b][]": a list
        parent_key = path[-2] if len(path) > 1 else key
        container = out if len(path) == 2 else _walk(out, path[:-2])
        existing = container.get(parent_key)
        container[parent_key] = (existing if isinstance(existing, list) else []) + list(values)
        return
    target[last] = values[0] if len(values) == 1 else list(values)


def _too_deep() -> BadRequest:
    return BadRequest(f"The body is nested more than {MAX_DEPTH} levels deep.",
                      errors={"body": ["Too deeply nested."]})


def _check_depth(data: Any) -> None:
    """Refuse JSON nested deeper than PHP would accept (iteratively: no recursion limit)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _walk(out: dict, path: list[str]) -> dict:
    for part in path:
        out = out.setdefault(part, {})
    return out
