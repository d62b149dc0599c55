"""/_sim/ui in process (Flask's test client): the page, its safety, and what its endpoints do.

Cheap: no browser here (test_inspector_browser.py has it). The clock is the namespace's,
moved through the UI's own endpoint; nothing sleeps.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from clinic import API_KEY, PROVIDER_826, auth, ok

from vsee_sim.app import create_app

ADMIN = "inspector-admin-token-3f9a"
T0 = 1_767_225_600  # 2026-01-01 00:00 UTC


class Assets(HTMLParser):
    """Every <script> (with its src, if any) and stylesheet/icon link of a page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str | None] = []
        self.links: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") != "application/json":   # a data block is never run
            self.scripts.append(attrs.get("src"))
            self._in_script = True
        if tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])
        if any(name.startswith("on") for name in attrs):
            self.inline.append(f"{tag} handler")
        if "style" in attrs:
            self.inline.append(f"{tag} style")

    def handle_endtag(self, tag):
        self._in_script = tag == "script" and False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data)


def csrf_of(html: bytes) -> str:
    return re.search(rb'name="csrf-token" content="([0-9a-f]{64})"', html).group(1).decode()


@pytest.fixture()
def ui(client):
    """(client, csrf header) for this test's namespace, as the page would call."""
    return client, {"X-CSRF-Token": csrf_of(client.get("/_sim/ui").data)}


@pytest.fixture(scope="module")
def locked():
    return create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0, "ADMIN_TOKEN": ADMIN})


def sign_in(client, prefix: str = ""):
    page = client.get(f"{prefix}/_sim/ui")
    form_csrf = re.search(rb'name="csrf" value="([0-9a-f]{64})"', page.data).group(1).decode()
    return client.post(f"{prefix}/_sim/ui/signin", data={"token": ADMIN, "csrf": form_csrf})


# -- the page ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["", "/ns/{ns}"])
def test_the_page_loads_only_its_own_assets_with_a_strict_csp(app, ns, prefix):
    client = app.test_client()
    base = prefix.format(ns=ns)
    page = client.get(f"{base}/_sim/ui/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    html = page.data.decode()
    assert f'data-ns="{ns if base else "default"}"' in html and '<section id="board"' in html
    found = Assets()
    found.feed(html)
    assert found.inline == [] and None not in found.scripts     # no inline script, handler or style
    for url in found.scripts + found.links:
        assert url.startswith(f"{base}/_sim/ui/static/")
        asset = client.get(url)
        assert asset.status_code == 200 and asset.data, url


def test_the_data_the_page_comes_with_cannot_close_its_block(app, ns):
    client = app.test_client()
    client.get(f"/ns/{ns}/api_v3/</script><script>alert(1)</script>")
    html = client.get(f"/ns/{ns}/_sim/ui").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="inspector-first">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and "\\u003c/script\\u003e" in block
    found = Assets()
    found.feed(html)
    assert found.inline == [] and None not in found.scripts


def test_the_inspector_is_not_in_the_public_documents(client):
    for path in ("/api_v3/openapi.json", "/_sim/openapi.json"):
        assert "/_sim/ui" not in client.get(path).get_data(as_text=True)


def test_the_pages_own_requests_stay_out_of_the_journal(ui):
    client, csrf = ui
    ok(client.get("/api_v3/me", headers=auth(PROVIDER_826)))
    for path in ("/overview", "/namespaces", "/journal", "/outbox", "/clock", "/webhooks", "/faults", "/snapshots"):
        assert client.get(f"/_sim/ui/api{path}").status_code == 200, path
    ok(client.post("/_sim/ui/api/snapshots", json={"name": "s1"}, headers=csrf))
    client.get("/_sim/ui/static/inspector.js")
    assert [e["path"] for e in ok(client.get("/_sim/journal"))] == ["/api_v3/me"]


# -- CSRF and the admin token ----------------------------------------------------------------------
ACTIONS = [("/clock", {"action": "freeze"}), ("/faults", {"path": "/api_v3/me", "status": 503}),
           ("/snapshots", {"name": "x"}), ("/snapshots/x/restore", {}), ("/snapshots/x/delete", {}),
           ("/faults/1/delete", {}), ("/deliveries/x/retry", {}), ("/namespaces/{ns}/reset", {}),
           ("/namespaces/{ns}/drop", {}), ("/namespaces/{ns}/open", {}), ("/../signout", {})]


@pytest.mark.parametrize(("path", "body"), ACTIONS)
def test_every_action_wants_the_csrf_header(ui, ns, path, body):
    client, csrf = ui
    url = "/_sim/ui/api" + path.format(ns=ns)
    url = url.replace("/api/../", "/")
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": ""}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 403, (url, response.get_json())
        assert "X-CSRF-Token" in response.get_json()["message"]
    assert client.get("/_sim/ui/api/snapshots").get_json() == {"data": []}   # nothing happened


def test_with_an_admin_token_the_page_asks_to_sign_in_and_the_token_stays_secret(locked, caplog):
    caplog.set_level(logging.DEBUG)
    client = locked.test_client()
    page = client.get("/_sim/ui")
    assert page.status_code == 200 and b'data-testid="signin-form"' in page.data
    assert b"csrf-token" not in page.data and b"inspector.js" not in page.data
    assert client.get("/_sim/ui/api/journal").status_code == 401
    assert client.post("/_sim/ui/api/clock", json={"action": "freeze"}).status_code == 401

    form_csrf = re.search(rb'name="csrf" value="([0-9a-f]{64})"', page.data).group(1).decode()
    wrong = client.post("/_sim/ui/signin", data={"token": ADMIN + "x", "csrf": form_csrf})
    assert wrong.status_code == 401 and b"not the admin token" in wrong.data and "Set-Cookie" not in wrong.headers
    assert client.post("/_sim/ui/signin", data={"token": ADMIN}).status_code == 403   # the form's token

    signed = sign_in(client)
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/_sim/ui")
    cookie = signed.headers["Set-Cookie"]
    assert ADMIN not in cookie and ADMIN not in signed.headers["Location"]
    assert re.search(r"vsee_sim_ui=[0-9a-f]{64}", cookie)
    assert {"HttpOnly", "SameSite=Strict", "Path=/_sim/ui"} <= {part.strip() for part in cookie.split(";")}
    assert client.get("/_sim/ui/api/journal").status_code == 200
    assert client.get("/_sim/journal").status_code == 401           # /_sim itself still wants the header
    assert client.get("/ns/other/_sim/ui/api/journal").status_code == 401   # the cookie's path is the UI's

    csrf = {"X-CSRF-Token": csrf_of(client.get("/_sim/ui").data)}
    opened = client.post("/_sim/ui/api/namespaces/other/open", headers=csrf)
    assert ok(opened) == {"url": "/ns/other/_sim/ui"} and "Path=/ns/other/_sim/ui" in opened.headers["Set-Cookie"]
    assert client.get("/ns/other/_sim/ui/api/journal").status_code == 200
    ok(client.post("/_sim/ui/signout", headers=csrf))
    assert client.get("/_sim/ui/api/journal").status_code == 401
    assert ADMIN not in caplog.text


@pytest.mark.parametrize("prefix", ["", "/ns/other"])
def test_other_local_pages_get_no_cors_from_the_inspector(locked, prefix):
    """Another localhost port is the same site: the cookie goes with its requests, so the
    inspector must not let such a page read its answers (the API keeps its CORS)."""
    client = locked.test_client()
    sign_in(client, prefix)
    origin = {"Origin": "http://localhost:3000"}
    answer = client.get(f"{prefix}/_sim/ui/api/journal", headers=origin)
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
    preflight = client.options(f"{prefix}/_sim/ui/api/clock", headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-CSRF-Token"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"{prefix}/_sim/ui/api/board").headers["X-Content-Type-Options"] == "nosniff"
    api = client.get(f"{prefix}/api_v3/rooms.json", headers={**origin, "X-AccountCode": "vclinic"})
    assert api.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_without_an_admin_token_sign_in_is_not_needed(app):
    client = app.test_client()
    assert b"csrf-token" in client.get("/_sim/ui").data
    assert client.post("/_sim/ui/signin", data={"token": "x"}).status_code == 303


# -- journal ----------------------------------------------------------------------------------------
def test_the_live_journal_answers_only_what_is_new(ui):
    client, _ = ui
    first = ok(client.get("/_sim/ui/api/journal"))
    assert first == {"newest": 0, "entries": []}
    ok(client.get("/api_v3/me", headers=auth(PROVIDER_826)))
    client.post("/api_v3/users/sso", json={"first_name": "<script>x</script>"}, headers=API_KEY)
    both = ok(client.get("/_sim/ui/api/journal"))
    assert [e["id"] for e in both["entries"]] == [2, 1] and both["newest"] == 2
    assert ok(client.get("/_sim/ui/api/journal?after=2")) == {"newest": 2, "entries": []}
    newer = ok(client.get("/_sim/ui/api/journal?after=1"))["entries"]
    assert [(e["id"], e["method"], e["status"], e["path"]) for e in newer] == [(2, "POST", 400, "/api_v3/users/sso")]
    assert "body" not in newer[0]                      # a list is summaries: bodies when one is opened
    opened = ok(client.get("/_sim/ui/api/journal/2"))
    assert (opened["body"], opened["headers"]) == ('{"first_name": "<script>x</script>"}', {
        **API_KEY, "Content-Type": "application/json"})
    assert client.get("/_sim/ui/api/journal/3").status_code == 404
    assert [e["id"] for e in ok(client.get("/_sim/ui/api/journal?method=get"))["entries"]] == [1]
    assert [e["id"] for e in ok(client.get("/_sim/ui/api/journal?status=4xx"))["entries"]] == [2]
    assert [e["id"] for e in ok(client.get("/_sim/ui/api/journal?path=/me"))["entries"]] == [1]
    bad = client.get("/_sim/ui/api/journal?status=abc")
    assert bad.status_code == 400 and "status" in bad.get_json()["errors"]


# -- clock ------------------------------------------------------------------------------------------
def test_a_clock_move_says_what_the_time_rules_did(ui, clinic):
    client, csrf = ui
    ok(client.post("/_sim/ui/api/clock", json={"action": "freeze"}, headers=csrf))
    moved = ok(client.post("/_sim/ui/api/clock", json={"action": "to", "at": "2026-01-01T00:00:00Z"}, headers=csrf))
    assert moved["clock"]["mode"] == "frozen" and moved["to"] == T0
    member_id, token = clinic.sso()
    visit = clinic.walkin(token)
    assert ok(client.post("/_sim/ui/api/clock", json={"action": "advance", "seconds": 60}, headers=csrf))["effects"] == []

    day = ok(client.post("/_sim/ui/api/clock", json={"action": "advance", "seconds": 86400}, headers=csrf))
    assert day["moved"] == 86400 and day["clock"]["now"] == T0 + 60 + 86400
    kinds = {(e["kind"], e.get("user_id") or e.get("visit_id")): e["text"] for e in day["effects"]}
    assert ("token", member_id) in kinds and "expired" in kinds[("token", member_id)]
    assert "maxwaitingtime_reached" in kinds[("visit", visit["id"])]
    assert client.get("/api_v3/me", headers=auth(token)).status_code == 401
    assert clinic.status(visit["id"]) == 40
    assert ok(client.post("/_sim/ui/api/clock", json={"action": "real"}, headers=csrf))["clock"]["mode"] == "real"


@pytest.mark.parametrize(("body", "field"), [({}, "action"), ({"action": "later"}, "action"),
                                             ({"action": "advance"}, "seconds"), ({"action": "to"}, "at"),
                                             ({"action": "to", "at": "10000-01-01"}, "at"),
                                             ({"action": "advance", "seconds": 1e12}, "seconds")])
def test_a_bad_clock_move_names_its_field(ui, body, field):
    client, csrf = ui
    response = client.post("/_sim/ui/api/clock", json=body, headers=csrf)
    assert response.status_code == 400 and field in response.get_json()["message"], response.get_json()


# -- namespaces, faults, snapshots, outbox, webhooks ----------------------------------------------------
def test_namespaces_open_reset_and_drop(app, ui, ns, clinic):
    client, csrf = ui
    clinic.sso()
    row = next(r for r in ok(client.get("/_sim/ui/api/namespaces")) if r["namespace"] == ns)
    assert (row["fixture"], row["seed"], row["journal"]) == ("demo", 7, 1) and row["users"] > 0
    assert ok(client.post(f"/_sim/ui/api/namespaces/{ns}/open", headers=csrf)) == {"url": f"/ns/{ns}/_sim/ui"}
    assert ok(client.post("/_sim/ui/api/namespaces/default/open", headers=csrf)) == {"url": "/_sim/ui"}
    bad = client.post("/_sim/ui/api/namespaces/a%20b/open", headers=csrf)
    assert bad.status_code == 400 and "name" in bad.get_json()["errors"]
    reset = ok(client.post(f"/_sim/ui/api/namespaces/{ns}/reset", headers=csrf))
    assert reset["users"] == row["users"] - 1
    assert client.post("/_sim/ui/api/namespaces/nope-never-made/reset", headers=csrf).status_code == 404
    ok(client.post(f"/_sim/ui/api/namespaces/{ns}/drop", headers=csrf))
    assert ns not in [r["namespace"] for r in ok(app.test_client().get("/_sim/ui/api/namespaces"))]


def test_faults_are_added_counted_and_removed(ui):
    client, csrf = ui
    rule = ok(client.post("/_sim/ui/api/faults", json={"path": "/api_v3/me", "status": 503, "count": 1}, headers=csrf))
    assert client.get("/api_v3/me", headers=auth(PROVIDER_826)).status_code == 503
    assert [(f["id"], f["fired"]) for f in ok(client.get("/_sim/ui/api/faults"))] == [(rule["id"], 1)]
    ok(client.post(f"/_sim/ui/api/faults/{rule['id']}/delete", headers=csrf))
    assert ok(client.get("/_sim/ui/api/faults")) == []
    bad = client.post("/_sim/ui/api/faults", json={"status": 503}, headers=csrf)
    assert bad.status_code == 400 and "path" in bad.get_json()["message"]


def test_snapshots_save_restore_and_delete(ui, clinic):
    client, csrf = ui
    ok(client.post("/_sim/ui/api/snapshots", json={"name": "before"}, headers=csrf))
    user_id, _ = clinic.sso()
    restored = ok(client.post("/_sim/ui/api/snapshots/before/restore", headers=csrf))
    assert restored["name"] == "before" and clinic.world.account("vclinic").users.get(user_id) is None
    assert [s["name"] for s in ok(client.get("/_sim/ui/api/snapshots"))] == ["before"]
    ok(client.post("/_sim/ui/api/snapshots/before/delete", headers=csrf))
    assert client.post("/_sim/ui/api/snapshots/before/restore", headers=csrf).status_code == 404
    bad = client.post("/_sim/ui/api/snapshots", json={"name": "../x"}, headers=csrf)
    assert bad.status_code == 400 and "name" in bad.get_json()["message"]


def test_the_outbox_newest_first(ui, clinic):
    client, _ = ui
    clinic.sso(email="b@example.com")
    for email in ("an+user1@vsee.com", "b@example.com"):
        ok(client.post("/api_v3/users/reset_password", json={"email": email}))
    mails = ok(client.get("/_sim/ui/api/outbox"))
    assert [m["to"] for m in mails][:2] == ["b@example.com", "an+user1@vsee.com"]
    assert all(re.fullmatch(r"\d{6}", m["code"]) for m in mails[:2])


def test_webhook_deliveries_are_listed_and_sent_again(ui, clinic):
    client, csrf = ui
    # A closed loopback port: each attempt fails at once (connection refused), and counts.
    hook = ok(client.post("/_sim/webhooks", json={"url": "http://127.0.0.1:9/hook"}))
    _, token = clinic.sso()
    clinic.walkin(token)
    ok(client.get("/_sim/webhooks/deliveries", query_string={"wait": 10}))
    shown = ok(client.get("/_sim/ui/api/webhooks"))
    assert [h["id"] for h in shown["webhooks"]] == [hook["id"]]
    delivery = shown["deliveries"][0]
    assert (delivery["event"], delivery["status"], delivery["attempts"]) == ("visit.created", "pending", 1)
    again = ok(client.post(f"/_sim/ui/api/deliveries/{delivery['id']}/retry", headers=csrf))
    assert again["attempts"] == 2
    assert client.post("/_sim/ui/api/deliveries/nope/retry", headers=csrf).status_code == 404


def test_nobody_watching_costs_api_requests_nothing(app, locked):
    """The inspector adds no hook to any other request (only its own blueprints' answers get
    one): the live journal is the page's own poll."""
    for each in (app, locked):
        hooks = [f for funcs in (*each.before_request_funcs.items(), *each.after_request_funcs.items())
                 if not (funcs[0] or "").startswith("inspector") for f in funcs[1]]
        assert hooks and not [f for f in hooks if "inspector" in (getattr(f, "__module__", "") or "")]
