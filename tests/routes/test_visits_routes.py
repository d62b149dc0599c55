"""Visits API through HTTP: walk-ins, close, in progress, delete, e-consults, reading, permissions."""

from __future__ import annotations

import pytest
from clinic import PATIENT_201, PATIENT_575, PROVIDER_826, PROVIDER_85741, auth

MULTIPART = "multipart/form-data"
INTAKE_575 = "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"


def test_documented_add_walkin_then_close(client, clinic):
    r = client.post("/api_v3/visits/add_walkin", headers=auth(PATIENT_575), content_type=MULTIPART,
                    data={"provider_id": "826", "intake_id": INTAKE_575, "room_code": "ceproom1"})
    visit = clinic.ok(r)
    assert (visit["status"], visit["type"], visit["member_id"], visit["provider_id"]) == (10, 1, "575", "826")
    assert visit["intake"]["id"] == INTAKE_575 and visit["intake"]["visit_id"] == visit["id"]
    assert visit["member"]["first_name"] == "Keven2" and visit["provider"]["last_name"] == "Will"
    assert visit["end"] - visit["start"] == 15 * 60           # the intake's 15-min consultation
    assert visit["meeting"]["meeting_id"].endswith("__jitsi")
    closed = clinic.ok(client.post("/api_v3/visits/close", headers=auth(PATIENT_575),
                                   content_type=MULTIPART, data={"id": "14"}))
    assert (closed["id"], closed["status"], closed["reason"], closed["completed_by"]) == ("14", 40, "patientexitroom", "575")


def test_walkin_needs_an_intake_of_the_patient(clinic):
    _, token = clinic.sso()
    r = clinic.post("/visits/add_walkin", token, room_code="ceproom1")
    assert r.status_code == 400 and "intake_id" in r.get_json()["message"]
    r = clinic.post("/visits/add_walkin", token, intake_id=INTAKE_575, room_code="ceproom1")
    assert r.status_code == 400 and "intake_id" in r.get_json()["message"]
    r = clinic.post("/visits/add_walkin", token, intake_id="nope", room_code="ceproom1")
    assert r.status_code == 400 and "intake_id" in r.get_json()["message"]


def test_walkin_errors_name_the_field(clinic):
    _, token = clinic.sso()
    intake = clinic.intake(token)["id"]
    for body, field in (({"room_code": "nosuch"}, "room_code"), ({"provider_id": "403"}, "provider_id"),
                        ({"member_id": "575"}, None)):
        r = clinic.post("/visits/add_walkin", token, intake_id=intake, **{"room_code": "ceproom1", **body})
        assert r.status_code in (400, 403), r.get_json()
        if field:
            assert field in r.get_json()["message"]
    assert clinic.post("/visits/add_walkin", "0" * 32, intake_id=intake).status_code == 401


def test_one_intake_one_active_visit(clinic):
    _, token = clinic.sso()
    intake = clinic.intake(token)["id"]
    clinic.walkin(token, intake_id=intake)
    r = clinic.post("/visits/add_walkin", token, intake_id=intake, room_code="ceproom1")
    assert r.status_code == 400 and "already used" in r.get_json()["message"]


def test_call_lifecycle_by_provider(clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    started = clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"]))
    assert started["status"] == 25 and started["actual_start"] is not None
    assert clinic.ok(clinic.get("/visits/current", token))["id"] == visit["id"]
    ended = clinic.ok(clinic.post("/visits/close", PROVIDER_826, id=visit["id"], reason="call_ended"))
    assert (ended["status"], ended["completed_by"], ended["reason"]) == (30, "826", "call_ended")
    assert ended["call_logs"]["total_duration"] == ended["actual_end"] - ended["actual_start"]
    r = clinic.post("/visits/close", token, id=visit["id"])
    assert r.status_code == 400
    assert "30 (completed)" in r.get_json()["message"]
    assert clinic.ok(clinic.get("/visits/current", token)) is None


def test_close_with_status(clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    r = clinic.post("/visits/close", token, id=visit["id"], status=30)
    assert r.status_code == 400 and "10 (pending)" in r.get_json()["message"]
    r = clinic.post("/visits/close", token, id=visit["id"], status=25)
    assert r.status_code == 400 and "status" in r.get_json()["message"]
    r = clinic.post("/visits/close", token, id=visit["id"], reason="bored")
    assert r.status_code == 400 and "reason" in r.get_json()["message"]
    assert clinic.ok(clinic.post("/visits/close", token, id=visit["id"], status="40"))["status"] == 40


def test_delete_cancels_and_econsult_never_queues(clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    assert clinic.ok(clinic.post("/visits/delete", token, id=visit["id"]))["status"] == 40
    before = clinic.queue()["length"]
    econsult = clinic.ok(clinic.post("/visits/add_econsult", token, intake_id=clinic.intake(token)["id"]))
    assert (econsult["type"], econsult["status"]) == (3, 10)
    assert clinic.queue()["length"] == before


def test_permissions(clinic):
    _, alice = clinic.sso()
    _, bob = clinic.sso()
    visit = clinic.walkin(alice)
    assert clinic.get(f"/visits/{visit['id']}", bob).status_code == 403
    assert clinic.post("/visits/close", bob, id=visit["id"]).status_code == 403
    assert clinic.get(f"/visits/{visit['id']}", PROVIDER_826).status_code == 200      # ceproom1's provider
    assert clinic.get(f"/visits/{visit['id']}", PROVIDER_85741).status_code == 403    # not of that room
    assert clinic.get(f"/visits/{visit['id']}", clinic.staff_token()).status_code == 200
    assert clinic.get("/visits/999999", alice).status_code == 404
    assert [v["id"] for v in clinic.ok(clinic.get("/visits", bob))] == []
    assert visit["id"] in [v["id"] for v in clinic.ok(clinic.get("/visits", PROVIDER_826))]
    assert clinic.get("/visits").status_code == 401


def test_staff_walkin_on_behalf_by_member_code(clinic, client):
    patient_id, patient = clinic.sso()
    code = clinic.ok(clinic.get("/me", patient))["code"]
    staff = clinic.staff_token()
    intake = clinic.intake(patient)["id"]
    visit = clinic.ok(clinic.post("/visits/add_walkin", staff, intake_id=intake, member_code=code))
    assert visit["member_id"] == patient_id and visit["creator"]["type"] == 160
    r = clinic.post("/visits/add_walkin", PATIENT_201, intake_id=intake, member_code=code)
    assert r.status_code == 403
    r = clinic.post("/visits/add_walkin", staff, intake_id=intake)
    assert r.status_code == 400 and "member_id" in r.get_json()["message"]


def test_list_filters_and_order(clinic):
    _, token = clinic.sso()
    first = clinic.walkin(token)
    clinic.post("/visits/close", token, id=first["id"])
    second = clinic.walkin(token)
    listed = clinic.ok(clinic.get("/visits", token))
    assert {v["id"] for v in listed} == {first["id"], second["id"]}
    assert [v["id"] for v in clinic.ok(clinic.get("/visits", token, status="10"))] == [second["id"]]
    assert [v["id"] for v in clinic.ok(clinic.get("/visits", token, status="40,30"))] == [first["id"]]
    assert clinic.get("/visits", token, status="x").status_code == 400


@pytest.mark.parametrize("path", ["/api_v3/visits/current.json", "/vc/next/api_v3/visits/current"])
def test_documented_current(client, path):
    r = client.get(path, headers={"X-ApiToken": PATIENT_201})
    assert r.status_code == 200 and r.get_json()["data"]["id"] == "7730"


def test_max_wait_cancels_a_pending_walkin(clinic, world):
    world.clock.freeze(1_800_000_000)
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    staff = clinic.staff_token()                    # the patient's own token lives 86400 s too
    world.clock.advance(86400)                       # exactly the demo's max wait: still waiting
    assert clinic.ok(clinic.get(f"/visits/{visit['id']}", staff))["status"] == 10
    world.clock.advance(1)
    expired = clinic.ok(clinic.get(f"/visits/{visit['id']}", staff))
    assert (expired["status"], expired["reason"]) == (40, "maxwaitingtime_reached")
    assert expired["actual_end"] == visit["created"] + 86400


def test_walkin_for_an_appointment_moves_both(clinic, world):
    world.clock.freeze(1_470_600_000)                 # before the demo's appointment 7727 (575, 1096)
    walkin = clinic.ok(clinic.post("/visits/add_walkin", PATIENT_575, visit_id="7727", room_code="ceproom1"))
    assert walkin["intake_id"] == "57a07c04-843d-47b6-b045-3371ac1f0144"
    assert clinic.ok(clinic.get("/visits/7727", PATIENT_575))["related_walkin_id"] == walkin["id"]
    clinic.ok(clinic.post("/visits/inprogress", "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826", id=walkin["id"]))
    assert clinic.status("7727") == 25
    clinic.ok(clinic.post("/visits/close", PROVIDER_826, id=walkin["id"]))
    appointment = clinic.ok(clinic.get("/visits/7727", PATIENT_575))
    assert appointment["status"] == 30 and appointment["related_walkin"]["status"] == 30
    r = clinic.post("/visits/add_walkin", PATIENT_575, visit_id="7727")
    assert r.status_code == 400 and "visit_id" in r.get_json()["message"]


def test_bad_bodies_are_400_not_500(clinic):
    _, token = clinic.sso()
    for path, body in (("/visits/close", {}), ("/visits/close", {"id": ["a"]}), ("/visits/inprogress", {"id": "x"}),
                       ("/visits/inprogress", {"id": "14", "actual_start": "soon"}), ("/visits/delete", {})):
        r = clinic.post(path, PROVIDER_826 if path == "/visits/inprogress" else token, **body)
        assert r.status_code in (400, 404), (path, body, r.get_json())
        assert set(r.get_json()) >= {"code", "message"}


def test_transitions_notify_the_other_party_and_push(clinic, world):
    user_id, token = clinic.sso()
    world.account("vclinic").endpoints.insert({"id": "ep-1", "key": "device-1", "user_id": user_id, "type": 30})
    visit = clinic.walkin(token)
    clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"]))
    notes = world.account("vclinic").notifications.find("user_id", user_id)
    assert [(n["type"], n["data"]["visit_id"]) for n in notes] == [("visit.started", visit["id"])]
    assert "John Will" in notes[0]["title"]
    pushes = [m for m in world.outbox.all() if m.get("channel") == "push" and m["user_id"] == user_id]
    assert [(p["push"], p["to"], p["type"]) for p in pushes] == [("apns", "device-1", "visit.started")]
    # the provider who started it is not told of it
    assert not [n for n in world.account("vclinic").notifications.find("user_id", "826")
                if n["data"].get("visit_id") == visit["id"]]


def test_a_blank_query_value_counts_as_not_sent(clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    assert [v["id"] for v in clinic.ok(clinic.get("/visits", token, status="", type=""))] == [visit["id"]]
