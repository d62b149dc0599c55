"""The inspector in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

One browser and one live server per app for the module (tests/conftest.py's ``browser`` and
``live``, tests/browsing.py): the session's app (no admin token) and one with an admin
token. The API is called over HTTP as an integrating site would; the page polls, and the
waits are Playwright's: nothing sleeps. Screenshots go to test-artifacts/inspector/.
"""

from __future__ import annotations

import re

import browsing
import pytest
from clinic import API_KEY, PROVIDER_826, auth

from vsee_sim.app import create_app

pytestmark = pytest.mark.browser

ADMIN = "browser-admin-token-71c2"
MONDAY_0815_PDT = 1470669300
PWNED = "window.__pwned = 1"
PAYLOAD = f"<script>{PWNED}</script><img src=x onerror=\"{PWNED}\">"


@pytest.fixture(scope="module")
def own_live():
    """Servers of this module's own, without and with an admin token: their default
    namespaces are this module's alone."""
    with browsing.serving(create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0}), "inspector-open") as open_url, \
            browsing.serving(create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0, "ADMIN_TOKEN": ADMIN}),
                             "inspector-locked") as locked_url:
        yield {False: open_url, True: locked_url}


def shot(page, name: str, full_page: bool = True):
    return browsing.shot(page, "inspector", name, full_page)


def watch(page) -> list[str]:
    """Script errors and dialogs of a page: none may happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return problems


def called(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()["data"] if status == 200 else response.json()


def test_recorded_script_in_a_body_path_header_or_email_stays_text(app, live, ns, http, pages):
    from playwright.sync_api import expect

    base = f"{live}/ns/{ns}"
    http.post(f"{base}/api_v3/users/sso", json={"first_name": PAYLOAD}, headers=API_KEY, timeout=10)
    http.get(f"{base}/api_v3/<img src=x onerror=\"{PWNED}\">", headers={"X-ApiToken": PAYLOAD}, timeout=10)
    world = app.extensions["vsee_sim"].worlds.get(ns)
    with world.transaction():
        world.outbox.insert({"id": "evil", "channel": "email", "template": "x", "to": PAYLOAD, "user_id": "1",
                             "account": "vclinic", "created": 0, "subject": PAYLOAD, "code": PAYLOAD,
                             "url": f"javascript:{PWNED}",
                             "body": f"{PAYLOAD} javascript:{PWNED} https://evil.example/<b>x</b>"})

    page = pages()
    problems = watch(page)
    page.goto(f"{base}/_sim/ui#journal")
    entries = page.get_by_test_id("journal-entry")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("<img src=x onerror=")       # the path, as text
    entries.first.click()
    expect(page.get_by_test_id("detail-headers")).to_contain_text(PAYLOAD)
    entries.nth(1).click()
    expect(page.get_by_test_id("detail-body")).to_contain_text("<script>window.__pwned = 1</script>")
    page.get_by_test_id("copy-curl").click()
    expect(page.get_by_test_id("curl-text")).to_contain_text("<script>")
    page.get_by_test_id("tab-outbox").click()
    page.get_by_test_id("outbox-item").first.click()
    expect(page.get_by_test_id("mail-subject")).to_have_text(PAYLOAD)
    expect(page.get_by_test_id("mail-to")).to_have_text(PAYLOAD)
    expect(page.get_by_test_id("mail-code")).to_have_text(PAYLOAD)
    shot(page, "script-stays-text")
    # no element came from the data, and every link points at this server over http
    assert page.locator("#panels script, #panels img, #panels b").count() == 0
    hrefs = page.locator("#outbox-detail a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(h.startswith(live + "/") for h in hrefs), hrefs
    assert page.evaluate("window.__pwned") is None
    assert problems == []


PICTURED = {(True, False), (False, True)}   # screenshots of two of the four walks are enough


@pytest.mark.parametrize(("named", "locked"), [(True, False), (False, True), (True, True), (False, False)],
                         ids=["named namespace, no admin token", "default namespace, admin token",
                              "named namespace, admin token", "default namespace, no admin token"])
def test_a_person_follows_a_patient_moves_time_reads_mail_and_sends_again(named, locked, own_live, ns, http,
                                                                           pages):
    from playwright.sync_api import expect

    base = own_live[locked] + (f"/ns/{ns}" if named else "")
    pictured = (named, locked) in PICTURED

    def shot_here(name: str, full_page: bool = True):
        if pictured:
            shot(page, name, full_page)
    admin = {"X-Sim-Admin-Token": ADMIN} if locked else {}
    called(http.post(f"{base}/_sim/reset", json={}, headers=admin, timeout=10))
    called(http.post(f"{base}/_sim/clock/freeze", json={"at": MONDAY_0815_PDT - 86400}, headers=admin, timeout=10))

    page = pages()
    problems = watch(page)
    page.goto(f"{base}/_sim/ui")
    if locked:
        expect(page.get_by_test_id("signin-form")).to_be_visible()
        shot_here("sign-in")
        page.get_by_test_id("signin-token").fill(ADMIN)
        page.get_by_test_id("signin-submit").click()
        assert ADMIN not in page.url
    expect(page.get_by_test_id("namespace")).to_have_text(ns if named else "default")
    expect(page.get_by_test_id("header-clock")).to_contain_text("2016-08-07 15:15:00 UTC · frozen")

    # a walk-in through the API appears in the journal by itself
    patient = called(http.post(f"{base}/api_v3/users/sso", headers=API_KEY, timeout=10, json={
        "type": 200, "code": f"inspector-{ns}", "first_name": "Ada", "last_name": "Walker",
        "email": f"ada-{ns}@example.com"}))
    token, patient_id = patient["token"]["token"], patient["id"]
    intake = called(http.post(f"{base}/api_v3/intakes", headers=auth(token), timeout=10, json={
        "room_code": "ceproom1", "reason_for_visit": "Cough", "type": 1, "location": "CA"}))
    visit = called(http.post(f"{base}/api_v3/visits/add_walkin", headers=auth(token), timeout=10,
                             json={"room_code": "ceproom1", "intake_id": intake["id"]}))
    walkins = page.get_by_test_id("journal-entry").filter(has_text="/visits/add_walkin")
    expect(walkins).to_have_count(1)
    walkins.first.click()
    expect(page.get_by_test_id("detail-status")).to_have_text("200")
    expect(page.get_by_test_id("detail-response")).to_contain_text(f'"id": "{visit["id"]}"')
    page.get_by_test_id("copy-curl").click()
    expect(page.get_by_test_id("curl-text")).to_contain_text("curl -X POST")
    expect(page.get_by_test_id("curl-text")).to_contain_text("/visits/add_walkin")
    shot_here("journal")

    # send it again: the new answer beside the old, and the new request in the journal
    page.get_by_test_id("send-again").click()
    expect(page.get_by_test_id("again-status")).to_have_text(re.compile(r"^[2-4]\d\d$"))
    expect(page.get_by_test_id("again-old")).to_contain_text(visit["id"])
    expect(walkins).to_have_count(2)
    shot_here("send-again")
    page.set_viewport_size({"width": 1280, "height": 760})
    shot_here("readme", full_page=False)      # docs/img/inspector.png is a copy of one
    page.set_viewport_size({"width": 1100, "height": 800})

    # a booking emails a one-time link: it opens the appointment in the portal
    booking = called(http.post(f"{base}/api_v3/intakes", headers=auth(token), timeout=10, json={
        "room_code": "ceproom1", "reason_for_visit": "Check-up", "type": 2, "location": "CA"}))
    booked = called(http.post(f"{base}/api_v3/visits", headers=auth(token), timeout=10, json={
        "room_code": "ceproom1", "provider_id": "826", "intake_id": booking["id"],
        "slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 900}))
    page.get_by_test_id("tab-outbox").click()
    mail = page.get_by_test_id("outbox-item").filter(has_text="Your appointment")
    expect(mail).to_have_count(1)
    mail.click()
    expect(page.get_by_test_id("mail-to")).to_have_text(f"ada-{ns}@example.com")
    shot_here("outbox")
    with page.context.expect_page() as opened:
        page.get_by_test_id("mail-open-link").click()
    portal = opened.value
    expect(portal.locator("h1")).to_have_text(f"Appointment {booked['id']}")
    portal.close()

    # a reset code signs the patient in to the portal with one click
    called(http.post(f"{base}/api_v3/users/reset_password", json={"email": f"ada-{ns}@example.com"}, timeout=10))
    page.get_by_test_id("tab-outbox").click()   # shown again: read now (it also refreshes every 3 s)
    code_mail = page.get_by_test_id("outbox-item").filter(has_text="Reset your password")
    expect(code_mail).to_have_count(1)
    code_mail.click()
    expect(page.get_by_test_id("mail-code")).to_have_text(re.compile(r"^\d{6}$"))
    with page.context.expect_page() as opened:
        page.get_by_test_id("mail-code-signin").click()
    portal = opened.value
    expect(portal.get_by_test_id("patient-name")).to_contain_text("Ada Walker")
    portal.close()

    # a quarter of an hour: nothing falls due; a day more: the patient's token has expired and
    # the walk-in is cancelled (it waited past the demo clinic's max wait, 86400 s)
    page.get_by_test_id("tab-clock").click()
    page.get_by_test_id("clock-15m").click()
    expect(page.get_by_test_id("clock-moved")).to_contain_text("to 2016-08-07 15:30:00 UTC")
    expect(page.get_by_test_id("clock-effects")).to_contain_text("Nothing fell due.")
    page.get_by_test_id("clock-1d").click()
    effects = page.get_by_test_id("clock-effect")
    expect(effects.filter(has_text=re.compile(rf"access tokens? of user {patient_id} expired"))).to_have_count(1)
    expect(effects.filter(has_text=f"visit {visit['id']} went from pending to cancelled")).to_have_count(1)
    expect(page.get_by_test_id("clock-time")).to_have_text("2016-08-08 15:30:00 UTC")
    shot_here("clock")
    assert http.get(f"{base}/api_v3/me", headers=auth(token), timeout=10).status_code == 401
    assert http.get(f"{base}/api_v3/me", headers=auth(PROVIDER_826), timeout=10).status_code == 200

    # the patient signs in again (SSO) and walks in; the board's buttons take the visit to completed
    token = called(http.post(f"{base}/api_v3/users/sso", headers=API_KEY, timeout=10, json={
        "type": 200, "code": f"inspector-{ns}", "first_name": "Ada", "last_name": "Walker"}))["token"]["token"]
    intake = called(http.post(f"{base}/api_v3/intakes", headers=auth(token), timeout=10, json={
        "room_code": "ceproom1", "reason_for_visit": "Fever", "type": 1, "location": "CA"}))
    visit = called(http.post(f"{base}/api_v3/visits/add_walkin", headers=auth(token), timeout=10,
                             json={"room_code": "ceproom1", "intake_id": intake["id"]}))
    page.get_by_test_id("tab-board").click()
    page.get_by_test_id("board-room-picker").select_option("ceproom1")
    expect(page.get_by_test_id(f"queue-row-{visit['id']}")).to_contain_text("Ada Walker")
    page.get_by_test_id(f"queue-start-{visit['id']}").click()
    expect(page.get_by_test_id("column-ceproom1-25").get_by_test_id(f"card-{visit['id']}")).to_be_visible()
    page.get_by_test_id(f"board-end-{visit['id']}").click()
    expect(page.get_by_test_id("column-ceproom1-30").get_by_test_id(f"card-{visit['id']}")).to_be_visible()
    done = called(http.get(f"{base}/api_v3/visits/{visit['id']}", headers=auth(token), timeout=10))
    assert done["status"] == 30

    # the namespace goes back to its fixture from the Namespaces tab (a confirmed Reset)
    page.get_by_test_id("tab-namespaces").click()
    row = page.get_by_test_id("ns-row").filter(has=page.locator(f"td.name:text-is('{ns if named else 'default'}')"))
    row.get_by_test_id("ns-reset").click()
    expect(row.get_by_test_id("ns-reset")).to_have_text("Really reset?")
    row.get_by_test_id("ns-reset").click()
    expect(page.get_by_test_id("status")).to_contain_text("is back to its fixture")
    assert http.get(f"{base}/api_v3/me", headers=auth(token), timeout=10).status_code == 401
    if locked:
        page.get_by_test_id("signout").click()
        expect(page.get_by_test_id("signin-form")).to_be_visible()
    assert problems == []
