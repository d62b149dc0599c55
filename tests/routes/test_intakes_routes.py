"""Intakes API routes: the documented curls, every error, the claim rule (docs/fidelity.md I1-I7)."""

from __future__ import annotations

import json
import re

import pytest
from clinic import error, ok

from vsee_sim.api.intakes import service
from vsee_sim.core.errors import Forbidden
from vsee_sim.core.tenancy import Ctx

T0 = 1_700_000_000
FORM = "application/x-www-form-urlencoded"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
P575 = {"X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb", "X-AccountCode": "vclinic"}
P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}
PROV_85741 = {"X-ApiToken": "83ec6843c3af534c551ab609d869dd82"}
PROV_826 = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}
API_USER_TOKEN = "ab" * 16
PROV_1096_TOKEN = "cd" * 16
CODE_575 = "553ea41edfd041bd94475276ac1f0144"
CODE_201 = "54bdf165f02c4a0fbaac2603ac1f0144"
INTAKE_575 = "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"          # attachment rash.png, consultation 15-min
INTAKE_575_DOC = "57b4c678-de20-4c1a-a52b-43e9ac1f0144"      # GET /intakes/:id's documented example
RASH, DOC_PNG = "577af3e6-9e48-4a51-9315-2ba8c0a8210a", "57b4c65d-7ef8-461f-8951-43b1ac1f0144"
INSURANCE = "57aa6ede-bf6c-4a88-81e1-6bcdac1f0144"
CONSULT_15 = "551c5c50-6cbb-497a-aaf5-3333ac1f0144"          # ceproom1
CONSULT_ABC = "58244a53-0f28-4ff9-bdbc-7468ac1f0144"         # room abc
DOCUMENTED_KEYS = {"id", "member_id", "provider", "provider_id", "room_code", "room", "type",
                   "reason_for_visit", "location", "phone", "consent", "visit_id", "created",
                   "modified", "attachments", "consultation"}


def create(client, headers=None, **body):
    return client.post("/api_v3/intakes", json=body, headers=headers or {})


def update(client, intake_id, headers, **body):
    return client.post(f"/api_v3/intakes/{intake_id}", json=body, headers=headers)


def get(client, intake_id, headers):
    return client.get(f"/api_v3/intakes/{intake_id}", headers=headers)


@pytest.fixture(autouse=True)
def frozen(world):
    world.clock.freeze(T0)
    for user_id, token in (("15729940", API_USER_TOKEN), ("1096", PROV_1096_TOKEN)):
        world.tokens.insert({"token": token, "user_id": user_id, "kind": "access", "expiry": None,
                             "created": T0, "account": "vclinic"})


API_USER = {"X-ApiToken": API_USER_TOKEN}
PROV_1096 = {"X-ApiToken": PROV_1096_TOKEN}


# -- the documented examples, verbatim ---------------------------------------------------------------
def test_documented_create_without_a_token(client):
    resp = client.post("/api_v3/intakes.json", data="provider=541&reason_for_visit=Test&reset=true&type=1",
                       content_type=FORM)
    data = ok(resp)
    assert UUID.match(data["id"])
    assert set(data) >= DOCUMENTED_KEYS
    assert data["member_id"] is None                       # I1: nobody's until a patient uses it
    assert (data["provider"], data["provider_id"], data["type"], data["reason_for_visit"]) == ("541", "541", "1", "Test")
    assert data["reset"] == "true"                          # kept verbatim, as the documented intake shows it
    assert data["room_code"] == data["room"] == "ceproom1"  # I2: provider 541's first room
    assert (data["created"], data["modified"], data["attachments"], data["consultation"]) == (T0, T0, [], None)
    assert "medical_profile" not in data


def test_documented_update_multipart(client):
    resp = client.post(f"/api_v3/intakes/{INTAKE_575}",
                       headers={**P575, "Content-Type": "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"},
                       data=(b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
                             b'Content-Disposition: form-data; name="location"\r\n\r\nCA\r\n'
                             b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
                             b'Content-Disposition: form-data; name="phone"\r\n\r\n7123456789\r\n'
                             b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
                             b'Content-Disposition: form-data; name="reason_for_visit"\r\n\r\nTest intake functionalities 2\r\n'
                             b"------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n"))
    data = ok(resp)
    assert data["id"] == INTAKE_575
    assert (data["location"], data["phone"], data["reason_for_visit"]) == ("CA", "7123456789", "Test intake functionalities 2")
    assert data["modified"] == T0 and data["created"] == 1470132318 and data["member_id"] == "575"
    assert [a["_id"] for a in data["attachments"]] == [RASH]      # untouched fields stay
    assert data["consultation"]["id"] == CONSULT_15
    assert ok(get(client, INTAKE_575, P575))["phone"] == "7123456789"


def test_documented_get_shows_attachments_as_file_objects(client):
    data = ok(client.get(f"/api_v3/intakes/{INTAKE_575_DOC}", headers=P575))
    assert (data["id"], data["modified"], data["created"], data["type"], data["reason_for_visit"]) == (
        INTAKE_575_DOC, 1471465080, 1471465080, "1", "the reason")
    assert data["attachments"] == [{
        "_id": DOC_PNG, "name": "575004c7-b350-421d-8542-4dcdac1f0144.png",
        "path": f"files/2016/08/17/{DOC_PNG}.png", "size": 12859, "ext": "png", "type": 0,
        "creator_id": "575", "remark": None, "using": 1,
        "modified": {"sec": 1471465053, "usec": 0}, "created": {"sec": 1471465053, "usec": 0},
    }]
    assert data["medical_profile"]["user_id"] == "575"       # 575 has an EMR record
    assert data["medical_profile"]["surgeries"]["data"] == [{"procedure": "C-section"}, {"procedure": "Heart valve replaced"}]


@pytest.mark.parametrize("prefix", ["/api_v3", "/vc/next/api_v3", "/vc/stable/api_v3"])
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_every_base_path_and_the_json_suffix(client, prefix, suffix):
    made = ok(client.post(f"{prefix}/intakes{suffix}", json={"type": 2}, headers=P575))
    assert made["member_id"] == "575" and made["type"] == "2"
    assert ok(client.post(f"{prefix}/intakes/{made['id']}{suffix}", data={"phone": "6505550100"},
                          headers=P575))["phone"] == "6505550100"
    assert ok(client.get(f"{prefix}/intakes/{made['id']}{suffix}", headers=P575))["id"] == made["id"]


# -- bodies and fields ----------------------------------------------------------------------------
def test_json_create_by_a_patient(client):
    data = ok(create(client, P575, reason_for_visit="Cough", type="2", location="ca", phone="7123456789",
                     attachments=[{"id": RASH}], consultation_id=CONSULT_15))
    assert data["member_id"] == "575" and data["room_code"] == "ceproom1"   # I2: the default room
    assert (data["type"], data["location"]) == ("2", "CA")
    assert [a["_id"] for a in data["attachments"]] == [RASH]
    assert data["consultation"] == {"id": CONSULT_15, "description": "15-min Consultation", "duration": 15,
                                    "amount": 0, "group": False, "charge": False, "slots": 1,
                                    "visible_to_patient": True, "currency": "USD"}
    assert ok(get(client, data["id"], P575)) == data


@pytest.mark.parametrize("body, content_type", [
    ({"attachments": [{"id": RASH}, {"id": INSURANCE}]}, "json"),
    ({"attachments": [RASH, INSURANCE]}, "json"),
    ({"attachments": f"{RASH},{INSURANCE}"}, "json"),
    (f"attachments={RASH},{INSURANCE}", FORM),
    (f"attachments[0][id]={RASH}&attachments[1][id]={INSURANCE}", FORM),
    (f"attachments[]={RASH}&attachments[]={INSURANCE}", FORM),
    ({"attachments": json.dumps([RASH, INSURANCE])}, "multipart/form-data"),
])
def test_attachments_in_every_documented_format(client, body, content_type):
    if content_type == "json":
        resp = client.post(f"/api_v3/intakes/{INTAKE_575}", json=body, headers=P575)
    else:
        resp = client.post(f"/api_v3/intakes/{INTAKE_575}", data=body, content_type=content_type, headers=P575)
    assert [a["_id"] for a in ok(resp)["attachments"]] == [RASH, INSURANCE]


def test_attachments_can_be_cleared_with_an_empty_list(client):
    assert ok(update(client, INTAKE_575, P575, attachments=[]))["attachments"] == []


def test_form_fields_arrive_as_strings(client):
    data = ok(client.post("/api_v3/intakes", data={"type": "2", "provider": "826", "consultation": CONSULT_15},
                          headers=PROV_826))
    assert (data["type"], data["provider_id"], data["member_id"]) == ("2", "826", None)
    assert data["consultation"]["id"] == CONSULT_15


def test_reason_for_visit_may_be_a_list(client):
    resp = client.post("/api_v3/intakes", data="reason_for_visit[]=Cough&reason_for_visit[]=Fever", content_type=FORM,
                       headers=P575)
    assert ok(resp)["reason_for_visit"] == "Cough,Fever"


def test_unknown_fields_are_ignored_and_consent_kept(client):
    data = ok(create(client, P575, whatever="x", consent="true", account_code="other"))
    assert "whatever" not in data and data["consent"] == "true" and "reset" not in data


def test_an_empty_update_only_touches_modified(client, world):
    before = ok(get(client, INTAKE_575, P575))
    world.clock.freeze(T0 + 60)
    after = ok(client.post(f"/api_v3/intakes/{INTAKE_575}", headers=P575))
    assert after == {**before, "modified": T0 + 60}


# -- room fallback and consultation -----------------------------------------------------------------
@pytest.mark.parametrize("provider, room", [("826", "ceproom1"), ("12456470", "vclinicroom"),
                                            ("401", "example-room-code"), ("12312", "abc")])
def test_room_is_the_providers_first_room(client, provider, room):
    assert ok(create(client, provider=provider))["room_code"] == room


def test_room_code_wins_over_the_fallback(client):
    data = ok(create(client, P575, provider="826", room_code="room1"))
    assert (data["room_code"], data["room"], data["provider_id"]) == ("room1", "room1", "826")


def test_consultation_must_be_one_of_the_rooms(client):
    data = ok(create(client, P575, room_code="abc", consultation=CONSULT_ABC))
    assert data["consultation"]["amount"] == 30
    error(create(client, P575, room_code="abc", consultation=CONSULT_15), 400, "consultation")
    error(create(client, P575, room_code="abc", consultation_id=CONSULT_15), 400, "consultation_id")
    error(create(client, P575, consultation_id={"no": "id"}), 400, "consultation_id")
    # moving to a room that does not offer it drops it; an explicit "" clears it
    moved = ok(update(client, INTAKE_575, P575, room_code="abc"))
    assert moved["room_code"] == "abc" and moved["consultation"] is None
    assert ok(update(client, INTAKE_575, P575, consultation=CONSULT_ABC))["consultation"]["id"] == CONSULT_ABC
    assert ok(update(client, INTAKE_575, P575, consultation_id=""))["consultation"] is None


# -- validation: a 400 naming each bad field ---------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("provider", "999999"),                 # nobody
    ("provider", "575"),                    # a patient
    ("provider_id", "575"),
    ("provider", 1.5),
    ("type", "3"),
    ("type", "walkin"),
    ("room_code", "nope1"),
    ("attachments", ["57aaaaaa-0000-0000-0000-000000000000"]),   # no such file
    ("attachments", 5),
    ("attachments", [{"name": "x"}]),
    ("location", "ZZ"),
    ("location", "California"),
    ("phone", "12"),
    ("phone", "call me"),
    ("consultation", "nope"),
    ("consultation_id", "nope"),
    ("reason_for_visit", {"a": 1}),
    ("member_code", "unknown-code"),
    ("member_code", "55de45a2ce384a24ad633301ac1f0144"),           # provider 826's code, not a patient
    ("member_id", "826"),
])
def test_each_bad_field_is_a_400_naming_it(client, field, value):
    error(create(client, API_USER, **{field: value}), 400, field)
    error(update(client, INTAKE_575, P575 if not field.startswith("member") else API_USER, **{field: value}), 400, field)


def test_every_bad_field_is_named_at_once(client):
    body = error(create(client, P575, type="9", location="ZZ", phone="1", room_code="nope1"), 400)
    assert set(body["errors"]) == {"type", "location", "phone", "room_code"}


def test_a_failed_update_changes_nothing(client):
    before = ok(get(client, INTAKE_575, P575))
    error(update(client, INTAKE_575, P575, location="NY", phone="1"), 400, "phone")
    assert ok(get(client, INTAKE_575, P575)) == before


def test_malformed_json_is_a_400(client):
    resp = client.post("/api_v3/intakes", data="{not json", content_type="application/json", headers=P575)
    error(resp, 400)


# -- 401, 403, 404 ----------------------------------------------------------------------------------
def test_reading_or_updating_needs_a_token(client):
    error(client.get(f"/api_v3/intakes/{INTAKE_575}"), 401)
    error(client.post(f"/api_v3/intakes/{INTAKE_575}", data={"phone": "7123456789"}), 401)
    error(client.get(f"/api_v3/intakes/{INTAKE_575}", headers={"X-ApiToken": "0" * 32}), 401)


def test_member_code_without_a_token_is_a_401(client):
    error(create(client, member_code=CODE_575), 401)


def test_unknown_intake_is_a_404(client):
    error(get(client, "57a0705e-0000-0000-0000-000000000000", P575), 404)
    error(update(client, "57a0705e-0000-0000-0000-000000000000", P575, phone="7123456789"), 404)


def test_another_patient_is_a_403(client):
    error(get(client, INTAKE_575, P201), 403)
    error(update(client, INTAKE_575, P201, phone="7123456789"), 403)
    error(create(client, P201, member_code=CODE_575), 403)
    error(update(client, INTAKE_575, P575, member_code=CODE_201), 403)


def test_a_patient_may_name_themselves(client):
    assert ok(create(client, P575, member_code=CODE_575))["member_id"] == "575"
    assert ok(create(client, P575, member_id="575"))["member_id"] == "575"


def test_providers_see_their_intakes_only(client, world):
    error(get(client, INTAKE_575, PROV_85741), 403)
    error(update(client, INTAKE_575, PROV_85741, phone="7123456789"), 403)
    # 826 is the provider of intake 61165a8e...
    assert ok(get(client, "61165a8e-d8cc-47da-bd8e-597d64457b1f", PROV_826))["provider_id"] == "826"
    # 1096 is the provider of visit 7727, whose intake names no provider
    world.account("vclinic").intakes.update("57a07c04-843d-47b6-b045-3371ac1f0144", provider_id=None)
    data = ok(update(client, "57a07c04-843d-47b6-b045-3371ac1f0144", PROV_1096, reason_for_visit="Rash"))
    assert (data["provider_id"], data["visit_id"], data["reason_for_visit"]) == (None, "7727", "Rash")


# -- member_code on behalf of a patient (DESIGN 14) -------------------------------------------------------
def test_api_user_creates_an_intake_for_a_member(client):
    data = ok(create(client, API_USER, member_code=CODE_575, reason_for_visit="Follow-up", type=2))
    assert data["member_id"] == "575" and "medical_profile" in data
    assert ok(get(client, data["id"], P575))["reason_for_visit"] == "Follow-up"
    error(get(client, data["id"], P201), 403)
    moved = ok(update(client, data["id"], API_USER, member_code=CODE_201))
    assert moved["member_id"] == "201" and "medical_profile" not in moved
    assert ok(get(client, data["id"], API_USER))["member_id"] == "201"


def test_provider_creates_an_intake_for_a_member(client):
    data = ok(create(client, PROV_85741, member_code=CODE_201, provider="85741"))
    # 85741 has no room yet (b4vjj lists no providers): the clinic's default room
    assert (data["member_id"], data["provider_id"], data["room_code"]) == ("201", "85741", "ceproom1")
    assert ok(get(client, data["id"], PROV_85741))["id"] == data["id"]


def test_staff_without_member_code_leaves_the_intake_unclaimed(client):
    assert ok(create(client, API_USER, type=1))["member_id"] is None


# -- the claim rule (I1) -----------------------------------------------------------------------------------
def test_the_first_patient_who_updates_it_claims_it(client, world):
    made = ok(client.post("/api_v3/intakes.json", data="provider=541&reason_for_visit=Test&reset=true&type=1",
                          content_type=FORM))
    seen = ok(get(client, made["id"], P201))                 # reading does not claim it
    assert seen["member_id"] is None
    world.clock.freeze(T0 + 5)
    claimed = ok(update(client, made["id"], P201, location="NY"))
    assert (claimed["member_id"], claimed["location"], claimed["modified"]) == ("201", "NY", T0 + 5)
    assert claimed["reset"] == "true"
    error(get(client, made["id"], P575), 403)
    error(update(client, made["id"], P575, location="CA"), 403)
    assert ok(get(client, made["id"], P201))["member_id"] == "201"


def test_claim_for_other_areas(client, world):
    made = ok(create(client, reason_for_visit="walk-in"))
    db = world.account("vclinic")
    ctx = Ctx(world=world, db=db)
    patient, provider = db.users.get("201"), db.users.get("826")
    assert service.claim(ctx, db.intakes.get(made["id"]), provider)["member_id"] is None
    assert service.claim(ctx, db.intakes.get(made["id"]), patient)["member_id"] == "201"
    assert service.claim(ctx, db.intakes.get(made["id"]), patient)["member_id"] == "201"
    with pytest.raises(Forbidden):
        service.claim(ctx, db.intakes.get(made["id"]), db.users.get("575"))
