"""Rooms API routes: status, body and error body of every endpoint (docs/fidelity.md R1-R12).

The documented curl commands are sent as the doc writes them (headers, multipart form
fields); the provider workflow ("Provider Side Integration", use case #2) runs end to end.
"""

from __future__ import annotations

import re

import pytest
from clinic import error, ok

from vsee_sim.api.users.rules import US_STATES

T0 = 1_700_000_000
ACCOUNT = {"X-AccountCode": "vclinic"}
PROVIDER_TOKEN = "83ec6843c3af534c551ab609d869dd82"      # provider 85741
PATIENT_TOKEN = "5a2eb231d652b49f4d7fc0fbb78328fb"       # patient 575
OTHER_PROVIDER_TOKEN = "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"  # provider 826
STAFF_TOKEN = "0123456789abcdef0123456789abcdef"         # minted below for API user 15729940
PROVIDER = {**ACCOUNT, "X-ApiToken": PROVIDER_TOKEN}
PATIENT = {**ACCOUNT, "X-ApiToken": PATIENT_TOKEN}
STAFF = {**ACCOUNT, "X-ApiToken": STAFF_TOKEN}
MULTIPART = "multipart/form-data"
ROOM_CODE = re.compile(r"^[a-z0-9]{5}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEMO_ROOMS = ["ceproom1", "room1", "example-room-code", "234yn", "vclinicroom", "b4vjj", "abc"]

# The documented keys of each example, in the doc's words.
LIST_KEYS = {"slug", "name", "domain", "code", "created", "modified"}
CREATED_KEYS = {"visits", "auth", "subtitle", "slug", "name", "domain", "active", "users", "account_code",
                "provider_ids", "public_access_room", "modified", "created", "payment", "operation_settings",
                "id", "code"}
SHOW_KEYS = {"description", "specialties", "modified", "created", "payment", "slug", "name", "domain", "code",
             "account_code"}
PROVIDER_KEYS = {"id", "username", "code", "subtype", "first_name", "last_name", "vseeid", "photo", "title",
                 "suffix", "status", "short_bio"}
PROVIDER_DETAIL_KEYS = {"id", "code", "first_name", "last_name", "username", "vseeid", "email", "active", "title",
                        "suffix", "tos", "phone", "subtype", "status", "educational_training",
                        "professional_interests", "personal_interests"}
USER_ROOM_KEYS = {"_id", "slug", "name", "domain", "code", "active", "users", "account_code", "provider_ids",
                  "public_access_room", "modified", "created", "payment", "default"}
CONSULTATION_KEYS = {"id", "description", "duration", "amount", "group", "charge", "slots"}


def new_room(client, headers=PROVIDER, **fields):
    body = {"domain": "vclinic.vsee.me", "slug": "provider00102", "name": "provider00102 room", **fields}
    return client.post("/api_v3/rooms", data=body, headers=headers)


def schedules(world, provider_id: str) -> list[dict]:
    return world.accounts["vclinic"].schedules.find("provider_id", provider_id)


@pytest.fixture(autouse=True)
def frozen(world):
    world.clock.freeze(T0)
    world.tokens.insert({"token": STAFF_TOKEN, "user_id": "15729940", "kind": "access", "expiry": None,
                         "created": T0, "account": "vclinic"})


# -- GET /rooms --------------------------------------------------------------------------------
def test_list_rooms_documented_curl(client):
    rooms = ok(client.get("/api_v3/rooms", headers=ACCOUNT))
    assert [r["code"] for r in rooms] == DEMO_ROOMS
    for room in rooms:
        assert set(room) >= LIST_KEYS
        assert isinstance(room["created"], int) and isinstance(room["modified"], int)
    room1 = rooms[1]
    assert (room1["slug"], room1["name"], room1["domain"]) == ("room1", "Room 1", "demo.vsee.me")
    assert [r["code"] for r in rooms if r["default"]] == ["ceproom1"]


@pytest.mark.parametrize("path", ["/api_v3/rooms.json", "/vc/next/api_v3/rooms", "/vc/stable/api_v3/rooms.json"])
def test_list_rooms_is_public_on_every_base_path(client, path):
    assert len(ok(client.get(path))) == len(DEMO_ROOMS)
    # A bad token does not matter on a public endpoint.
    assert len(ok(client.get(path, headers={"X-ApiToken": "nope"}))) == len(DEMO_ROOMS)


# -- POST /rooms -------------------------------------------------------------------------------
def test_create_room_documented_curl(client, world):
    resp = client.post("/api_v3/rooms", headers={"X-AccountCode": "vclinic", "X-ApiToken": PROVIDER_TOKEN},
                       content_type=MULTIPART,
                       data={"domain": "vclinic.vsee.me", "slug": "provider00102", "name": "provider00102 room"})
    room = ok(resp)
    assert set(room) >= CREATED_KEYS
    assert (room["slug"], room["name"], room["domain"]) == ("provider00102", "provider00102 room", "vclinic.vsee.me")
    assert room["visits"] == {"walkin": {"enabled": True}, "appointment": {"enabled": False}}
    assert room["auth"] == {"guest": {"type": 600, "log_in": {"enabled": True}}}
    assert room["subtitle"] == "If this is an emergency, please call 911."
    assert room["active"] is True and room["public_access_room"] is True and room["default"] is False
    assert room["users"] == "85741" and room["provider_ids"] == ["85741"]
    assert room["account_code"] == "vclinic"
    assert room["created"] == room["modified"] == T0
    assert room["id"].isdigit() and ROOM_CODE.match(room["code"])
    payment = room["payment"]
    assert payment["currency"] == "USD" and payment["__note__"].startswith("paymentCurrency")
    [consultation] = payment["consultations"]
    assert set(consultation) >= CONSULTATION_KEYS and UUID.match(consultation["id"])
    assert {k: consultation[k] for k in CONSULTATION_KEYS - {"id"}} == {
        "description": "15-min Consultation", "duration": 15, "amount": 0, "group": False, "charge": False,
        "slots": 1}
    assert room["operation_settings"] == {
        "is_closed": False, "close_msg": "Service currently not available. Please check back later",
        "default_timezone": "America/Los_Angeles"}
    # It is there for everyone to see, and the provider can be booked in it at once.
    assert ok(client.get(f"/api_v3/rooms/{room['code']}"))["id"] == room["id"]
    assert [p["id"] for p in ok(client.get(f"/api_v3/rooms/{room['code']}/providers"))] == ["85741"]
    [schedule] = [s for s in schedules(world, "85741") if s["room_code"] == room["code"]]
    assert schedule["timezone"] == "America/Los_Angeles"
    assert schedule["weekly"] == {**{d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                                  "sat": [], "sun": []}
    assert set(schedule["licensed_states"]) == US_STATES and UUID.match(schedule["id"])


def test_create_room_json_body_with_code_and_suffix(client):
    resp = client.post("/api_v3/rooms.json", headers=PROVIDER,
                       json={"domain": "vclinic.vsee.me", "slug": "dr_who-1", "name": "Dr Who", "code": "Dr-Who_1"})
    room = ok(resp)
    assert (room["code"], room["slug"]) == ("Dr-Who_1", "dr_who-1")
    assert ok(client.get("/api_v3/rooms/Dr-Who_1"))["name"] == "Dr Who"


def test_create_room_blank_code_is_generated(client):
    assert ROOM_CODE.match(ok(new_room(client, code=""))["code"])


def test_created_rooms_get_distinct_codes_and_ids(client):
    first = ok(new_room(client, slug="a1"))
    second = ok(new_room(client, slug="a2"))
    assert first["code"] != second["code"] and int(second["id"]) == int(first["id"]) + 1


def test_create_room_default_moves_the_account_default(client):
    room = ok(new_room(client, default="1"))
    assert room["default"] is True
    rooms = ok(client.get("/api_v3/rooms"))
    assert [r["code"] for r in rooms if r["default"]] == [room["code"]]
    assert ok(client.get("/api_v3/rooms/ceproom1"))["default"] is False


def test_create_room_default_false_keeps_the_account_default(client):
    assert ok(new_room(client, default="false"))["default"] is False
    assert ok(client.get("/api_v3/rooms/ceproom1"))["default"] is True


def test_staff_may_create_a_room_without_joining_it(client, world):
    room = ok(new_room(client, headers=STAFF))
    assert room["provider_ids"] == [] and room["users"] == ""
    assert ok(client.get(f"/api_v3/rooms/{room['code']}/providers")) == []
    assert schedules(world, "15729940") == []


def test_create_room_needs_a_token(client):
    error(new_room(client, headers=ACCOUNT), 401)
    error(new_room(client, headers={**ACCOUNT, "X-ApiToken": "0" * 32}), 401)


def test_patients_may_not_create_rooms(client):
    error(new_room(client, headers=PATIENT), 403)
    assert len(ok(client.get("/api_v3/rooms"))) == len(DEMO_ROOMS)


@pytest.mark.parametrize("field", ["domain", "name"])
def test_create_room_missing_field(client, field):
    body = {"domain": "vclinic.vsee.me", "slug": "s1", "name": "n1"}
    del body[field]
    err = error(client.post("/api_v3/rooms", data=body, headers=PROVIDER), 400, field)
    assert list(err["errors"]) == [field]


def test_create_room_empty_body_names_every_missing_field(client):
    err = error(client.post("/api_v3/rooms", headers=PROVIDER), 400)
    assert set(err["errors"]) == {"domain", "name"}
    for field in ("domain", "name"):
        assert field in err["message"]


def test_create_room_without_slug_as_the_table_documents_it(client):
    """The parameter table lists domain, code, default and name; only the curl sends slug."""
    room = ok(client.post("/api_v3/rooms", json={"domain": "vclinic.vsee.me", "name": "Dr Who's room",
                                                 "code": "drwho"}, headers=PROVIDER))
    assert (room["code"], room["slug"]) == ("drwho", "drwho")
    room = ok(client.post("/api_v3/rooms", json={"domain": "vclinic.vsee.me", "name": "Dr Who's room"},
                          headers=PROVIDER))
    assert room["slug"] == "Dr-Who-s-room"
    error(client.post("/api_v3/rooms", json={"domain": "vclinic.vsee.me", "name": "Dr Who's room"},
                      headers=PROVIDER), 400, "slug")     # the same derived slug twice is a duplicate


@pytest.mark.parametrize("field, value", [
    ("slug", "has space"), ("slug", "a/b"), ("slug", "x" * 65), ("slug", "   "), ("slug", "café"),
    ("code", "bad code!"), ("code", "x" * 33), ("code", "a.b"),
    ("domain", "https://vclinic.vsee.me/"), ("domain", "two words"), ("domain", " "),
    ("name", "   "), ("name", "n" * 256),
    ("default", "maybe"),
])
def test_create_room_bad_field(client, field, value):
    error(new_room(client, **{field: value}), 400, field)


@pytest.mark.parametrize("field, value", [("slug", ["a"]), ("name", {"a": 1}), ("default", [1]), ("code", None)])
def test_create_room_bad_json_types_are_400(client, field, value):
    body = {"domain": "vclinic.vsee.me", "slug": "s1", "name": "n1", field: value}
    error(client.post("/api_v3/rooms", json=body, headers=PROVIDER), 400, field)


@pytest.mark.parametrize("slug", ["room1", "ROOM1", "provider00101", "UAT", "uat"])
def test_create_room_duplicate_slug_is_400(client, slug):
    err = error(new_room(client, slug=slug), 400, "slug")
    assert "already exists" in err["message"]


@pytest.mark.parametrize("code", ["ceproom1", "CEPROOM1", "b4vjj"])
def test_create_room_duplicate_code_is_400(client, code):
    error(new_room(client, code=code), 400, "code")


def test_create_room_twice_is_400_the_second_time(client, world):
    ok(new_room(client))
    error(new_room(client), 400, "slug")
    assert len(ok(client.get("/api_v3/rooms"))) == len(DEMO_ROOMS) + 1
    assert len(schedules(world, "85741")) == 1


def test_failed_create_room_writes_nothing(client):
    # The default would have moved before the duplicate code was found if checks came late.
    error(new_room(client, code="room1", default="1"), 400, "code")
    assert ok(client.get("/api_v3/rooms/ceproom1"))["default"] is True


# -- GET /rooms/:code ----------------------------------------------------------------------------
def test_show_room_documented_curl(client):
    room = ok(client.get("/api_v3/rooms/room1", headers=ACCOUNT))
    assert set(room) >= SHOW_KEYS
    assert (room["slug"], room["name"], room["code"], room["description"]) == ("room1", "Room 1", "room1", "")
    assert (room["created"], room["modified"]) == (1446802721, 1466796316)
    assert [s["code"] for s in room["specialties"]] == ["general_care", "primary_care", "psychiatry", "dermatology"]
    assert room["payment"]["paymentCurrency"] == "USD"
    assert [(c["description"], c["amount"], c["duration"]) for c in room["payment"]["consultations"]] == [
        ("15-min Consultation", 0, 15), ("30 min", 20, 30), ("45 min", 40, 45)]
    assert room["account_code"] == "vclinic"


def test_show_room_json_suffix_and_no_header(client):
    assert ok(client.get("/api_v3/rooms/ceproom1.json"))["name"] == "CEP Room 1"


def test_show_unknown_room_is_404(client):
    err = error(client.get("/api_v3/rooms/nosuch", headers=ACCOUNT), 404)
    assert "nosuch" in err["message"]


# -- GET /rooms/:code/providers ------------------------------------------------------------------
def test_room_providers_documented_curl(client):
    providers = ok(client.get("/api_v3/rooms/example-room-code/providers", headers={"X-AccountCode": "vclinic"}))
    assert providers == [{
        "id": "401", "username": "provider-401", "code": "", "subtype": "482", "first_name": "Jarod",
        "last_name": "Sun 401", "vseeid": "evisitdev+user401", "photo": None, "title": "", "suffix": "",
        "status": False, "short_bio": False}]


def test_room_providers_in_room_order(client):
    providers = ok(client.get("/api_v3/rooms/ceproom1/providers.json"))
    assert [p["id"] for p in providers] == ["826", "509", "541", "1096"]
    for provider in providers:
        assert set(provider) >= PROVIDER_KEYS
        assert "email" not in provider and "password" not in provider


def test_room_without_providers(client):
    assert ok(client.get("/api_v3/rooms/b4vjj/providers")) == []


def test_room_providers_unknown_room_is_404(client):
    error(client.get("/api_v3/rooms/nosuch/providers"), 404)


# -- GET /rooms/:code/providers/:id ---------------------------------------------------------------
def test_room_provider_documented_curl(client):
    provider = ok(client.get("/api_v3/rooms/ceproom1/providers/826", headers={"X-AccountCode": "vclinic"}))
    assert set(provider) >= PROVIDER_DETAIL_KEYS
    assert {k: provider[k] for k in PROVIDER_DETAIL_KEYS} == {
        "id": "826", "code": "55de45a2ce384a24ad633301ac1f0144", "first_name": "John", "last_name": "Will",
        "username": "provider1", "vseeid": "conciergedev+user826", "email": "anton+provider1@vsee.com",
        "active": True, "title": "Dr.", "suffix": "M.D.", "tos": False, "phone": "334 2222211",
        "subtype": "482", "status": False, "educational_training": "edu and training...",
        "professional_interests": "interests...", "personal_interests": "some personal hobby"}
    assert "password" not in provider


@pytest.mark.parametrize("path", [
    "/api_v3/rooms/nosuch/providers/826",      # unknown room
    "/api_v3/rooms/ceproom1/providers/401",    # a provider, not of this room
    "/api_v3/rooms/ceproom1/providers/575",    # a patient
    "/api_v3/rooms/ceproom1/providers/999999",  # nobody
])
def test_room_provider_not_found(client, path):
    error(client.get(path), 404)


# -- POST /users/:id/rooms ---------------------------------------------------------------------------
def test_user_rooms_documented_curl(client, world):
    resp = client.post("/api_v3/users/85741/rooms",
                       headers={"X-AccountCode": "vclinic", "X-ApiToken": PROVIDER_TOKEN},
                       content_type=MULTIPART, data={"code": "b4vjj"})
    [room] = ok(resp)
    assert set(room) >= USER_ROOM_KEYS
    assert (room["_id"], room["code"], room["slug"]) == ("171", "b4vjj", "provider00101")
    assert room["users"] == "85741" and room["provider_ids"] == ["85741"]
    assert room["active"] is True and room["public_access_room"] is True and room["default"] is False
    assert room["created"] == {"sec": 1605728974, "usec": 0}
    assert room["modified"] == {"sec": T0, "usec": 0}
    [consultation] = room["payment"]["consultations"]
    assert set(consultation) >= CONSULTATION_KEYS
    assert consultation["id"] == "5fb57ace-4808-4346-ad3c-3348925862c1"
    assert [p["id"] for p in ok(client.get("/api_v3/rooms/b4vjj/providers"))] == ["85741"]
    assert [s["room_code"] for s in schedules(world, "85741")] == ["b4vjj"]


def test_user_rooms_is_idempotent(client, world):
    first = ok(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "b4vjj"}))
    again = ok(client.post("/api_v3/users/-/rooms.json", headers=PROVIDER, json={"code": "b4vjj"}))
    assert again == first
    assert ok(client.get("/api_v3/rooms/b4vjj"))["provider_ids"] == ["85741"]
    assert len(schedules(world, "85741")) == 1


def test_user_rooms_keeps_an_existing_schedule(client, world):
    before = [s for s in schedules(world, "826") if s["room_code"] == "ceproom1"]
    rooms = ok(client.post("/api_v3/users/826/rooms", headers=STAFF, data={"code": "ceproom1"}))
    assert [r["code"] for r in rooms] == ["ceproom1"]
    assert [s for s in schedules(world, "826") if s["room_code"] == "ceproom1"] == before


def test_user_rooms_default_is_per_user(client):
    ok(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "b4vjj"}))
    rooms = ok(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "room1", "default": "true"}))
    assert {r["code"]: r["default"] for r in rooms} == {"room1": True, "b4vjj": False}
    rooms = ok(client.post("/api_v3/users/-/rooms", headers=PROVIDER, json={"code": "b4vjj", "default": True}))
    assert {r["code"]: r["default"] for r in rooms} == {"room1": False, "b4vjj": True}
    rooms = ok(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "b4vjj", "default": "0"}))
    assert {r["code"]: r["default"] for r in rooms} == {"room1": False, "b4vjj": False}
    # The account's default room is another matter.
    assert ok(client.get("/api_v3/rooms/ceproom1"))["default"] is True


def test_patient_associates_a_room_with_themself(client, world):
    rooms = ok(client.post("/api_v3/users/-/rooms", headers=PATIENT, data={"code": "room1", "default": "1"}))
    assert [(r["code"], r["default"]) for r in rooms] == [("room1", True)]
    rooms = ok(client.post("/api_v3/users/575/rooms", headers=PATIENT, data={"code": "abc"}))
    assert [(r["code"], r["default"]) for r in rooms] == [("room1", True), ("abc", False)]
    # A patient does not become a provider of the room, and gets no schedule.
    assert ok(client.get("/api_v3/rooms/room1"))["provider_ids"] == ["541", "403"]
    assert schedules(world, "575") == []
    assert world.accounts["vclinic"].users.get("575")["room_codes"] == ["room1", "abc"]


def test_staff_associates_a_room_with_anyone(client):
    rooms = ok(client.post("/api_v3/users/575/rooms", headers=STAFF, data={"code": "234yn"}))
    assert [r["code"] for r in rooms] == ["234yn"]
    rooms = ok(client.post("/api_v3/users/401/rooms", headers=STAFF, data={"code": "b4vjj"}))
    assert [r["code"] for r in rooms] == ["example-room-code", "b4vjj"]


@pytest.mark.parametrize("headers, path", [
    (PATIENT, "/api_v3/users/201/rooms"),          # another patient
    (PATIENT, "/api_v3/users/85741/rooms"),        # a provider
    (PROVIDER, "/api_v3/users/826/rooms"),         # another provider
    (PROVIDER, "/api_v3/users/575/rooms"),         # a patient
])
def test_user_rooms_for_someone_else_is_403(client, headers, path):
    error(client.post(path, headers=headers, data={"code": "b4vjj"}), 403)
    assert ok(client.get("/api_v3/rooms/b4vjj"))["provider_ids"] == []


def test_user_rooms_needs_a_token(client):
    error(client.post("/api_v3/users/85741/rooms", headers=ACCOUNT, data={"code": "b4vjj"}), 401)
    error(client.post("/api_v3/users/-/rooms", headers=ACCOUNT, data={"code": "b4vjj"}), 401)


def test_user_rooms_unknown_user_is_404(client):
    error(client.post("/api_v3/users/999999/rooms", headers=STAFF, data={"code": "b4vjj"}), 404)


def test_user_rooms_unknown_room_is_404(client):
    err = error(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "nosuch"}), 404)
    assert "nosuch" in err["message"]


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "   "}])
def test_user_rooms_without_code_is_400(client, body):
    error(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data=body), 400, "code")


def test_user_rooms_bad_default_is_400(client):
    error(client.post("/api_v3/users/-/rooms", headers=PROVIDER, data={"code": "b4vjj", "default": "maybe"}),
          400, "default")
    assert ok(client.get("/api_v3/rooms/b4vjj"))["provider_ids"] == []


def test_api_users_have_no_rooms(client):
    error(client.post("/api_v3/users/-/rooms", headers=STAFF, data={"code": "b4vjj"}), 400, "id")


# -- the provider workflow (Provider Side Integration, use case #2) --------------------------------------
def test_provider_workflow_sso_room_assign_list(client, world):
    sso = ok(client.post("/api_v3/users/sso", headers={"X-ApiKey": "vclinic_api_key"},
                         data={"type": "400", "code": "prov-7", "first_name": "Ada", "last_name": "Lovelace",
                               "email": "ada@example.com", "timezone": "America/New_York"}))
    token, provider_id = sso["token"]["token"], sso["id"]
    headers = {**ACCOUNT, "X-ApiToken": token}
    room = ok(client.post("/api_v3/rooms", headers=headers, content_type=MULTIPART,
                          data={"domain": "vclinic.vsee.me", "slug": "prov-7", "name": "Ada's room"}))
    assert room["provider_ids"] == [provider_id]
    # Step 2 again: "If the room already exists, it will return error 400."
    error(client.post("/api_v3/rooms", headers=headers, content_type=MULTIPART,
                      data={"domain": "vclinic.vsee.me", "slug": "prov-7", "name": "Ada's room"}), 400, "slug")
    rooms = ok(client.post(f"/api_v3/users/{provider_id}/rooms", headers=headers, content_type=MULTIPART,
                           data={"code": room["code"], "default": "1"}))
    assert [(r["code"], r["default"], r["provider_ids"]) for r in rooms] == [(room["code"], True, [provider_id])]
    [listed] = ok(client.get(f"/api_v3/rooms/{room['code']}/providers", headers=ACCOUNT))
    assert (listed["id"], listed["first_name"], listed["last_name"]) == (provider_id, "Ada", "Lovelace")
    assert listed["status"] is False and listed["short_bio"] is False
    detail = ok(client.get(f"/api_v3/rooms/{room['code']}/providers/{provider_id}"))
    assert detail["email"] == "ada@example.com"
    [schedule] = schedules(world, provider_id)
    assert (schedule["room_code"], schedule["timezone"]) == (room["code"], "America/New_York")
