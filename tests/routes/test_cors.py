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


def test_the_allowed_origins_can_be_set():
    from vsee_sim.app import create_app

    client = create_app({"CORS_ORIGINS": ["https://app.test"], "TICK_INTERVAL": 0}).test_client()
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-ApiToken"}
    allowed = client.options("/api_v3/me", headers={"Origin": "https://app.test", **preflight})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://app.test"
    assert "x-apitoken" in allowed.headers.get("Access-Control-Allow-Headers", "").lower()
    other = client.options("/api_v3/me", headers={"Origin": "http://localhost:5173", **preflight})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_serve_takes_cors_origins():
    from click.testing import CliRunner

    from vsee_sim.cli import main

    assert "--cors-origin" in CliRunner().invoke(main, ["serve", "--help"]).output
