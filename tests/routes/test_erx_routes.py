"""ePrescribe API routes: the documented curls verbatim, prescriptions by status, saving,
updating and deleting pharmacies, every field's validation, permissions (docs/fidelity.md E1, E8-E11).
"""

from __future__ import annotations

import json

import pytest
from clinic import error, ok

T0 = 1_700_000_000
FORM = "application/x-www-form-urlencoded"
P575 = {"X-ApiToken": "c1dfcb553b2395a902722387222310a4", "X-AccountCode": "vclinic"}
P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}
PROV_826 = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}
PROV_85741 = {"X-ApiToken": "83ec6843c3af534c551ab609d869dd82"}
API_USER_TOKEN = "ab" * 16
API_USER = {"X-ApiToken": API_USER_TOKEN}
PHARMACY_KEYS = {"is_default", "name", "address", "address_more", "code", "city", "country", "state", "zip",
                 "phone", "fax", "lat", "long", "distance"}
PRESCRIPTION_KEYS = {"ID", "DrugID", "NDC", "RxNormCode", "Drug", "Supply", "Compound", "Directions", "Qty",
                     "QtyQual", "Refills", "DaysSupply", "SubstitutionAllowedFlag", "Schedule", "PharmacyNote",
                     "InternalNote", "PrescriberId", "LocationId", "PrescriptionDate", "SignDate", "Status",
                     "PharmacyNcpdpId", "RouteDetail", "PartnerMedID", "PrescriberName"}
DOC_POST = (' { "name": "A247PC00-Anesthesia 24/7, PC", "address": "Freas Avenue, 1200", "address_more": "", '
            '"code": "1001103", "city": "Berwick", "country": "", "state": "PA", "zip": "18063", '
            '"phone": "5707525572", "fax": "6153972423", "type": "mdtoolbox", "extra": { "NCPDPID": "1001103", '
            '"StoreName": "A247PC00-Anesthesia 24/7, PC", "Addr1": "1200 Freas Avenue", "Addr2": "", '
            '"City": "Berwick", "State": "PA", "Zip": "18063", "Phone": "5707525572", "Fax": "6153972423", '
            '"Email": "", "ServiceLevel": 1 } } ')


@pytest.fixture(autouse=True)
def frozen(world):
    world.clock.freeze(T0)
    world.tokens.insert({"token": API_USER_TOKEN, "user_id": "15729940", "kind": "access", "expiry": None,
                         "created": T0, "account": "vclinic"})


def pharmacies(client, headers=P575, user="575") -> list[dict]:
    return ok(client.get(f"/api_v3/users/{user}/erx/pharmacies", headers=headers))


def save(client, body, headers=P575, user="575"):
    return client.post(f"/api_v3/users/{user}/erx/pharmacies", json=body, headers=headers)


# -- the documented examples, verbatim ----------------------------------------------------------------
def test_documented_get_pharmacies(client):
    data = ok(client.get("/api_v3/users/575/erx/pharmacies", headers=P575))
    assert set(data[0]) >= PHARMACY_KEYS
    assert data[0]["is_default"] is True and data[0]["code"] == "0561539"
    assert data[0]["lat"] == 36.800488 and data[0]["distance"] == 0.95993211712521
    assert [p["is_default"] for p in data] == [True, False]


def test_documented_post_pharmacy(client):
    resp = client.post("/api_v3/users/575/erx/pharmacies", data=DOC_POST,
                       headers={**P575, "Content-Type": "application/json"})
    assert ok(resp) is True
    first = pharmacies(client)[0]
    assert first["code"] == "1001103" and first["is_default"] is True
    assert first["extra"] == json.loads(DOC_POST)["extra"]             # verbatim
    assert first["name"] == "A247PC00-Anesthesia 24/7, PC" and first["type"] == "mdtoolbox"
    assert first["lat"] is None
    assert [p["is_default"] for p in pharmacies(client)].count(True) == 1


def test_documented_delete_pharmacy(client):
    resp = client.delete("/api_v3/users/575/erx/pharmacies/12834",
                         headers={**P575, "Content-Type": "application/json"})
    assert ok(resp) is True
    assert [p["code"] for p in pharmacies(client)] == ["0561539"]
    error(client.delete("/api_v3/users/575/erx/pharmacies/12834", headers=P575), 404)


def test_prescriptions_current_by_default(client):
    data = ok(client.get("/api_v3/users/575/erx/prescriptions", headers=P575))
    assert len(data) == 1 and set(data[0]) == PRESCRIPTION_KEYS
    assert data[0]["Drug"] == "12 Hour Nasal 0.05% nasal spray" and data[0]["Qty"] == 5
    assert ok(client.get("/api_v3/users/575/erx/prescriptions?status=current", headers=P575)) == data
    assert ok(client.get("/api_v3/users/575/erx/prescriptions?status=Discontinued", headers=P575)) == []
    assert ok(client.get("/api_v3/users/-/erx/prescriptions", headers=P201))[0]["ID"] == "97316"


def test_prescription_status_errors(client):
    error(client.get(f"/api_v3/users/575/erx/prescriptions?status={'x' * 65}", headers=P575), 400, "status")


# -- saving -------------------------------------------------------------------------------------------
def test_every_documented_field_as_a_form(client):
    body = ("name=1010 University Avenue&address=1010 UNIVERSITY AVENUE, SAN DIEGO, CA, 92103&address_more="
            "&code=5555009&city=Los Angeles&country=&state=CA&zip=90027&phone=4017707046&fax=8663528725"
            "&lat=36.800488&long=-116.718750&distance=0.95993211712521&type=mdtoolbox"
            "&extra[NCPDPID]=5555009&extra[ServiceLevel]=1")
    assert ok(client.post("/api_v3/users/575/erx/pharmacies", data=body, content_type=FORM, headers=P575))
    first = pharmacies(client)[0]
    assert first == {"is_default": True, "name": "1010 University Avenue",
                     "address": "1010 UNIVERSITY AVENUE, SAN DIEGO, CA, 92103", "address_more": "",
                     "code": "5555009", "city": "Los Angeles", "country": "", "state": "CA", "zip": "90027",
                     "phone": "4017707046", "fax": "8663528725", "lat": 36.800488, "long": -116.71875,
                     "distance": 0.95993211712521, "type": "mdtoolbox",
                     "extra": {"NCPDPID": "5555009", "ServiceLevel": "1"}}


def test_numbers_as_json_numbers_and_extra_as_json_text(client):
    assert ok(save(client, {"code": 4242, "zip": 90027, "phone": 8663528725, "lat": 34, "long": "-118.2",
                            "distance": 0}))
    first = pharmacies(client)[0]
    assert (first["code"], first["zip"], first["phone"]) == ("4242", "90027", "8663528725")
    assert (first["lat"], first["long"], first["distance"]) == (34.0, -118.2, 0.0)
    assert ok(client.post("/api_v3/users/575/erx/pharmacies", headers=P575,
                          data={"code": "4343", "extra": '{"a": [1, {"b": null}]}'}))
    assert pharmacies(client)[0]["extra"] == {"a": [1, {"b": None}]}


def test_same_code_updates_and_becomes_default(client):
    ok(save(client, {"code": "12834", "name": "Silver Lake Pharmacy (new hours)"}))
    listed = pharmacies(client)
    assert [p["code"] for p in listed] == ["12834", "0561539"]
    assert listed[0]["name"] == "Silver Lake Pharmacy (new hours)" and listed[0]["city"] == "Los Angeles"
    assert [p["is_default"] for p in listed] == [True, False]


def test_deleting_the_default_promotes_the_most_recent(client, world):
    ok(save(client, {"code": "A1"}))
    world.clock.freeze(T0 + 10)
    ok(save(client, {"code": "B2"}))
    ok(client.delete("/api_v3/users/575/erx/pharmacies/B2", headers=P575))
    listed = pharmacies(client)
    assert listed[0]["code"] == "A1" and listed[0]["is_default"] is True
    assert sum(p["is_default"] for p in listed) == 1


def test_deleting_the_last_leaves_an_empty_list(client):
    ok(client.delete("/api_v3/users/-/erx/pharmacies/5555008", headers=P201))
    assert pharmacies(client, P201, "-") == []


def test_null_means_blank(client):
    ok(save(client, {"code": "N1", "fax": None, "lat": None, "extra": None}))
    first = pharmacies(client)[0]
    assert (first["fax"], first["lat"], first["extra"]) == ("", None, {})


@pytest.mark.parametrize(("body", "field"), [
    ({}, "code"),
    ({"name": "x"}, "code"),
    ({"code": ""}, "code"),
    ({"code": "a/b"}, "code"),
    ({"code": "x" * 65}, "code"),
    ({"code": ["1"]}, "code"),
    ({"code": {"a": 1}}, "code"),
    ({"code": True}, "code"),
    ({"code": "1", "name": ["a"]}, "name"),
    ({"code": "1", "name": "x" * 256}, "name"),
    ({"code": "1", "address": {"a": 1}}, "address"),
    ({"code": "1", "state": [1]}, "state"),
    ({"code": "1", "phone": "call me"}, "phone"),
    ({"code": "1", "fax": {"a": 1}}, "fax"),
    ({"code": "1", "lat": "north"}, "lat"),
    ({"code": "1", "lat": 91}, "lat"),
    ({"code": "1", "lat": True}, "lat"),
    ({"code": "1", "long": "1e999"}, "long"),
    ({"code": "1", "long": [1]}, "long"),
    ({"code": "1", "distance": -1}, "distance"),
    ({"code": "1", "distance": "NaN"}, "distance"),
    ({"code": "1", "distance": 10**400}, "distance"),
    ({"code": "1", "extra": [1, 2]}, "extra"),
    ({"code": "1", "extra": "not json"}, "extra"),
    ({"code": "1", "extra": 5}, "extra"),
    ({"code": "1", "type": {"t": 1}}, "type"),
])
def test_bad_fields_are_400_naming_them(client, body, field):
    error(save(client, body), 400, field)
    assert [p["code"] for p in pharmacies(client)] == ["0561539", "12834"]   # nothing written


def test_every_bad_field_at_once(client):
    body = error(save(client, {"lat": 100, "phone": "call me"}), 400)
    assert set(body["errors"]) == {"code", "lat", "phone"}


def test_huge_values(client):
    error(save(client, {"code": "1", "name": "x" * 100_000}), 400, "name")
    error(save(client, {"code": "1", "lat": "9" * 100_000}), 400, "lat")
    ok(save(client, {"code": "1", "extra": {"k": "x" * 100_000}}))


# -- permissions --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api_v3/users/575/erx/prescriptions"),
    ("GET", "/api_v3/users/575/erx/pharmacies"),
    ("POST", "/api_v3/users/575/erx/pharmacies"),
    ("DELETE", "/api_v3/users/575/erx/pharmacies/12834"),
])
def test_permissions(client, method, path):
    body = {"code": "777"} if method == "POST" else None
    error(client.open(path, method=method, json=body), 401)
    error(client.open(path, method=method, json=body, headers=P201), 403)
    error(client.open(path, method=method, json=body, headers=PROV_85741), 403)
    assert client.open(path, method=method, json=body, headers=PROV_826).status_code == 200
    error(client.open(path.replace("575", "999999"), method=method, json=body, headers=API_USER), 404)
    error(client.open(path.replace("575", "826"), method=method, json=body, headers=API_USER), 400, "id")


def test_staff_act_for_any_patient(client):
    ok(save(client, {"code": "S1"}, headers=API_USER, user="201"))
    assert pharmacies(client, P201, "201")[0]["code"] == "S1"
