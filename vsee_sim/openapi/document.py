"""Finish a document flask-smorest wrote: what the decorators cannot say, said once for all.

- ``operationId``: ``<area><Operation>`` in camelCase (``operations.operation_id``).
- ``security``: ``[]`` on public operations; /_sim wants ``X-Sim-Admin-Token`` when the
  server was started with one (``VSEE_SIM_ADMIN_TOKEN``), so there it is optional.
- ``X-Sim-Namespace`` (every operation) and ``X-AccountCode`` (every api_v3 operation):
  optional header parameters.
- 400, 401, 403 and 404 with VSee's error body, where each can happen.
- Request bodies: JSON first, then form, then multipart where the documentation sends
  ``-F``; the demo clinic's example (``operations.EXAMPLES``) in each.
- Summaries and descriptions: RST ``literals`` become Markdown `code` (plain in summaries).
"""

from __future__ import annotations

import copy
import json
import re

from vsee_sim.openapi import operations

NAMESPACE_PARAM = {
    "name": "X-Sim-Namespace", "in": "header", "required": False,
    "description": "The simulator's namespace: an isolated world (accounts, clock, ids), created from the "
                   "fixture on first use; `default` when not sent. Same as the URL prefix `/ns/<name>/`. "
                   "(No example: /docs' namespace chooser sends it.)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
}
ACCOUNT_PARAM = {
    "name": "X-AccountCode", "in": "header", "required": False,
    "description": "The clinic (account) code. Without it: the `api-<code>.` part of the Host, else the "
                   "token's account, else the API key's, else the namespace's default account.",
    "schema": {"type": "string", "minLength": 1},
    "example": "vclinic",
}
ADMIN_SCHEME = {
    "type": "apiKey", "in": "header", "name": "X-Sim-Admin-Token",
    "description": "Wanted by every /_sim operation but /_sim/health when the server runs with "
                   "VSEE_SIM_ADMIN_TOKEN set; ignored otherwise.",
}
_ERROR_REF = {"$ref": "#/components/schemas/VseeError"}
ERROR_RESPONSES = {
    "400": ("BAD_REQUEST", "Bad input or an illegal transition; `errors` names the fields.",
            {"code": 400, "message": "Missing required field: id.", "errors": {"id": ["Missing data for "
                                                                                       "required field."]}}),
    "401": ("UNAUTHORIZED", "A credential is missing, unknown or expired.",
            {"code": 401, "message": "A valid X-ApiToken header is required."}),
    "403": ("FORBIDDEN", "The credential may not do this.",
            {"code": 403, "message": "Only providers can do this."}),
    "404": ("NOT_FOUND", "Unknown thing (or unknown X-AccountCode).",
            {"code": 404, "message": "Sorry, this page is not available."}),
}
_RST_LITERAL = re.compile(r"``(.+?)``", re.S)
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def finish(doc: dict, app, document: str) -> dict:
    endpoints = _endpoints(app)
    components = doc.setdefault("components", {})
    parameters = components.setdefault("parameters", {})
    parameters["Namespace"] = NAMESPACE_PARAM
    if document == "api":
        parameters["AccountCode"] = ACCOUNT_PARAM
    else:
        components.setdefault("securitySchemes", {})["SimAdminToken"] = ADMIN_SCHEME
    schemes = components.get("securitySchemes", {})
    used: set[str] = set()
    seen: dict[str, str] = {}
    for path, item in doc.get("paths", {}).items():
        shared = item.pop("parameters", [])
        for method in [m for m in _METHODS if m in item]:
            op = item[method]
            endpoint = endpoints.get((path, method))
            if endpoint is None:
                raise ValueError(f"no Flask endpoint for {method.upper()} {path}")
            op_id = operations.operation_id(*endpoint.split(".", 1))
            if op_id in seen:
                raise ValueError(f"operationId {op_id} of {method.upper()} {path} is also {seen[op_id]}")
            seen[op_id] = f"{method.upper()} {path}"
            op["operationId"] = op_id
            # path parameters per operation: each can then carry its own example
            op["parameters"] = [dict(p) for p in shared] + op.get("parameters", [])
            if document == "sim":
                _uuid_ids(op["parameters"])
            used |= _finish_operation(op, document, path, schemes)
    responses = components.setdefault("responses", {})
    for status in sorted(used):
        name, description, example = ERROR_RESPONSES[status]
        responses[name] = {"description": description,
                           "content": {"application/json": {"schema": _ERROR_REF, "example": example}}}
    _finish_schemas(components.get("schemas", {}))
    _one_type_enums(doc)
    _inline_multipart(doc)
    _drop_unused_schemas(doc)
    _finish_tags(doc)
    doc["info"].setdefault("license", {"name": "MIT", "url": "https://opensource.org/licenses/MIT"})
    if document == "sim":
        doc.setdefault("servers", [{"url": "/"}])
    return doc


# The control plane's webhook ids are UUIDs. Saying so keeps a client or a fuzzer from
# reading the static segment beside one as an id: /_sim/webhooks/deliveries is the
# delivery log, not webhook "deliveries".
UUID_PATH_PARAMS = frozenset({"webhook_id"})
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _uuid_ids(parameters: list[dict]) -> None:
    for param in parameters:
        if param.get("in") == "path" and param.get("name") in UUID_PATH_PARAMS:
            param["schema"] = {**param.get("schema", {}), "pattern": UUID_PATTERN}


def _endpoints(app) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> Flask endpoint ("blueprint.view")."""
    out = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            out[(path, method.lower())] = rule.endpoint
    return out


def _finish_operation(op: dict, document: str, path: str, schemes: dict) -> set[str]:
    op_id = op["operationId"]
    example = operations.EXAMPLES.get(op_id, {})
    for key in ("summary", "description"):
        if key in op:
            op[key] = _RST_LITERAL.sub(r"\1" if key == "summary" else r"`\1`", op[key])
    # security
    if document == "sim":
        op["security"] = [] if op_id in operations.SIM_PUBLIC else [{"SimAdminToken": []}, {}]
    else:
        op.setdefault("security", [])
    needs_credentials = any(op["security"]) and {} not in op["security"]
    # headers
    params = op["parameters"]
    params.append({"$ref": "#/components/parameters/Namespace"})
    if document == "api":
        params.append({"$ref": "#/components/parameters/AccountCode"})
    for param in params:
        name = param.get("name")
        if name in example.get("params", {}):
            param["example"] = example["params"][name]
        if param.get("in") == "path" and name in operations.PATH_PARAM_DOCS:
            param["description"] = operations.PATH_PARAM_DOCS[name]
    missing = set(example.get("params", {})) - {p.get("name") for p in params}
    if missing:
        raise ValueError(f"{op_id}: example names unknown parameters {sorted(missing)}")
    # request body
    body = op.get("requestBody")
    if body is not None:
        _finish_body(op_id, body, example)
    elif "body" in example:
        raise ValueError(f"{op_id}: example has a body, the operation has none")
    if "credentials" in example:
        op["x-demo-credentials"] = example["credentials"]
        headers = ", ".join(f"`{schemes[name]['name']}: {value}`"
                            for name, value in example["credentials"].items())
        op["description"] = (op.get("description", "") + "\n\n" if op.get("description") else "") + (
            f"Demo clinic: the documented example sends {headers} (`x-demo-credentials`); "
            "/docs sends them when you have not authorized.")
    # errors
    responses = op["responses"]
    statuses = ["400"]
    if needs_credentials:
        statuses += ["401", "403"]
    if document == "api" or "{" in path:
        statuses.append("404")
    if document == "sim" and op_id not in operations.SIM_PUBLIC:
        statuses.append("401")
    for status in statuses:
        responses.setdefault(status, {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"})
    # documented outcomes first, then errors by status, then the catch-all
    op["responses"] = dict(sorted(responses.items(), key=lambda kv: (kv[0] == "default", kv[0])))
    return set(statuses)


def _finish_body(op_id: str, body: dict, example: dict) -> None:
    content = body["content"]
    order = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
    if op_id in operations.MULTIPART and "application/json" in content:
        content.setdefault("multipart/form-data", dict(content["application/json"]))
    ranked = sorted(content, key=lambda k: order.index(k) if k in order else len(order))
    body["content"] = {k: content[k] for k in ranked}
    if len(body["content"]) > 1:
        # An absent body is read as an empty one (DESIGN decision 4), so "not required" is true;
        # the schema's required fields still say what must be sent. Also: openapi-python-client
        # bug #1451 makes a required body with several content types generate modules that fail
        # to import (NameError: Unset).
        body["required"] = False
    if "body" in example:
        for media in body["content"].values():
            media["example"] = example["body"]


def _finish_schemas(schemas: dict) -> None:
    """``nullable`` needs a ``type`` beside it in OpenAPI 3.0 (3.0.3: it has no effect without one)."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                members = node.get("allOf") or node.get("anyOf") or node.get("oneOf")
                # allOf/anyOf + nullable stays without a type: openapi-python-client 0.29 ignores
                # nullable beside type: object and fails on a null (openapi/redocly.yaml turns
                # nullable-type-sibling off for this one shape)
                if not members and "$ref" not in node:
                    del node["nullable"]  # an untyped schema already allows null
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas)


def _inline_multipart(doc: dict) -> None:
    """A multipart body's schema is an inline copy of the JSON body's, not the same $ref.

    openapi-python-client 0.29 chooses the content type by isinstance of the body's model:
    with one model for JSON, form and multipart, every branch matched and the client sent
    a form body with a multipart Content-Type. An inline copy is a model of its own.
    """
    schemas = doc.get("components", {}).get("schemas", {})
    for item in doc.get("paths", {}).values():
        for op in item.values():
            media = op.get("requestBody", {}).get("content", {}).get("multipart/form-data") \
                if isinstance(op, dict) else None
            ref = (media or {}).get("schema", {}).get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                media["schema"] = copy.deepcopy(schemas[ref.rsplit("/", 1)[1]])


def _drop_unused_schemas(doc: dict) -> None:
    """Schemas nothing refers to any more: flask-smorest's pagination schema (no view here
    paginates) and a body schema whose only use was a multipart body, now an inline copy."""
    schemas = doc.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps(doc)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]


def _json_type(value) -> str:
    return "boolean" if isinstance(value, bool) else type(value).__name__


def _one_type_enums(doc: dict) -> None:
    """An enum lists values of one JSON type: the first value's (the documented form).

    The lenient parser still takes the others ("1", true, "male"), as PHP does; but
    openapi-python-client 0.29 drops a whole schema whose enum mixes types ("Got {str, int}"),
    and with it the operation (POST /users/sso, /me, /intakes vanished from the client).
    """

    def walk(node):
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and enum and len({_json_type(v) for v in enum}) > 1:
                first = _json_type(enum[0])
                node["enum"] = [v for v in enum if _json_type(v) == first]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


def _is_object(schema: dict, schemas: dict) -> bool:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref.rsplit("/", 1)[1], {})
    return schema.get("type") == "object"


def _finish_tags(doc: dict) -> None:
    for tag in doc.get("tags", []):
        description = operations.TAG_DOCS.get(tag["name"])
        if description:
            tag["description"] = description
