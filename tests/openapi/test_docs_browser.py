"""Swagger UI at /docs in a real headless Chromium: the namespace chooser and "Try it out".

The browser and the live server are tests/conftest.py's (tests/browsing.py: Debian's
/usr/bin/chromium through Playwright; skipped without it, failing under CI=true).
Playwright's waits, no sleeps.
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.browser

WAIT_MS = 20_000


@pytest.fixture()
def page_of(browser):
    return browser.new_page


def test_try_it_out_runs_in_the_chosen_namespace_with_the_demo_credentials(page_of, live, ns):
    from playwright.sync_api import expect

    page = page_of()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside = []
    page.on("request", lambda req: None if req.url.startswith(live) else outside.append(req.url))
    page.goto(f"{live}/docs#/visits/visitsAddWalkin")
    page.fill("#vsee-namespace-name", ns)
    page.dispatch_event("#vsee-namespace-name", "change")
    operation = page.locator("#operations-visits-visitsAddWalkin")
    expect(operation).to_be_visible(timeout=WAIT_MS)
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_contain_text("200", timeout=WAIT_MS)
    # the walk-in exists in the chosen namespace (and only there), made by the documented member 575
    visits = requests.get(f"{live}/api_v3/visits/current.json", timeout=10,
                          headers={"X-Sim-Namespace": ns, "X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb"})
    assert visits.status_code == 200 and visits.json()["data"]["member_id"] == "575"
    assert not errors and not outside, (errors, outside)
