"""Issue 6's "done when", each as one test through HTTP only (the others live with their
package: seeded faults in test_faults.py, webhooks in order in test_webhooks.py, the
browser in tests/portal)."""

from __future__ import annotations

from clinic import API_KEY, auth, ok

MONDAY_0815_PDT = 1470669300          # a slot of provider 826 in the demo clinic


def _book(client, clinic) -> dict:
    body = {"type": 200, "code": "link-patient", "first_name": "Lin", "last_name": "K", "email": "link@example.com"}
    token = ok(client.post("/api_v3/users/sso", json=body, headers=API_KEY))["token"]["token"]
    return clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                                 intake_id=clinic.intake(token, type=2)["id"],
                                 slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900))


def test_a_one_time_link_dies_when_the_clock_passes_the_appointment(app, client, clinic, ns):
    ok(client.post("/_sim/clock/freeze", json={"at": MONDAY_0815_PDT - 3600}))
    visit = _book(client, clinic)
    link = f"/ns/{ns}/vc/next/members/appointment/{visit['id']}?token={visit['one_time_link_token']}"
    ok(client.post("/_sim/clock/advance", json={"seconds": 3600 + 900}))       # the appointment's end
    refused = app.test_client().get(link)
    assert refused.status_code == 403 and b"expired" in refused.data
    ok(client.post("/_sim/clock/advance", json={"seconds": -1}))               # one second before its end
    assert app.test_client().get(link).status_code == 302


def test_a_snapshot_restores_a_namespace_exactly(client, clinic):
    ok(client.post("/_sim/clock/freeze", json={"at": MONDAY_0815_PDT - 86400}))
    before = client.get("/_sim/state").get_json()
    ok(client.post("/_sim/snapshots", json={"name": "clean"}))
    visit = _book(client, clinic)
    ok(client.post("/_sim/clock/advance", json={"seconds": 7200}))
    ok(client.post("/_sim/snapshots/clean/restore"))
    assert client.get("/_sim/state").get_json() == before
    assert client.get(f"/api_v3/visits/{visit['id']}", headers=auth("6366a7018a39536a1ef4b63626f8e734")).status_code == 404
