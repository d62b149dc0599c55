"""POST /visits (and /appointments): booking free slots only, one winner per slot, one-time links."""

from __future__ import annotations

import re
import threading

import pytest
from clinic import PATIENT_575, PROVIDER_826, auth

MULTIPART = "multipart/form-data"
MONDAY_0815_PDT = 1470669300          # 2016-08-08 08:15 America/Los_Angeles, the documented slot
INTAKE_575 = "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"


def _slots(clinic, token, **query):
    return clinic.ok(clinic.get("/availability", token, **query))["slots"]


def _book_826(clinic, token) -> dict:
    """Provider 826's 08:15 PDT slot on the documented Monday, for a new intake of ``token``'s patient."""
    return clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                                 intake_id=clinic.intake(token, type=2)["id"],
                                 slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900))


def test_documented_booking_verbatim(client, clinic):
    r = client.post("/api_v3/appointments", headers=auth(PATIENT_575), content_type=MULTIPART,
                    data={"member_id": "575", "slot_start": str(MONDAY_0815_PDT), "slot_end": "1470670200",
                          "type": "2", "intakeId": INTAKE_575})
    visit = clinic.ok(r)
    # 1096 holds this slot with visit 7727, so the first free provider of ceproom1 takes it
    assert (visit["type"], visit["status"], visit["provider_id"], visit["room_code"]) == (2, 20, "826", "ceproom1")
    assert (visit["start"], visit["end"], visit["intake_id"]) == (MONDAY_0815_PDT, 1470670200, INTAKE_575)
    assert re.fullmatch(r"[a-z0-9]{10}", visit["one_time_link_token"])


def test_a_booked_slot_is_refused_and_shows_booked(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 7 * 86400)
    _, token = clinic.sso()
    intake = clinic.intake(token, type=2)["id"]
    body = {"slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 900, "room_code": "ceproom1",
            "intake_id": intake, "provider_id": "826"}
    booked = clinic.ok(clinic.post("/visits", token, **body))
    assert booked["status"] == 20
    _, other = clinic.sso()
    r = clinic.post("/visits", other, **{**body, "intake_id": clinic.intake(other, type=2)["id"]})
    assert r.status_code == 400 and "already booked" in r.get_json()["message"]
    slots = _slots(clinic, token, room_code="ceproom1", provider_id="826", start=MONDAY_0815_PDT,
                   end=MONDAY_0815_PDT + 900)
    assert [(s["slot_booked"], int(s["slot_available"])) for s in slots] == [(1, 0)]
    clinic.ok(clinic.post("/visits/close", token, id=booked["id"]))          # cancelled: free again
    slots = _slots(clinic, token, room_code="ceproom1", provider_id="826", start=MONDAY_0815_PDT,
                   end=MONDAY_0815_PDT + 900)
    assert [(s["slot_booked"], int(s["slot_available"])) for s in slots] == [(0, 1)]


def test_only_schedule_slots_can_be_booked(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    base = {"room_code": "ceproom1", "intake_id": clinic.intake(token, type=2)["id"]}
    cases = [
        ({"slot_start": MONDAY_0815_PDT + 60, "slot_end": MONDAY_0815_PDT + 960, "provider_id": "826"}, "slot_start"),
        ({"slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 1800, "provider_id": "826"}, "slot_start"),
        ({"slot_start": MONDAY_0815_PDT - 4 * 3600, "slot_end": MONDAY_0815_PDT - 4 * 3600 + 900}, "slot_start"),
        ({"slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 900, "provider_id": "403"}, "provider_id"),
        ({"slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT}, "slot_end"),
        ({"slot_end": MONDAY_0815_PDT}, "slot_start"),
        ({"slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 900, "type": 1}, "type"),
        ({"slot_start": "tomorrow", "slot_end": MONDAY_0815_PDT + 900}, "slot_start"),
    ]
    for body, field in cases:
        r = clinic.post("/visits", token, **{**base, **body})
        assert r.status_code == 400, (body, r.get_json())
        assert field in r.get_json()["message"], (body, r.get_json())


def test_unlicensed_provider_is_refused(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    intake = clinic.intake(token, type=2, location="WA")["id"]       # 826 is not licensed in WA
    r = clinic.post("/visits", token, room_code="ceproom1", intake_id=intake, provider_id="826",
                    slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900)
    assert r.status_code == 400 and "licensed" in r.get_json()["message"]


def test_sixteen_threads_one_winner(app, clinic, world, ns):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    patients = [clinic.sso() for _ in range(16)]
    intakes = [clinic.intake(token, type=2)["id"] for _, token in patients]
    results: list[int] = []
    barrier = threading.Barrier(16)

    def book(token, intake):
        client = app.test_client()
        client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
        barrier.wait()
        r = client.post("/api_v3/visits", headers=auth(token),
                        json={"room_code": "ceproom1", "intake_id": intake, "provider_id": "826",
                              "slot_start": MONDAY_0815_PDT + 3600, "slot_end": MONDAY_0815_PDT + 4500})
        results.append(r.status_code)

    threads = [threading.Thread(target=book, args=(t, i)) for (_, t), i in zip(patients, intakes, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [400] * 15
    visits = world.account("vclinic").visits.find("provider_id", "826")
    assert len([v for v in visits if v["start"] == MONDAY_0815_PDT + 3600 and v["status"] == 20]) == 1


def test_without_provider_a_free_one_is_picked(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    taken = []
    for _ in range(3):
        _, token = clinic.sso()
        r = clinic.post("/visits", token, room_code="ceproom1", intake_id=clinic.intake(token, type=2)["id"],
                        slot_start=MONDAY_0815_PDT + 7200, slot_end=MONDAY_0815_PDT + 8100)   # 10:15 PDT
        if r.status_code == 200:
            taken.append(r.get_json()["data"]["provider_id"])
        else:
            assert "no provider" in r.get_json()["message"]
    # at 10:15 on a Monday 826, 509 and 541 work in ceproom1 (1096 too); each gets one booking
    assert len(taken) == len(set(taken)) == 3


def test_one_time_link_valid_once_until_the_end(app, clinic, world):
    from vsee_sim.api.visits import booking as service
    from vsee_sim.core.errors import Forbidden
    from vsee_sim.core.tenancy import Ctx

    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    visit = _book_826(clinic, token)
    ctx = Ctx(world=world, db=world.account("vclinic"))
    link = visit["one_time_link_token"]
    for bad in ("", "x" * 10):
        with pytest.raises(Forbidden):
            service.use_one_time_link(ctx, visit["id"], bad)
    world.clock.freeze(MONDAY_0815_PDT + 899)
    assert service.use_one_time_link(ctx, visit["id"], link)["one_time_link_used"] is True
    with pytest.raises(Forbidden):                    # valid once
        service.use_one_time_link(ctx, visit["id"], link)


def test_one_time_link_expires_with_the_appointment(clinic, world):
    from vsee_sim.api.visits import booking as service
    from vsee_sim.core.errors import Forbidden
    from vsee_sim.core.tenancy import Ctx

    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    visit = _book_826(clinic, token)
    world.clock.freeze(MONDAY_0815_PDT + 900)
    ctx = Ctx(world=world, db=world.account("vclinic"))
    with pytest.raises(Forbidden):
        service.use_one_time_link(ctx, visit["id"], visit["one_time_link_token"])


def test_provider_sees_booking_in_their_list(clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    _, token = clinic.sso()
    visit = _book_826(clinic, token)
    assert visit["id"] in {v["id"] for v in clinic.ok(clinic.get("/visits", PROVIDER_826, status="20"))}
