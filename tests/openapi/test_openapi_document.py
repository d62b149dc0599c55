"""The OpenAPI documents: names, security, headers, examples, and Swagger UI's "Try it out".

``test_try_it_out_succeeds_on_the_demo_clinic`` does what Swagger UI does with its
prefilled values: every parameter's example, the first content type's example body, the
namespace header and the documented credentials (``x-demo-credentials``), sent to the
demo clinic in a fresh namespace per operation. It wants a 2xx.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import jsonschema_rs
import pytest

from vsee_sim.app import create_app
from vsee_sim.openapi import operations

METHODS = ("get", "put", "post", "delete", "patch")
# Swagger UI's prefilled "Try it out" must work for every operation of these areas (issue 13)
TRY_IT_OUT_TAGS = {"settings", "users", "accounts", "rooms", "intakes", "visits", "appointments"}


@pytest.fixture(scope="module")
def docs(app):
    client = app.test_client()
    return {"api": client.get("/api_v3/openapi.json").get_json(),
            "sim": client.get("/_sim/openapi.json").get_json()}


def _operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _all(docs):
    for name, doc in docs.items():
        for path, method, op in _operations(doc):
            yield name, doc, path, method, op


def test_every_operation_has_a_unique_operation_id_by_one_rule(docs):
    seen = {}
    for _name, _doc, path, method, op in _all(docs):
        op_id = op.get("operationId")
        assert op_id and op_id[0].islower() and op_id.isalnum(), (method, path, op_id)
        assert op_id not in seen, f"{op_id}: {seen.get(op_id)} and {method} {path}"
        seen[op_id] = f"{method} {path}"
    for op_id in ("usersSso", "visitsAddWalkin", "visitsClose", "roomsCreate", "simClockAdvance", "simReset"):
        assert op_id in seen, op_id
    assert operations.operation_id("rooms", "create_room") == "roomsCreate"
    assert operations.operation_id("sim-state", "advance") == "simClockAdvance"


def test_security_is_declared_on_every_operation(docs):
    api = {op["operationId"]: op for _p, _m, op in _operations(docs["api"])}
    for op_id in ("settingsList", "settingsGet", "usersLogin", "roomsList", "accountsList", "usersActivate"):
        assert api[op_id]["security"] == [], op_id
    assert api["usersSso"]["security"] == [{"ApiKey": [], "ApiSecret": []}, {"ApiKey": []}]
    assert api["visitsClose"]["security"] == [{"ApiToken": []}]
    assert api["intakesCreate"]["security"] == [{"ApiToken": []}, {}]   # the token is read when sent
    for _name, _doc, path, method, op in _all(docs):
        assert "security" in op, (method, path)
    schemes = docs["sim"]["components"]["securitySchemes"]
    assert schemes["SimAdminToken"] == {**schemes["SimAdminToken"], "in": "header", "name": "X-Sim-Admin-Token"}
    sim = {op["operationId"]: op for _p, _m, op in _operations(docs["sim"])}
    assert sim["simHealth"]["security"] == []
    assert sim["simReset"]["security"] == [{"SimAdminToken": []}, {}]
    assert "401" in sim["simReset"]["responses"]


def test_every_operation_documents_the_namespace_header_and_vsee_errors(docs):
    for name, _doc, path, method, op in _all(docs):
        refs = [p.get("$ref") for p in op["parameters"]]
        assert "#/components/parameters/Namespace" in refs, (method, path)
        if name == "api":
            assert "#/components/parameters/AccountCode" in refs, (method, path)
            assert {"400", "404"} <= set(op["responses"]), (method, path)
        if any(op["security"]) and {} not in op["security"] and name == "api":
            assert {"401", "403"} <= set(op["responses"]), (method, path)
    namespace = docs["api"]["components"]["parameters"]["Namespace"]
    assert namespace["in"] == "header" and namespace["name"] == "X-Sim-Namespace" and not namespace["required"]
    error = docs["api"]["components"]["responses"]["UNAUTHORIZED"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/VseeError"}


def test_documented_multipart_operations_declare_it_and_json_comes_first(docs):
    api = {op["operationId"]: op for _p, _m, op in _operations(docs["api"])}
    for op_id in ("usersSso", "roomsCreate", "roomsAddToUser", "intakesUpdate", "visitsAddWalkin",
                  "visitsClose", "visitsBookAppointment", "filesRename"):
        content = list(api[op_id]["requestBody"]["content"])
        assert content[0] == "application/json" and "multipart/form-data" in content, op_id
    for _name, _doc, path, method, op in _all(docs):
        body = op.get("requestBody")
        if body and len(body["content"]) > 1:
            assert body["required"] is False, (method, path)   # openapi-python-client #1451


def test_request_schemas_carry_the_documented_enums_and_formats(docs):
    schemas = docs["api"]["components"]["schemas"]
    assert schemas["SsoIn"]["properties"]["type"]["enum"] == [200, 400, 600]
    assert schemas["SsoIn"]["properties"]["dob"]["format"] == "date"
    assert set(schemas["CloseIn"]["properties"]["reason"]["enum"]) >= {"patientendcall", "call_ended"}
    assert schemas["CloseIn"]["properties"]["status"]["enum"] == [30, 40]
    assert schemas["EndpointIn"]["properties"]["type"]["enum"] == [10, 30, 40]
    assert schemas["BookIn"]["properties"]["slot_start"]["format"] == "int64"
    visits = docs["api"]["paths"]["/api_v3/visits"]["get"]["parameters"]
    status = next(p for p in visits if p.get("name") == "status")
    assert status["schema"]["items"]["enum"] == ["10", "20", "25", "30", "40", "50"]


def test_summaries_carry_no_rst_markup(docs):
    for _name, _doc, path, method, op in _all(docs):
        assert "``" not in op.get("summary", "") + op.get("description", ""), (method, path)


def _resolved(node, doc):
    """The schema with every $ref inlined and OpenAPI 3.0's nullable as JSON Schema's null type."""
    if isinstance(node, list):
        return [_resolved(n, doc) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolved(target, doc)
    out = {k: _resolved(v, doc) for k, v in node.items() if k not in ("nullable", "example", "format")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _deref(node, doc):
    while "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_example_validates_against_its_schema(docs):
    checked = 0
    for _name, doc, path, method, op in _all(docs):
        for param in op["parameters"]:
            param = _deref(param, doc)
            if "example" in param:
                value = param["example"]
                schema = _resolved(param["schema"], doc)
                if schema.get("type") == "array" and isinstance(value, str):
                    value = value.split(",")
                assert jsonschema_rs.is_valid(schema, value), (method, path, param["name"], value)
                checked += 1
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            if "example" in media:
                schema = _resolved(media["schema"], doc)
                errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(media["example"])]
                assert not errors, (method, path, media_type, errors)
                checked += 1
    assert checked > 60


def _try_it_out_cases():
    app = create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 7, "TICK_INTERVAL": 0})
    doc = app.test_client().get("/api_v3/openapi.json").get_json()
    for path, method, op in _operations(doc):
        if set(op["tags"]) & TRY_IT_OUT_TAGS:
            yield pytest.param(path, method, op["operationId"], id=op["operationId"])


@pytest.mark.parametrize(("path", "method", "op_id"), list(_try_it_out_cases()))
def test_try_it_out_succeeds_on_the_demo_clinic(app, docs, ns, path, method, op_id):
    doc = docs["api"]
    op = next(o for p, m, o in _operations(doc) if o["operationId"] == op_id)
    assert op_id in operations.EXAMPLES, f"{op_id} has no example: Swagger UI would prefill nothing"
    headers, query = {}, {}
    for param in op["parameters"]:
        param = _deref(param, doc)
        value = param.get("example")
        if value is None:
            if param.get("required"):
                pytest.fail(f"{op_id}: required parameter {param['name']} has no example")
            continue
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", quote(str(value), safe=""))   # as Swagger UI does
        elif param["in"] == "query":
            query[param["name"]] = value
        elif param["in"] == "header":
            headers[param["name"]] = str(value)
    headers["X-Sim-Namespace"] = ns   # the namespace chooser, set to a namespace of this test's own
    schemes = doc["components"]["securitySchemes"]
    for scheme, value in op.get("x-demo-credentials", {}).items():
        headers[schemes[scheme]["name"]] = value
    body = op.get("requestBody")
    kwargs = {}
    if body:
        media_type, media = next(iter(body["content"].items()))
        assert media_type == "application/json"
        kwargs["data"] = json.dumps(media.get("example", {}))
        kwargs["content_type"] = media_type
    response = app.test_client().open(path, method=method.upper(), headers=headers, query_string=query,
                                      **kwargs)
    assert 200 <= response.status_code < 300, (op_id, response.status_code, response.get_data(as_text=True))


@pytest.mark.parametrize(("args", "path"), [([], "/api_v3/users/sso"), (["--sim"], "/_sim/reset")])
def test_openapi_print_writes_json_or_yaml(args, path):
    import yaml
    from click.testing import CliRunner

    from vsee_sim.cli import main

    as_json = CliRunner().invoke(main, ["openapi", "print", *args])
    as_yaml = CliRunner().invoke(main, ["openapi", "print", "--format", "yaml", *args])
    assert as_json.exit_code == 0 and as_yaml.exit_code == 0, as_json.output + as_yaml.output
    assert json.loads(as_json.output) == yaml.safe_load(as_yaml.output)
    assert path in json.loads(as_json.output)["paths"]
