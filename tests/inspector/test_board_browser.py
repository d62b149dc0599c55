"""The clinic board in a real headless Chromium (Debian's, through Playwright; tests/browsing.py).

A walk-in and an appointment are made through the API over HTTP, as an integrating site
would; the board shows the patient in the queue, and its Start and End buttons move the
visit across the status columns. The namespace clock is frozen on the documented Monday,
so the drawn day is the same on every run; waits are Playwright's, nothing sleeps.
"""

from __future__ import annotations

import pytest
import requests
from browsing import shot
from clinic import API_KEY, auth

pytestmark = pytest.mark.browser

MONDAY_1000_PDT = 1470675600          # 2016-08-08 10:00 America/Los_Angeles (the documented day)
NAME = '<img src=x onerror="window.__pwned=1">'


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_the_board_follows_a_walk_in_from_queue_to_completed(live, ns, pages):
    with requests.Session() as api:
        api.trust_env = False          # loopback only: never through a proxy
        walk_through(f"{live}/ns/{ns}", api, pages())


def walk_through(base: str, api, page) -> None:
    from playwright.sync_api import expect

    ok(api.post(f"{base}/_sim/clock/freeze", json={"at": MONDAY_1000_PDT}, timeout=10))
    patient = ok(api.post(f"{base}/api_v3/users/sso", headers=API_KEY, timeout=10, json={
        "type": 200, "code": "board-patient", "first_name": NAME, "last_name": "Rowser", "email": "b@example.com"}))
    token = patient["token"]["token"]
    intake = ok(api.post(f"{base}/api_v3/intakes", headers=auth(token), timeout=10,
                         json={"room_code": "ceproom1", "reason_for_visit": "Cough", "type": 1, "location": "CA"}))
    visit = ok(api.post(f"{base}/api_v3/visits/add_walkin", headers=auth(token), timeout=10,
                        json={"room_code": "ceproom1", "intake_id": intake["id"]}))
    booking = ok(api.post(f"{base}/api_v3/intakes", headers=auth(token), timeout=10,
                          json={"room_code": "ceproom1", "reason_for_visit": "Check-up", "type": 2, "location": "CA"}))
    appointment = ok(api.post(f"{base}/api_v3/visits", headers=auth(token), timeout=10, json={
        "room_code": "ceproom1", "intake_id": booking["id"], "provider_id": "826",
        "slot_start": MONDAY_1000_PDT + 3600, "slot_end": MONDAY_1000_PDT + 4500}))
    ok(api.post(f"{base}/_sim/clock/advance", json={"seconds": 600}, timeout=10))

    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base}/_sim/ui#board")
    page.get_by_test_id("board-room-picker").select_option("ceproom1")
    row = page.get_by_test_id(f"queue-row-{visit['id']}")
    expect(row).to_contain_text(NAME + " Rowser")          # the name as text, never as markup
    expect(page.get_by_test_id(f"before-me-{visit['id']}")).to_have_text("before me 0")
    expect(row).to_contain_text("waited 10 min")
    expect(page.get_by_test_id(f"timeline-visit-{appointment['id']}")).to_be_attached()
    drawing = page.get_by_test_id("timeline-ceproom1")
    assert drawing.locator("rect.slot.booked").count() >= 2     # the demo's 7727 at 08:15 and ours at 11:00
    assert drawing.locator("rect.slot.free").count() > 0 and drawing.locator("rect.slot.past").count() > 0
    shot(page, "inspector", "board")

    page.get_by_test_id(f"queue-start-{visit['id']}").click()
    in_call = page.get_by_test_id("column-ceproom1-25").get_by_test_id(f"card-{visit['id']}")
    expect(in_call).to_be_visible()
    expect(row).to_have_count(0)
    page.get_by_test_id(f"board-end-{visit['id']}").click()
    expect(page.get_by_test_id("column-ceproom1-30").get_by_test_id(f"card-{visit['id']}")).to_be_visible()
    expect(page.get_by_test_id("board-status")).to_contain_text(f"visit {visit['id']} is now 30")
    assert page.evaluate("window.__pwned") is None and page.locator("img[src='x']").count() == 0
    state = ok(api.get(f"{base}/api_v3/visits/{visit['id']}", headers=auth(token), timeout=10))
    assert (state["status"], state["reason"]) == (30, "call_ended")
