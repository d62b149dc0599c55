"""CORS for local frontends: any localhost origin, the VSee headers allowed in preflight."""

from __future__ import annotations


def test_preflight_from_localhost_allows_the_vsee_headers(client):
    r = client.options("/api_v3/me.json", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-ApiToken, X-AccountCode, X-ApiKey, X-ApiSecret, Content-Type"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-apitoken", "x-accountcode", "x-apikey", "x-apisecret", "content-type"} <= allowed


def test_simple_request_from_localhost_gets_the_origin_back(client):
    r = client.get("/api_v3/settings.json", headers={"Origin": "http://127.0.0.1:3000"})
    assert r.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"


def test_a_foreign_origin_is_not_allowed(client):
    r = client.get("/api_v3/settings.json", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_no_origin_no_cors_headers(client):
    r = client.get("/api_v3/settings.json")
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers


def test_errors_carry_cors_headers_too(client):
    r = client.get("/api_v3/me.json", headers={"Origin": "http://localhost:8080"})
    assert r.status_code == 401
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
