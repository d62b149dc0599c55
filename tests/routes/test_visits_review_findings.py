"""Findings of the clinic-flow review, each pinned by the request that showed it."""

from __future__ import annotations

from clinic import PROVIDER_826

MONDAY_0815_PDT = 1470669300


def test_an_intake_in_use_keeps_its_patient(clinic):
    _, token = clinic.sso()
    intake = clinic.intake(token)["id"]
    visit = clinic.walkin(token, intake_id=intake, provider_id="826")
    r = clinic.post(f"/intakes/{intake}", PROVIDER_826, member_id="575")
    assert r.status_code == 400 and "member_id" in r.get_json()["message"]
    assert clinic.ok(clinic.get(f"/visits/{visit['id']}", token))["intake"]["member_id"] == visit["member_id"]


def test_an_appointment_and_its_walkin_move_together(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 600)
    _, token = clinic.sso()
    appointment = clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                                        intake_id=clinic.intake(token, type=2)["id"],
                                        slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900))
    walkin = clinic.ok(clinic.post("/visits/add_walkin", token, visit_id=appointment["id"]))
    assert clinic.ok(clinic.get(f"/visits/{appointment['id']}", token))["intake"]["visit_id"] == appointment["id"]
    length = clinic.queue()["length"]
    clinic.ok(clinic.post("/visits/delete", token, id=appointment["id"]))
    assert clinic.status(walkin["id"]) == 40
    assert clinic.queue()["length"] == length - 1


def test_only_providers_and_staff_start_calls(clinic, world):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    assert clinic.post("/visits/inprogress", token, id=visit["id"]).status_code == 403
    for when in (visit["created"] - 1, world.clock.ts() + 3600):
        r = clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"], actual_start=when)
        assert r.status_code == 400 and "actual_start" in r.get_json()["message"]
    assert clinic.status(visit["id"]) == 10


def test_delete_reasons_are_the_documented_ones(clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    r = clinic.post("/visits/delete", token, id=visit["id"], reason="lol" * 1000)
    assert r.status_code == 400 and "reason" in r.get_json()["message"]


def test_an_econsult_takes_no_slot(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT + 60)
    _, token = clinic.sso()
    clinic.ok(clinic.post("/visits/add_econsult", token, intake_id=clinic.intake(token)["id"], provider_id="826"))
    slots = clinic.ok(clinic.get("/availability", token, room_code="ceproom1", provider_id="826",
                                 start=MONDAY_0815_PDT + 900, end=MONDAY_0815_PDT + 1800))["slots"]
    assert [s["slot_booked"] for s in slots] == [0]


def test_a_room_without_appointments_offers_no_slot(clinic, world):
    world.account("vclinic").rooms.find_one("code", "ceproom1")["visits"]["appointment"]["enabled"] = False
    slots = clinic.ok(clinic.get("/availability", "6366a7018a39536a1ef4b63626f8e734", room_code="ceproom1"))["slots"]
    assert slots == []


def test_the_intakes_consultation_only_where_the_room_offers_it(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    intake = clinic.intake(token, consultation="551c5c51-1f61-47e9-bf13-3e22ac1f0144")["id"]   # ceproom1's 30 min
    visit = clinic.ok(clinic.post("/visits/add_walkin", token, intake_id=intake, room_code="room1"))
    assert visit["payment"]["id"] == "563c7521-8e70-4b11-82c8-4e7fac1f0144"                    # room1's first


def test_room_codes_are_found_whatever_their_case(clinic):
    assert clinic.queue("CEPROOM1")["capacity"] == 100


def test_a_provider_has_no_current_visit_while_patients_wait(clinic):
    _, token = clinic.sso()
    clinic.walkin(token, provider_id="826")
    assert clinic.ok(clinic.get("/visits/current", PROVIDER_826))["id"] == "7730"   # 826's call with 201
    clinic.ok(clinic.post("/visits/close", PROVIDER_826, id="7730"))
    assert clinic.ok(clinic.get("/visits/current", PROVIDER_826)) is None


def test_the_documented_appointment_shows_its_related_walkin(clinic):
    staff = clinic.staff_token()
    visit = clinic.ok(clinic.get("/visits/18407167", staff))
    assert visit["related_walkin"] == {"start": 1633628101, "end": 1633631701, "status": 30, "id": "18407370"}


def test_close_takes_the_production_clients_actual_end(clinic, world):
    world.clock.freeze(1_800_000_000)
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"]))
    world.clock.advance(1200)
    r = clinic.post("/visits/close", PROVIDER_826, id=visit["id"], status=30, actual_end=1_800_000_000 - 5)
    assert r.status_code == 400 and "actual_end" in r.get_json()["message"]
    done = clinic.ok(clinic.post("/visits/close", PROVIDER_826, id=visit["id"], status=30,
                                 actual_end=1_800_000_900))
    assert done["actual_end"] == 1_800_000_900 and done["call_logs"]["total_duration"] == 900


def test_the_intake_records_the_visits_consultation_and_provider(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    intake = clinic.intake(token, type=2, provider="826")["id"]
    visit = clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="1096", intake_id=intake,
                                  slot_start=MONDAY_0815_PDT + 3600, slot_end=MONDAY_0815_PDT + 4500))
    assert visit["intake"]["provider_id"] == "1096"
    assert visit["intake"]["consultation"]["id"] == visit["payment"]["id"] == "551c5c50-6cbb-497a-aaf5-3333ac1f0144"


def test_intake_update_reads_the_tables_reasonforvisit(clinic):
    _, token = clinic.sso()
    intake = clinic.intake(token)["id"]
    assert clinic.ok(clinic.post(f"/intakes/{intake}", token, reasonforvisit="Rash"))["reason_for_visit"] == "Rash"
