"""The portal in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A live server runs the session's app in a thread; each test takes a fresh namespace through
the URL (/ns/<name>/), as a browser must, and calls the API over HTTP as an integrating
site would. Waits are Playwright's (expect, wait_for_url): the pages update themselves by
polling, and nothing here sleeps. Screenshots go to test-artifacts/portal/<name>.png.

The browser, the live server and ``pages`` are tests/conftest.py's (tests/browsing.py): without
/usr/bin/chromium these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import browsing
import pytest
import requests
from clinic import PROVIDER_826, auth

pytestmark = pytest.mark.browser

API_KEY = {"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"}
MONDAY_0815_PDT = 1470669300


@pytest.fixture()
def base(live, ns) -> str:
    return f"{live}/ns/{ns}"


@pytest.fixture()
def api():
    session = requests.Session()
    session.trust_env = False          # loopback only: never through a proxy
    yield session
    session.close()


def shot(page, name: str) -> Path:
    return browsing.shot(page, "portal", name)


def sso(api, base: str, **body) -> dict:
    """POST /api_v3/users/sso with X-ApiKey, as the documented workflow does."""
    response = api.post(f"{base}/api_v3/users/sso", json=body, headers=API_KEY, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def api_visit(api, base: str, visit_id: str, token: str = PROVIDER_826) -> dict:
    response = api.get(f"{base}/api_v3/visits/{visit_id}", headers=auth(token), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_patient_waits_and_the_provider_takes_the_call(base, api, pages):
    from playwright.sync_api import expect

    data = sso(api, base, type=200, code="browser-patient", first_name="Bea", last_name="Rowser",
               email="bea@example.com")
    token = data["token"]["token"]

    # the patient arrives from the integrating site by the documented SSO link
    patient = pages()
    patient.goto(f"{base}/vc/next/auth?sso_token={token}&next=/u/clinic")
    expect(patient).to_have_url(f"{base}/vc/next/u/clinic")
    expect(patient).to_have_title(re.compile("My clinic"))
    expect(patient.get_by_test_id("patient-name")).to_contain_text("Bea Rowser")
    shot(patient, "clinic")

    patient.get_by_test_id("walkin-room").select_option("ceproom1")
    patient.get_by_test_id("walkin-reason").fill("Sore throat")
    patient.get_by_test_id("enter-waiting-room").click()
    expect(patient).to_have_url(re.compile(re.escape(f"{base}/vc/next/u/waiting/") + r"\d+$"))
    visit_id = patient.url.rsplit("/", 1)[1]
    queue = api.get(f"{base}/api_v3/rooms/ceproom1/queue", headers=auth(token), timeout=10).json()["data"]
    expect(patient.get_by_test_id("before-me")).to_have_text(str(queue["before_me"]))
    expect(patient.get_by_test_id("live-state")).to_have_text("Live: checked just now.")   # the page polls
    shot(patient, "waiting")
    assert api_visit(api, base, visit_id, token)["intake"]["reason_for_visit"] == "Sore throat"

    # someone ahead is called: the position moves live, without a reload
    ahead = min((v for v in api.get(f"{base}/api_v3/visits", params={"status": 10}, headers=auth(PROVIDER_826),
                                    timeout=10).json()["data"]
                 if v["room_code"] == "ceproom1" and v["type"] == 1 and v["id"] != visit_id),
                key=lambda v: (v["created"], int(v["id"])))
    started = api.post(f"{base}/api_v3/visits/inprogress", json={"id": ahead["id"]}, headers=auth(PROVIDER_826),
                       timeout=10)
    assert started.status_code == 200, started.text
    expect(patient.get_by_test_id("before-me")).to_have_text(str(queue["before_me"] - 1))
    assert patient.url.endswith(f"/u/waiting/{visit_id}")

    # the provider signs in: the waiting patient is on the dashboard
    provider = pages()
    provider.goto(f"{base}/vc/next/auth?sso_token={PROVIDER_826}&next=/providers/dashboard")
    expect(provider).to_have_url(f"{base}/vc/next/providers/dashboard")
    row = provider.get_by_test_id(f"waiting-{visit_id}")
    expect(row).to_contain_text("Bea Rowser")
    expect(row).to_contain_text("Sore throat")
    shot(provider, "dashboard")

    provider.get_by_test_id(f"start-{visit_id}").click()
    expect(provider).to_have_url(f"{base}/vc/next/visits/start/{visit_id}")
    expect(provider.get_by_test_id("call-live")).to_be_visible()
    shot(provider, "call-provider")

    # the patient's waiting room follows them into the call
    patient.wait_for_url(f"{base}/vc/next/visits/inbrowser_calling/{visit_id}")
    expect(patient.get_by_test_id("visit-status")).to_have_text("in progress (25)")
    expect(patient.get_by_test_id("visit-provider")).to_have_text("John Will")
    expect(patient.get_by_test_id("end-call")).to_have_count(0)
    shot(patient, "call-patient")
    assert api_visit(api, base, visit_id)["status"] == 25

    provider.get_by_test_id("end-call").click()
    expect(provider.get_by_test_id("call-over")).to_contain_text("completed")
    visit = api_visit(api, base, visit_id, token)
    assert (visit["status"], visit["reason"]) == (30, "call_ended")
    expect(patient.get_by_test_id("call-over")).to_contain_text("completed")     # reloaded by itself
    shot(patient, "call-ended")


def test_the_one_time_link_works_once(base, api, pages, clinic, world):
    from playwright.sync_api import expect

    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    visit = clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                                  intake_id=clinic.intake(token, type=2)["id"],
                                  slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900))
    link = f"{base}/vc/next/members/appointment/{visit['id']}?token={visit['one_time_link_token']}"

    patient = pages()
    response = patient.goto(link)
    assert response.status == 200
    expect(patient).to_have_url(f"{base}/vc/next/members/appointment/{visit['id']}")
    expect(patient.locator("h1")).to_have_text(f"Appointment {visit['id']}")
    expect(patient.get_by_test_id("appointment-start")).to_contain_text("2016-08-08 15:15 UTC")
    shot(patient, "appointment")
    patient.get_by_test_id("join").click()
    expect(patient.get_by_test_id("check-in")).to_be_visible()

    again = pages()
    response = again.goto(link)
    assert response.status == 403
    expect(again.locator("h1")).to_have_text("Error 403")
    expect(again.get_by_test_id("error-message")).to_contain_text("already used")
    shot(again, "link-used")


def test_bad_sign_in_and_disable_navigation(base, api, pages):
    from playwright.sync_api import expect

    page = pages()
    response = page.goto(f"{base}/vc/stable/auth?sso_token={'0' * 32}&next=/u/clinic")
    assert response.status == 401
    expect(page.locator("h1")).to_have_text("Error 401")
    shot(page, "auth-error")

    token = sso(api, base, type=200, code="browser-nonav", first_name="Nav", last_name="Less")["token"]["token"]
    page.goto(f"{base}/vc/stable/auth?sso_token={token}&next=/u/clinic&disable_navigation=1")
    expect(page).to_have_url(f"{base}/vc/stable/u/clinic")
    expect(page.locator("h1")).to_have_text("My clinic")
    expect(page.get_by_test_id("nav")).to_have_count(0)
    shot(page, "clinic-no-nav")
