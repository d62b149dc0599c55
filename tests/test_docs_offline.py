"""/docs (Swagger UI) works with no internet: every asset it loads is served by us."""

from __future__ import annotations

import re


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, "the page references its scripts and styles"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} would need the network"
        assert client.get(asset).status_code == 200, asset
    spec_urls = re.findall(r'"url": "([^"]+)"', page)
    assert spec_urls == ["/api_v3/openapi.json", "/_sim/openapi.json"]
    for url in spec_urls:
        assert client.get(url).get_json()["openapi"].startswith("3.")


def test_docs_under_a_namespace_prefix_point_into_that_namespace(app):
    page = app.test_client().get("/ns/demo-ui/docs").get_data(as_text=True)
    assert '"/ns/demo-ui/api_v3/openapi.json"' in page


def test_openapi_lists_every_documented_route_of_the_foundation(client):
    paths = client.get("/api_v3/openapi.json").get_json()["paths"]
    for path in ("/api_v3/settings", "/api_v3/settings/{path}", "/api_v3/users/sso", "/api_v3/users/login",
                 "/api_v3/me", "/api_v3/users/logout", "/api_v3/tokens/refresh", "/api_v3/users/reset_password",
                 "/api_v3/users/alive", "/api_v3/users/activate", "/api_v3/accounts", "/api_v3/accounts/{code}"):
        assert path in paths, path


def test_docs_page_has_no_inline_script_and_a_namespace_chooser(client):
    page = client.get("/docs").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    for attributes, body in scripts:
        assert 'src="' in attributes or 'type="application/json"' in attributes, attributes
        assert 'src="' not in attributes or not body.strip()
    assert 'id="vsee-namespace-name"' in page
    script = client.get("/docs/sim/vsee-docs.js").get_data(as_text=True)
    assert "requestInterceptor" in script and "X-Sim-Namespace" in script and "x-demo-credentials" in script
    assert "http://" not in script and "https://" not in script


def test_docs_under_a_namespace_prefix_choose_that_namespace(app):
    page = app.test_client().get("/ns/demo-ui/docs").get_data(as_text=True)
    assert 'value="demo-ui"' in page and '"namespace": "demo-ui"' in page
