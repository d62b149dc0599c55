"""Views imported on first use (vsee_sim/lazy_views.py): the same app as an eager one."""

from __future__ import annotations

import json

from flask import request_finished

from vsee_sim import lazy_views
from vsee_sim.app import create_app
from vsee_sim.lazy_views import LazyViews
from vsee_sim.route_table import TABLE
from vsee_sim.route_table_update import current_table_source

CONFIG = {"TICK_INTERVAL": 0, "SEED": 3}


def _rules(app) -> list[tuple]:
    return [(r.rule, r.endpoint, sorted(r.methods), r.defaults, r.provide_automatic_options, r.strict_slashes,
             r.merge_slashes, r.subdomain, r.host, r.redirect_to, r.alias, r.websocket)
            for r in app.url_map.iter_rules()]


def _lazy(app) -> list[LazyViews]:
    return app.extensions.get("vsee_sim.lazy_views", [])


def test_the_route_table_is_current():
    """Fails after a route changed: run python -m vsee_sim.route_table_update."""
    assert (lazy_views.PACKAGE_DIR / "route_table.py").read_text() == current_table_source()


def test_lazy_app_routes_as_the_eager_one_and_loads_only_what_a_request_needs():
    eager, lazy = create_app({**CONFIG, "LAZY_VIEWS": False}), create_app(CONFIG)
    assert len(_lazy(lazy)) == 3 and not _lazy(eager)  # /api_v3, /_sim and the inspector
    assert _rules(lazy) == _rules(eager)
    assert "users" not in lazy.blueprints and "sim-state" not in lazy.blueprints

    client = lazy.test_client()
    with request_finished.muted():  # the suite's response check (conftest.py) reads the document
        assert client.get("/_sim/health").status_code == 200
        assert client.get("/api_v3/me.json", headers={"X-ApiToken": "nope"}).status_code == 401
    assert {"users", "sim-state"} <= set(lazy.blueprints) and "rooms" not in lazy.blueprints
    assert lazy.view_functions["users.me"] is eager.view_functions["users.me"]  # the real view now
    assert lazy.view_functions["rooms.show_room"].__module__ == "vsee_sim.lazy_views"  # still a stand-in

    for path in ("/api_v3/openapi.json", "/_sim/openapi.json"):  # documented as the eager app is
        got, want = client.get(path), eager.test_client().get(path)
        assert got.status_code == want.status_code == 200
        assert got.data == want.data
    assert set(eager.blueprints) - set(lazy.blueprints) == {"inspector", "inspector-board"}  # not documented
    assert json.loads(got.data)["paths"]


def test_the_inspector_loads_on_its_first_request_with_its_own_headers_even_on_an_early_error():
    eager, lazy = create_app({**CONFIG, "LAZY_VIEWS": False}), create_app(CONFIG)
    assert "inspector" not in lazy.blueprints and "inspector-board" not in lazy.blueprints
    # refused before any view runs (the namespace header): the blueprint's nosniff is there all the same
    bad = {"X-Sim-Namespace": "bad name!"}
    got, want = (app.test_client().get("/_sim/ui/api/journal", headers=bad) for app in (lazy, eager))
    assert (got.status_code, got.data) == (want.status_code, want.data) == (400, want.data)
    assert got.headers["X-Content-Type-Options"] == want.headers["X-Content-Type-Options"] == "nosniff"
    assert "inspector" in lazy.blueprints and "inspector-board" not in lazy.blueprints
    for path in ("/_sim/ui/api/board", "/_sim/ui/api/clock", "/_sim/ui"):
        got, want = lazy.test_client().get(path), eager.test_client().get(path)
        assert got.status_code == want.status_code == 200
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.mimetype == want.mimetype
    assert set(lazy.blueprints) == set(eager.blueprints)
    assert lazy.view_functions["inspector-board.act"] is eager.view_functions["inspector-board.act"]


def test_a_stale_table_registers_eagerly(monkeypatch):
    stale = {package: {**entry, "digest": "0" * 40} for package, entry in TABLE.items()}
    monkeypatch.setattr("vsee_sim.route_table.TABLE", stale)
    app = create_app(CONFIG)
    assert not _lazy(app)
    assert "users" in app.blueprints and "sim-state" in app.blueprints and "inspector" in app.blueprints
    assert app.test_client().get("/api_v3/me.json", headers={"X-ApiToken": "nope"}).status_code == 401
