"""EMR API routes: the documented curls verbatim, every body encoding, each error, who may
see a record, write-then-read, and the record embedded in visits (docs/fidelity.md E1-E7).
"""

from __future__ import annotations

import json

import pytest
from clinic import error, ok

from vsee_sim.api.emr.rules import SECTION_NAMES, SECTIONS

T0 = 1_700_000_000
FORM = "application/x-www-form-urlencoded"
P575 = {"X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb", "X-AccountCode": "vclinic"}
P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}
PROV_826 = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}      # ceproom1: 575 and 201 visit there
PROV_85741 = {"X-ApiToken": "83ec6843c3af534c551ab609d869dd82"}    # no rooms
API_USER_TOKEN = "ab" * 16
API_USER = {"X-ApiToken": API_USER_TOKEN}
MODIFIER_KEYS = {"id", "type", "subtype", "first_name", "last_name", "title", "Suffix", "photo"}


@pytest.fixture(autouse=True)
def frozen(world):
    world.clock.freeze(T0)
    world.tokens.insert({"token": API_USER_TOKEN, "user_id": "15729940", "kind": "access", "expiry": None,
                         "created": T0, "account": "vclinic"})


def post(client, name, body, headers=P575, user="575"):
    return client.post(f"/api_v3/users/{user}/emr/{name}", json=body, headers=headers)


# -- the documented examples, verbatim ----------------------------------------------------------------
def test_documented_get(client):
    data = ok(client.get("/api_v3/users/575/emr", headers=P575))
    assert data["allergies"]["data"] == [{"substance": "A+D"}]
    assert data["allergies"]["modified"] == 1467667527
    assert set(data["allergies"]["modified_by"]) == MODIFIER_KEYS
    assert data["allergies"]["modified_by"]["id"] == "575"
    assert data["allergies"]["modified_by"]["type"] == "200"
    assert data["conditions"]["data"] == [{"condition": "Bleeding problem"}]
    assert (data["social_history"]["data"], data["social_history"]["modified"]) == ([], 1472588123)  # as GET /visits/:id documents


def test_documented_post(client):
    resp = client.post("/api_v3/users/575/emr/conditions", headers={**P575, "Content-Type": "application/json"},
                       data='{"data":[{"condition":"Asthma"},{"condition":"Bleeding problem"}],'
                            '"data_not_reported":false}')
    data = ok(resp)
    assert data == {"data": [{"condition": "Asthma"}, {"condition": "Bleeding problem"}],
                    "data_not_reported": False, "modified": T0, "modified_by": data["modified_by"]}
    assert data["modified_by"]["id"] == "575"


@pytest.mark.parametrize("name", SECTION_NAMES)
def test_every_documented_section_body_round_trips(client, name):
    example = SECTIONS[name].example
    assert ok(post(client, name, {"data": example, "data_not_reported": False}))["data"] == example
    assert ok(client.get("/api_v3/users/-/emr", headers=P575))[name]["data"] == example


def test_schema_is_public_and_lists_the_seven_sections(client):
    data = ok(client.get("/api_v3/emr/schema.json"))
    assert list(data) == list(SECTION_NAMES)
    assert data["conditions"]["properties"]["data"]["items"]["required"] == ["condition"]
    assert data["social_history"]["properties"]["data"]["type"] == "object"
    assert data["family_conditions"]["example"]["data"][0]["relations"] == ["Mother", "Father"]


# -- encodings ----------------------------------------------------------------------------------------
def test_php_form_keys(client):
    body = ("data[0][condition]=Alcoholism&data[0][relations][]=Mother&data[0][relations][]=Father"
            "&data[1][condition]=Asthma&data[1][relations][0]=Mother&data_not_reported=false")
    data = ok(client.post("/api_v3/users/575/emr/family_conditions", data=body, content_type=FORM, headers=P575))
    assert data["data"] == [{"condition": "Alcoholism", "relations": ["Mother", "Father"]},
                            {"condition": "Asthma", "relations": ["Mother"]}]


def test_form_object_section_and_number_as_text(client):
    body = "data[marital_status]=Single&data[highest_ed]=Grammar school&data[occupation]=test&data[num_kids]=5"
    data = ok(client.post("/api_v3/users/575/emr/social_history", data=body, content_type=FORM, headers=P575))
    assert data["data"] == SECTIONS["social_history"].example


def test_json_string_in_a_form_field(client):
    body = {"data": json.dumps([{"name": "Tylenol"}]), "data_not_reported": "0"}
    assert ok(client.post("/api_v3/users/575/emr/medications", data=body, headers=P575))["data"] == [
        {"name": "Tylenol"}]


def test_multipart(client):
    data = ok(client.post("/api_v3/users/575/emr/allergies", headers=P575, content_type="multipart/form-data",
                          data={"data[0][substance]": "1-Day", "data_not_reported": "false"}))
    assert data["data"] == [{"substance": "1-Day"}]


def test_not_reported_without_data(client):
    data = ok(post(client, "health_habits", {"data_not_reported": True}))
    assert data["data"] == {} and data["data_not_reported"] is True
    data = ok(post(client, "surgeries", {"data_not_reported": "true"}))
    assert data["data"] == [] and data["data_not_reported"] is True


def test_php_empty_object_as_list(client):
    assert ok(post(client, "social_history", {"data": []}))["data"] == {}


# -- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "body", "field"), [
    ("conditions", {}, "data"),
    ("conditions", {"data": {"condition": "Asthma"}}, "data"),
    ("conditions", {"data": "Asthma"}, "data"),
    ("conditions", {"data": "[not json"}, "data"),
    ("conditions", {"data": [{"condition": ""}]}, "data[0].condition"),
    ("conditions", {"data": [{"procedure": "x"}]}, "data[0].procedure"),
    ("conditions", {"data": [{"condition": {"a": 1}}]}, "data[0].condition"),
    ("conditions", {"data": ["Asthma"]}, "data[0]"),
    ("conditions", {"data": [{"condition": "x" * 256}]}, "data[0].condition"),
    ("conditions", {"data": [{"condition": "x"}] * 101}, "data"),
    ("family_conditions", {"data": [{"condition": "x", "relations": {"a": 1}}]}, "data[0].relations"),
    ("family_conditions", {"data": [{"condition": "x", "relations": [["a"]]}]}, "data[0].relations[0]"),
    ("social_history", {"data": [{"marital_status": "x"}]}, "data"),
    ("social_history", {"data": {"num_kids": "five"}}, "data.num_kids"),
    ("social_history", {"data": {"num_kids": 10**6}}, "data.num_kids"),
    ("health_habits", {"data": {"smoking": ["Never"]}}, "data.smoking"),
    ("health_habits", {"data": {"smoking": "Never"}, "data_not_reported": "maybe"}, "data_not_reported"),
    ("health_habits", {"data": {"smoking": "Never"}, "data_not_reported": [1]}, "data_not_reported"),
])
def test_bad_sections_are_400_naming_the_field(client, name, body, field):
    body = error(post(client, name, body), 400, field)
    assert name in body["message"] or field == "data"
    assert ok(client.get("/api_v3/users/575/emr", headers=P575))["conditions"]["data"] == [
        {"condition": "Bleeding problem"}]   # nothing half-written


def test_every_error_reported_at_once(client):
    body = error(post(client, "family_conditions", {
        "data": [{"condition": ""}, {"relations": "x"}, {"bogus": 1, "condition": "ok"}]}), 400)
    assert set(body["errors"]) == {"data[0].condition", "data[1].condition", "data[2].bogus"}


def test_body_that_is_not_an_object(client):
    error(client.post("/api_v3/users/575/emr/conditions", data="[1, 2]", headers={**P575,
          "Content-Type": "application/json"}), 400)
    error(client.post("/api_v3/users/575/emr/conditions", data="{bad", headers={**P575,
          "Content-Type": "application/json"}), 400)


def test_unknown_section_is_404(client):
    assert "conditions" in error(post(client, "vitals", {"data": []}), 404)["message"]


def test_unknown_user_is_404(client):
    error(client.get("/api_v3/users/999999/emr", headers=API_USER), 404)
    error(post(client, "conditions", {"data": []}, headers=API_USER, user="999999"), 404)


def test_a_provider_has_no_record(client):
    error(client.get("/api_v3/users/-/emr", headers=PROV_826), 400, "id")


def test_no_token_is_401(client):
    error(client.get("/api_v3/users/575/emr"), 401)
    error(client.post("/api_v3/users/575/emr/conditions", json={"data": []}), 401)


# -- who may see a record -----------------------------------------------------------------------------
def test_patients_see_only_their_own(client):
    error(client.get("/api_v3/users/575/emr", headers=P201), 403)
    error(post(client, "conditions", {"data": []}, headers=P201), 403)
    assert ok(client.get("/api_v3/users/-/emr", headers=P201)) == {}


def test_providers_see_their_rooms_patients(client):
    assert ok(client.get("/api_v3/users/575/emr", headers=PROV_826))["allergies"]
    saved = ok(post(client, "medications", {"data": [{"name": "Ibuprofen"}]}, headers=PROV_826))
    assert saved["modified_by"]["id"] == "826" and saved["modified_by"]["type"] == "400"
    error(client.get("/api_v3/users/575/emr", headers=PROV_85741), 403)
    error(post(client, "medications", {"data": []}, headers=PROV_85741), 403)


def test_staff_see_any(client):
    assert ok(client.get("/api_v3/users/575/emr", headers=API_USER))["conditions"]
    assert ok(post(client, "conditions", {"data": []}, headers=API_USER, user="201"))["data"] == []


def test_a_patient_who_books_into_a_providers_room_becomes_visible(client, world):
    error(client.get("/api_v3/users/201/emr", headers=PROV_85741), 403)
    db = world.account("vclinic")
    db.rooms.update(db.rooms.find_one("code", "room1")["id"], provider_ids=["541", "403", "85741"])
    db.visits.insert({"id": "990001", "member_id": "201", "room_code": "room1", "status": 10, "type": 1})
    assert ok(client.get("/api_v3/users/201/emr", headers=PROV_85741)) == {}


# -- state --------------------------------------------------------------------------------------------
def test_write_then_read_keeps_other_sections(client, world):
    ok(post(client, "conditions", {"data": [{"condition": "Asthma"}]}))
    world.clock.freeze(T0 + 60)
    ok(post(client, "health_habits", {"data": {"smoking": "Never"}}))
    data = ok(client.get("/api_v3/users/575/emr", headers=P575))
    assert data["conditions"]["data"] == [{"condition": "Asthma"}]
    assert data["conditions"]["modified"] == T0
    assert data["health_habits"] == {"data": {"smoking": "Never"}, "data_not_reported": False,
                                     "modified": T0 + 60, "modified_by": data["health_habits"]["modified_by"]}
    assert data["surgeries"]["data"] == [{"procedure": "C-section"}, {"procedure": "Heart valve replaced"}]


def test_first_section_creates_the_record(client, world):
    ok(post(client, "allergies", {"data": [{"substance": "Peanuts"}]}, headers=P201, user="-"))
    record = world.account("vclinic").emr.get("201")
    assert record["created"] == T0 and record["user_id"] == "201"
    assert record["allergies"]["modified_by"] == "201"


def test_unknown_modifier_shows_an_empty_object(client, world):
    db = world.account("vclinic")
    db.emr.update("575", conditions={**db.emr.get("575")["conditions"], "modified_by": "424242"})
    assert ok(client.get("/api_v3/users/575/emr", headers=P575))["conditions"]["modified_by"] == {}


# -- the record embedded in visits --------------------------------------------------------------------
def test_visit_embeds_the_record(client):
    ok(post(client, "social_history", {"data": SECTIONS["social_history"].example}, headers=PROV_826))
    visit = ok(client.get("/api_v3/visits/7727", headers=P575))
    profile = visit["intake"]["medical_profile"]
    assert profile["_id"].startswith("553ea41e") and len(profile["_id"]) == 24
    assert profile["user_id"] == "575"
    assert profile["created"] == {"sec": 1430168606, "usec": 0}
    assert profile["modified"] == {"sec": T0, "usec": 0}
    social = profile["social_history"]
    assert social["data"] == SECTIONS["social_history"].example
    assert social["modifiedBy"] == "John Will"
    assert social["modified_by"]["id"] == "826"
    assert profile["allergies"]["modifiedBy"] == "Keven2 Teodoro2"
