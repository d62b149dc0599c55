"""The documentation's five "Common Workflows", end to end, as an integrating portal runs them.

Patient #1: SSO, then the portal link. Patient #2: SSO, intake, walk-in into the queue and
out. Patient #3: SSO, intake, availability, booking with a one-time link. Provider #1: SSO
and the dashboard link. Provider #2: SSO, a room of their own, assignment.
"""

from __future__ import annotations

import re

from clinic import API_KEY, PROVIDER_826, auth

NEXT_WEEK = 7 * 86400


def _sso(client, **body) -> dict:
    r = client.post("/api_v3/users/sso", data=body, headers=API_KEY)     # form-encoded, as PHP portals send
    assert r.status_code == 200, r.get_json()
    return r.get_json()["data"]


def test_patient_logs_in_by_sso(client):
    data = _sso(client, type=200, code="portal-p1", first_name="Ann", last_name="Lee", email="ann@example.com")
    token = data["token"]["token"]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    me = client.get("/api_v3/me", headers=auth(token)).get_json()["data"]
    assert me["id"] == data["id"] and me["type"] == 200


def test_patient_walks_in_and_out(client, clinic):
    data = _sso(client, type=200, code="portal-p2", first_name="Bo", last_name="Chen", email="bo@example.com")
    token, member_id = data["token"]["token"], data["id"]
    intake = clinic.ok(client.post("/api_v3/intakes", headers=auth(token),
                                   data={"room_code": "ceproom1", "reason_for_visit": "Fever", "type": "1"}))
    visit = clinic.ok(client.post("/api_v3/visits/add_walkin", headers=auth(token),
                                  data={"intake_id": intake["id"], "room_code": "ceproom1"}))
    assert (visit["member_id"], visit["status"]) == (member_id, 10)
    queue = clinic.queue("ceproom1", token)
    assert queue["before_me"] == queue["length"] - 1          # behind the demo's waiting patient
    assert clinic.ok(clinic.get("/visits/current", token))["id"] == visit["id"]
    # the provider takes the call and ends it
    clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"]))
    assert clinic.queue("ceproom1", token)["length"] == queue["length"] - 1
    done = clinic.ok(clinic.post("/visits/close", token, id=visit["id"], reason="patientendcall"))
    assert (done["status"], done["reason"]) == (30, "patientendcall")


def test_patient_books_with_a_one_time_link(client, clinic, world):
    data = _sso(client, type=200, code="portal-p3", first_name="Cy", last_name="Dee", email="cy@example.com",
                state="CA")
    token = data["token"]["token"]
    intake = clinic.ok(client.post("/api_v3/intakes", headers=auth(token),
                                   json={"room_code": "ceproom1", "type": 2, "location": "CA"}))
    slots = clinic.ok(clinic.get("/availability", token, room_code="ceproom1", intake_id=intake["id"]))["slots"]
    free = [s for s in slots if int(s["slot_available"]) == 1]
    assert free and free[0]["slot_start"] >= world.clock.ts()
    slot = free[0]
    visit = clinic.ok(client.post("/api_v3/visits", headers=auth(token),
                                  json={"slot_start": slot["slot_start"], "slot_end": slot["slot_end"], "type": 2,
                                        "room_code": "ceproom1", "intake_id": intake["id"]}))
    assert (visit["status"], visit["type"], visit["start"]) == (20, 2, slot["slot_start"])
    assert re.fullmatch(r"[a-z0-9]{10}", visit["one_time_link_token"])
    again = clinic.ok(clinic.get("/availability", token, room_code="ceproom1", provider_id=visit["provider_id"],
                                 start=slot["slot_start"], end=slot["slot_end"]))["slots"]
    assert all(s["slot_booked"] == 1 and int(s["slot_available"]) == 0 for s in again)


def test_provider_logs_in_by_sso(client):
    data = _sso(client, type=400, code="portal-dr1", first_name="Di", last_name="Eze", email="di@example.com")
    me = client.get("/api_v3/me", headers=auth(data["token"]["token"])).get_json()["data"]
    assert me["type"] == 400


def test_provider_gets_a_room_and_is_assigned(client, clinic):
    data = _sso(client, type=400, code="portal-dr2", first_name="Ed", last_name="Fox", email="ed@example.com")
    token, provider_id = data["token"]["token"], data["id"]
    room = clinic.ok(client.post("/api_v3/rooms", headers=auth(token),
                                 data={"domain": "vclinic.vsee.me", "slug": "dr-fox", "name": "Dr Fox's room"}))
    assert re.fullmatch(r"[a-z0-9]{5}", room["code"])
    r = client.post("/api_v3/rooms", headers=auth(token),
                    data={"domain": "vclinic.vsee.me", "slug": "dr-fox", "name": "again"})
    assert r.status_code == 400                                # "If the room already exists ... error 400"
    rooms = clinic.ok(client.post(f"/api_v3/users/{provider_id}/rooms", headers=auth(token),
                                  data={"code": room["code"]}))
    assert room["code"] in [r["code"] for r in rooms]
    providers = clinic.ok(clinic.get(f"/rooms/{room['code']}/providers"))
    assert provider_id in [p["id"] for p in providers]
    # and patients can now wait for them
    _, patient = clinic.sso()
    visit = clinic.walkin(patient, room["code"])
    assert visit["room_code"] == room["code"]
    assert clinic.ok(clinic.get("/visits", token, status="10"))[0]["id"] == visit["id"]
