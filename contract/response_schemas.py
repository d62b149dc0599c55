"""Every response the suite sees must match the schema its operation declares.

conftest.py (the repository root) connects :func:`check` to Flask's ``request_finished`` signal for the
whole session, so every in-process app (the ``client`` fixture's, the contract replay's,
the pytest plugin's, live servers run in a thread) has each JSON response validated
against the OpenAPI document it serves: the operation is found by the Flask rule that
answered and the method, the response by its status (else ``default``). A mismatch is
recorded, and the autouse fixture ``responses_match_their_schemas`` fails the test with
the operation and the path of the bad field::

    GET /api_v3/visits/{visit_id} -> 200: /data/provider/id: null is not of type "string"

so a ``required`` or a non-nullable field the simulator does not always send cannot
go unnoticed. Servers run in another process (soak tests, the CI stage of the generated
clients) are checked by those clients instead.

The documents are OpenAPI 3.0; ``nullable: true`` becomes ``anyOf [..., {type: null}]``
and the schemas are checked with jsonschema-rs (Draft 4, as 3.0's schema dialect), which
schemathesis already brings in. Formats are not asserted (``int64`` is not a JSON
Schema format).
"""

from __future__ import annotations

import re
import threading
import weakref

import jsonschema_rs

_RULE_PARAM = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")

violations: list[str] = []
_lock = threading.Lock()


class _Document:
    """One app's operations: (path template, method) -> {status: validator or None}."""

    def __init__(self, app):
        self.operations: dict[tuple[str, str], dict] = {}
        self.validators: dict[tuple[str, str, str], object] = {}
        for entry in app.extensions.get("flask-smorest", {}).get("apis", {}).values():
            spec = entry["ext_obj"].spec.to_dict()
            components = to_json_schema(spec.get("components", {}))
            shared = spec.get("components", {}).get("responses", {})
            for path, item in spec.get("paths", {}).items():
                for method, operation in item.items():
                    if isinstance(operation, dict) and "responses" in operation:
                        responses = {status: shared[r["$ref"].rsplit("/", 1)[-1]] if "$ref" in r else r
                                     for status, r in operation["responses"].items()}
                        self.operations[(path, method.upper())] = (responses, components)

    def validator(self, path: str, method: str, status: int):
        found = self.operations.get((path, method))
        if found is None:
            return None, None
        responses, components = found
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
        if key is None:
            return None, f"status {status} is not declared"
        cache_key = (path, method, key)
        if cache_key not in self.validators:
            schema = (responses[key].get("content", {}).get("application/json") or {}).get("schema")
            self.validators[cache_key] = (
                None if schema is None
                else jsonschema_rs.Draft4Validator({**to_json_schema(schema), "components": components},
                                                   validate_formats=False))
        return self.validators[cache_key], None


_documents: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def to_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` admits null."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def operation_of(request) -> tuple[str, str] | None:
    rule = request.url_rule
    if rule is None:
        return None
    return _RULE_PARAM.sub(r"{\1}", rule.rule), request.method


def check(app, response, **_) -> None:
    """request_finished receiver: validate one response (inside its request context)."""
    from flask import request

    found = operation_of(request)
    if found is None or response.direct_passthrough or not response.is_json:
        return
    with _lock:
        document = _documents.get(app)
        if document is None:
            document = _documents[app] = _Document(app)
    path, method = found
    if (path, method) not in document.operations:
        return  # not an API operation (the documents themselves, portal, docs, CORS preflight)
    validator, problem = document.validator(path, method, response.status_code)
    where = f"{method} {path} -> {response.status_code}"
    if problem:
        violations.append(f"{where}: {problem}")
        return
    if validator is None:
        return
    body = response.get_json(silent=True)
    for error in validator.iter_errors(body):
        pointer = "/" + "/".join(str(p) for p in error.instance_path)
        violations.append(f"{where}: {pointer}: {error.message}")


def take() -> list[str]:
    with _lock:
        found = list(violations)
        violations.clear()
    return found
