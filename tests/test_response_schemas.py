"""The response schemas tell generated clients the truth (issue 13), and the suite holds them to it."""

from __future__ import annotations

from flask import Response

from contract import response_schemas


def _documents(client):
    return [client.get("/api_v3/openapi.json").get_json(), client.get("/_sim/openapi.json").get_json()]


def test_a_response_that_breaks_its_schema_is_reported_with_operation_and_field(app):
    with app.test_request_context("/api_v3/visits/7727", method="GET"):
        from flask import request

        assert request.url_rule is not None
        response_schemas.check(app, Response('{"data": {"id": "7727", "status": "20"}}', mimetype="application/json"))
    found = response_schemas.take()
    assert "GET /api_v3/visits/{visit_id} -> 200: /data/status: \"20\" is not of type \"integer\"" in found
    assert any(line.startswith("GET /api_v3/visits/{visit_id} -> 200: /data: ") and "required" in line
               for line in found)


def test_what_is_always_sent_is_required_and_not_nullable(client):
    schemas = _documents(client)[0]["components"]["schemas"]
    sso = schemas["SsoOut"]
    assert {"id", "code", "type", "token"} <= set(sso["required"])
    assert {"token", "expiry", "created", "user_id"} <= set(schemas["TokenOut"]["required"])
    assert "nullable" not in schemas["TokenOut"]["properties"]["token"]
    visit = schemas["VisitOut"]
    assert {"id", "status", "created", "member_id", "provider", "intake"} <= set(visit["required"])
    assert visit["properties"]["provider"] == {
        "description": "null while a walk-in waits for any provider",
        "allOf": [{"$ref": "#/components/schemas/VisitPersonOut"}], "nullable": True}
    assert {"id", "code", "first_name", "last_name", "email", "active"} <= set(schemas["VisitPersonOut"]["required"])


def test_every_nullable_says_its_type_and_no_object_is_typed_as_an_empty_one(client):
    def walk(node, where):
        if isinstance(node, dict):
            if node.get("nullable"):
                assert "type" in node or "allOf" in node, where
            for alternative in node.get("anyOf", []):
                assert alternative != {"type": "object", "nullable": True}, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    for document in _documents(client):
        walk(document["components"], "#/components")
