"""Review finding: a portal session belongs to its namespace only.

The demo's documented tokens exist in every namespace, and the default namespace's cookie
has Path=/ (so a browser sends it to every /ns/<name>/ page too): each namespace reads a
cookie of its own name, so a session never signs the user in to another namespace.
"""

from __future__ import annotations

from clinic import PATIENT_575
from portal_helpers import Page


def _sign_in(client, base: str):
    return client.get(f"{base}/auth?sso_token={PATIENT_575}&next=/u/clinic")


def _cookie(response, name: str) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}="))


def _not_signed_in(page: Page) -> None:
    assert page.status == 401, page.html
    assert "not signed in" in page.text("error-message")


def test_a_default_namespace_session_does_not_sign_in_under_another_namespace(app, ns):
    browser = app.test_client()                      # no header: the default namespace
    r = _sign_in(browser, "/vc/next")
    assert r.status_code == 302 and r.headers["Location"] == "/vc/next/u/clinic"
    assert "Path=/;" in _cookie(r, "vsee_sim_portal") + ";"
    _not_signed_in(Page(browser.get(f"/ns/{ns}/vc/next/u/clinic")))
    # signed in there too, each namespace keeps its own session, forms (CSRF) included
    r = _sign_in(browser, f"/ns/{ns}/vc/next")
    assert f"Path=/ns/{ns}" in _cookie(r, f"vsee_sim_portal_{ns}")
    page = Page(browser.get(f"/ns/{ns}/vc/next/u/clinic"))
    assert page.status == 200 and page.h1 == "My clinic"
    assert page.csrf
    entered = browser.post(f"/ns/{ns}/vc/next/u/waiting",
                           data={"csrf": page.csrf, "room_code": "room1", "reason_for_visit": "Cough"})
    assert entered.status_code == 303 and entered.headers["Location"].startswith(f"/ns/{ns}/vc/next/u/waiting/")
    forged = browser.post(f"/ns/{ns}/vc/next/u/waiting", data={"csrf": "x" * 32, "room_code": "room1"})
    assert forged.status_code == 403


def test_a_header_chosen_namespace_session_stays_in_its_namespace(app, client, ns):
    r = _sign_in(client, "/vc/next")                 # X-Sim-Namespace: ns, cookie Path=/
    assert r.status_code == 302
    assert "Path=/;" in _cookie(r, f"vsee_sim_portal_{ns}") + ";"
    assert Page(client.get("/vc/next/u/clinic")).status == 200
    _not_signed_in(Page(client.get(f"/ns/{ns}-other/vc/next/u/clinic")))   # the URL names another


def test_logging_out_ends_only_that_namespace_session(app, client, ns):
    _sign_in(client, "/vc/next")
    form = Page(client.get("/vc/next/logout"))       # a GET only shows the sign-out button
    assert form.status == 200 and form.csrf
    out = client.post("/vc/next/logout", data={"csrf": form.csrf})
    assert out.status_code == 200
    assert "Expires=Thu, 01 Jan 1970" in _cookie(out, f"vsee_sim_portal_{ns}")
    _not_signed_in(Page(client.get("/vc/next/u/clinic")))


def test_a_browser_lost_in_the_portal_gets_an_html_page_and_api_clients_json(client):
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/vc/next/u/nowhere", headers=html)
    assert page.status_code == 404 and page.mimetype == "text/html" and b"Error 404" in page.data
    assert b"portal.css" in page.data          # the portal's own error page, not the bare fallback
    wrong_method = client.delete("/vc/next/u/clinic", headers=html)
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "text/html"
    assert b"portal.css" in wrong_method.data and "GET" in wrong_method.headers["Allow"]
    for path, headers in (("/vc/next/u/nowhere", {}), ("/api_v3/nowhere", html), ("/_sim/nowhere", html)):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 404 and resp.get_json() == {"code": 404, "message": "Sorry, this page is not available."}
