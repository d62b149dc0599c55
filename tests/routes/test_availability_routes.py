"""GET /availability: the documented curls, the 8 rows of the start/end/duration table on
the demo schedules with a frozen clock, bookings, filters, credentials and errors
(docs/fidelity.md AV1-AV10, DESIGN 6)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"     # patient 201
PROVIDER_TOKEN = "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"  # provider 826
ME = {"X-ApiToken": DEMO_TOKEN}
KEYS = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key", "X-ApiSecret": "vclinic_api_secret"}
LA = ZoneInfo("America/Los_Angeles")
CEP15 = "551c5c50-6cbb-497a-aaf5-3333ac1f0144"        # ceproom1's first consultation, 15 min
CURL2 = ("/api_v3/availability?consultation_id=593999b2-08e4-404c-82f8-772dc0a8016f"
         "&start=1497063600&end=1497065400&location=AL&room_code=234yn")
SLOT_KEYS = {"slot_id", "slot_start", "slot_end", "slot_booked", "slot_available", "group_id",
             "provider_id", "room_code"}
SCHEDULE_826 = "551c5c50-88aa-486b-bf24-a739ac1f0144"


def la(day: int, hour: int = 0, minute: int = 0) -> int:
    """June 2024 in Los Angeles (PDT): the 3rd is a Monday."""
    return int(datetime(2024, 6, day, hour, minute, tzinfo=LA).timestamp())


NOW = la(3, 7)  # Monday 07:00, before any provider of ceproom1 starts


def error(resp, status: int, *fields: str) -> dict:
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert body["code"] == status and body["message"]
    for field in fields:
        assert field in body["message"] and field in body.get("errors", {}), body
    return body


def slots(resp) -> list[dict]:
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert list(body) == ["data"] and list(body["data"]) == ["slots"]
    for slot in body["data"]["slots"]:
        assert set(slot) == SLOT_KEYS
        assert slot["slot_id"].isdigit()
        assert slot["slot_booked"] in (0, 1) and slot["slot_available"] in (0, 1)
    found = body["data"]["slots"]
    assert found == sorted(found, key=lambda s: (s["slot_start"], int(s["provider_id"])))
    return found


def get(client, headers=ME, **params):
    return client.get("/api_v3/availability", query_string=params, headers=headers)


@pytest.fixture()
def vclinic(world):
    return world.account("vclinic")


@pytest.fixture()
def frozen(world):
    world.clock.freeze(NOW)
    return world


def add_visit(vclinic, provider_id: str, start: int, end: int, *, status: int = 20, type_: int = 2,
              visit_id: str = "990001"):
    vclinic.visits.insert({"id": visit_id, "provider_id": provider_id, "room_code": "ceproom1", "member_id": "201",
                           "type": type_, "status": status, "start": start, "end": end})


# -- the documented examples -----------------------------------------------------------------
def test_first_curl_at_real_time_finds_the_next_free_slot(client, world):
    found = slots(client.get("/api_v3/availability", headers=ME))
    assert found, "the weekly schedules recur: there is always a next slot"
    first = found[0]
    assert first["slot_available"] == 1 and first["slot_booked"] == 0 and first["room_code"] == "ceproom1"
    assert first["slot_start"] >= world.clock.ts() and first["slot_end"] - first["slot_start"] == 900
    assert found[-1]["slot_end"] <= first["slot_start"] + 4 * 86400


def test_second_curl_at_real_time_lists_the_slot_as_past(client):
    resp = client.get(CURL2, headers={"x-accountcode": "vclinic", "x-apikey": "vclinic_api_key",
                                      "x-apisecret": "vclinic_api_secret"})
    assert slots(resp) == [{"slot_id": "249510601096", "slot_start": 1497063600, "slot_end": 1497065400,
                            "slot_booked": 0, "slot_available": 0,
                            "group_id": "593999b2-536c-472f-a7ac-5ce8ac1f0144",
                            "provider_id": "1096", "room_code": "234yn"}]


def test_second_curl_before_the_slot_answers_as_documented(client, world):
    world.clock.freeze(1497000000)
    resp = client.get(CURL2, headers={"x-accountcode": "vclinic", "x-apikey": "vclinic_api_key",
                                      "x-apisecret": "vclinic_api_secret"})
    (slot,) = slots(resp)
    assert slot == {"slot_id": "249510601096", "slot_start": 1497063600, "slot_end": 1497065400,
                    "slot_booked": 0, "slot_available": 1, "group_id": "593999b2-536c-472f-a7ac-5ce8ac1f0144",
                    "provider_id": "1096", "room_code": "234yn"}


# -- the 8 rows of the table ---------------------------------------------------------------------
@pytest.mark.parametrize(("params", "first", "last", "count"), [
    ({}, la(3, 8), la(6, 19, 45), None),                                            # 1: available .. +4d
    ({"start": la(4)}, la(4, 8), la(7, 19, 45), None),                              # 2: start .. +4d
    ({"start": la(3, 9), "end": la(3, 10)}, la(3, 9), la(3, 9, 45), 16),            # 3: start .. end
    ({"start": la(3, 9), "duration": 3600}, la(3, 9), la(3, 9, 45), 16),            # 4: start .. +duration
    ({"end": la(5)}, la(1, 9), la(4, 19, 45), None),                                # 5: end-4d .. end
    ({"end": la(3, 10), "duration": 7200}, la(3, 8), la(3, 9, 45), 2 * 8 + 2 * 4),  # 6: end-duration .. end
    ({"duration": 3600}, la(3, 8), la(3, 8, 45), 8),                                # 7: available .. +duration
    ({"start": la(3, 9), "end": la(3, 10), "duration": 99999}, la(3, 9), la(3, 9, 45), 16),  # 8: duration ignored
], ids=[f"rule{i}" for i in range(1, 9)])
def test_each_row_of_the_table(client, frozen, params, first, last, count):
    found = slots(get(client, **params))
    assert found[0]["slot_start"] == first and found[-1]["slot_start"] == last
    if count is not None:
        assert len(found) == count
    assert all(s["slot_end"] - s["slot_start"] == 900 for s in found)
    assert all(s["slot_available"] == int(s["slot_start"] >= NOW) for s in found)


def test_rule_5_lists_past_slots_as_unavailable(client, frozen):
    found = slots(get(client, end=la(5)))
    saturday = [s for s in found if s["slot_start"] < NOW]
    assert saturday and {s["provider_id"] for s in saturday} == {"541"}
    assert all(s["slot_available"] == 0 and s["slot_booked"] == 0 for s in saturday)


def test_slot_ids_are_stable_and_name_provider_and_start(client, frozen):
    one = slots(get(client, start=la(3, 9), end=la(3, 10)))
    two = slots(get(client, start=la(3, 8), end=la(3, 12)))
    ids = {(s["provider_id"], s["slot_start"]): s["slot_id"] for s in two}
    for slot in one:
        assert ids[(slot["provider_id"], slot["slot_start"])] == slot["slot_id"]
        assert slot["slot_id"] == f"{slot['slot_start'] // 60}{slot['provider_id']}"
    assert {s["group_id"] for s in one if s["provider_id"] == "826"} == {SCHEDULE_826}


# -- bookings -------------------------------------------------------------------------------------
def test_a_booked_slot_is_flagged_and_a_cancelled_one_is_free_again(client, frozen, vclinic):
    add_visit(vclinic, "826", la(3, 9), la(3, 9, 15))
    window = {"start": la(3, 9), "end": la(3, 10), "provider_id": "826"}
    found = slots(get(client, **window))
    assert [(s["slot_booked"], s["slot_available"]) for s in found] == [(1, 0), (0, 1), (0, 1), (0, 1)]
    vclinic.visits.update("990001", status=40)
    found = slots(get(client, **window))
    assert [(s["slot_booked"], s["slot_available"]) for s in found] == [(0, 1)] * 4


@pytest.mark.parametrize(("status", "type_", "taken"), [
    (10, 2, True), (20, 2, True), (25, 2, True), (30, 2, False), (40, 2, False), (50, 2, False),
    (20, 1, False),   # walk-ins do not hold slots
    (20, 3, False),   # nor do e-consults (answered later, at no set time)
])
def test_which_visits_take_a_slot(client, frozen, vclinic, status, type_, taken):
    add_visit(vclinic, "1096", la(3, 9, 10), la(3, 9, 20), status=status, type_=type_)  # overlaps two slots
    found = slots(get(client, start=la(3, 9), end=la(3, 9, 30), provider_id="1096"))
    assert [s["slot_booked"] for s in found] == ([1, 1] if taken else [0, 0])


def test_a_booking_in_another_room_takes_the_provider(client, frozen, vclinic):
    vclinic.visits.insert({"id": "990002", "provider_id": "541", "room_code": "room1", "type": 2, "status": 20,
                           "start": la(3, 9), "end": la(3, 9, 30)})
    found = slots(get(client, start=la(3, 9), end=la(3, 10), provider_id="541"))
    assert [s["slot_booked"] for s in found] == [1, 1, 0, 0]


def test_available_skips_booked_and_past_slots(client, world, vclinic):
    world.clock.freeze(la(3, 8, 5))  # 08:00 has started
    add_visit(vclinic, "826", la(3, 8, 15), la(3, 8, 30))
    found = slots(get(client, provider_id="826", duration=1800))
    assert [s["slot_start"] for s in found] == [la(3, 8, 30), la(3, 8, 45)]
    assert found[0]["slot_available"] == 1


def test_no_free_slot_in_28_days_means_the_window_starts_now(client, frozen, vclinic):
    add_visit(vclinic, "826", NOW, NOW + 29 * 86400)
    found = slots(get(client, provider_id="826"))
    assert found[0]["slot_start"] == la(3, 8) and found[-1]["slot_end"] <= NOW + 4 * 86400
    assert all(s["slot_booked"] == 1 and s["slot_available"] == 0 for s in found)
    add_visit(vclinic, "826", NOW, NOW + 24 * 86400)   # free again from Thursday 27 June 07:00
    found = slots(get(client, provider_id="826"))
    assert found[0]["slot_start"] == la(27, 8)
    assert found[0]["slot_available"] == 1


# -- filters ----------------------------------------------------------------------------------------
def test_location_filters_by_licensed_state(client, frozen):
    window = {"start": la(3, 9), "end": la(3, 9, 15)}
    assert [s["provider_id"] for s in slots(get(client, **window))] == ["509", "541", "826", "1096"]
    assert [s["provider_id"] for s in slots(get(client, location="WA", **window))] == ["541"]
    assert [s["provider_id"] for s in slots(get(client, location="ny", **window))] == ["826", "1096"]
    assert slots(get(client, location="ZZ", **window)) == []


def test_provider_filter(client, frozen):
    found = slots(get(client, start=la(3), end=la(4), provider_id="541"))
    assert {s["provider_id"] for s in found} == {"541"}
    assert len(found) == 12 + 16          # 09:00-12:00 and 13:00-17:00
    error(get(client, provider_id="403"), 400, "provider_id")   # in room1, not ceproom1


def test_intake_location_room_and_consultation(client, frozen, vclinic):
    vclinic.intakes.insert({"id": "aaaa0001-0000-4000-8000-000000000001", "member_id": "201",
                            "room_code": "ceproom1", "location": "WA", "consultation_id": None})
    window = {"start": la(3, 9), "end": la(3, 9, 15)}
    found = slots(get(client, intake_id="aaaa0001-0000-4000-8000-000000000001", **window))
    assert [s["provider_id"] for s in found] == ["541"]
    # The location parameter wins over the intake's.
    found = slots(get(client, intake_id="aaaa0001-0000-4000-8000-000000000001", location="NY", **window))
    assert [s["provider_id"] for s in found] == ["826", "1096"]
    # No room_code: the intake's room (abc, a 30-minute consultation, provider 12312).
    found = slots(get(client, intake_id="582d4bac-4004-4a78-be63-9158ac1f0144", start=la(3, 9), end=la(3, 10)))
    assert [(s["room_code"], s["provider_id"], s["slot_end"] - s["slot_start"]) for s in found] == \
        [("abc", "12312", 1800)] * 2


def test_intake_errors(client, frozen):
    error(get(client, intake_id="nope"), 400, "intake_id")
    resp = get(client, intake_id="57a0705e-1c4c-4f24-b51d-3c71ac1f0144")   # patient 575's
    error(resp, 403)
    # A provider may use any intake of the clinic.
    assert slots(get(client, headers={"X-ApiToken": PROVIDER_TOKEN}, intake_id="57a0705e-1c4c-4f24-b51d-3c71ac1f0144",
                     start=la(3, 9), end=la(3, 10)))


def test_consultation_sets_the_duration(client, frozen):
    found = slots(get(client, consultation_id="551c5c51-1f61-47e9-bf13-3e22ac1f0144", start=la(3, 9),
                      end=la(3, 10), provider_id="826"))
    assert [(s["slot_start"], s["slot_end"]) for s in found] == [(la(3, 9), la(3, 9, 30)), (la(3, 9, 30), la(3, 10))]
    error(get(client, consultation_id="nope"), 400, "consultation_id")


def test_room_fallbacks(client, frozen, vclinic):
    window = {"start": la(4, 9), "end": la(4, 9, 15)}
    assert {s["room_code"] for s in slots(get(client, **window))} == {"ceproom1"}   # the clinic's default
    vclinic.users.update("201", default_room="room1")
    found = slots(get(client, **window))
    assert [(s["room_code"], s["provider_id"]) for s in found] == [("room1", "403"), ("room1", "541")]
    vclinic.users.update("201", default_room="gone1")
    error(get(client, **window), 404)
    error(get(client, room_code="zzzzz", **window), 400, "room_code")


# -- credentials ----------------------------------------------------------------------------------------
KEYLESS = {"room_code": "234yn", "start": 1497063600, "end": 1497065400,
           "consultation_id": "593999b2-08e4-404c-82f8-772dc0a8016f"}


def test_without_a_token_every_missing_credential_and_parameter_is_named(client):
    error(get(client, headers={}), 400, "X-ApiKey", "X-ApiSecret", "room_code", "start", "end", "consultation_id")
    body = error(get(client, headers=KEYS, room_code="234yn"), 400, "start", "end", "consultation_id")
    assert set(body["errors"]) == {"start", "end", "consultation_id"}
    body = error(get(client, headers={"X-ApiKey": "vclinic_api_key"}, **KEYLESS), 400, "X-ApiSecret")
    assert set(body["errors"]) == {"X-ApiSecret"}


def test_bad_credentials_are_401(client):
    error(get(client, headers={**KEYS, "X-ApiKey": "wrong"}, **KEYLESS), 401)
    error(get(client, headers={**KEYS, "X-ApiSecret": "wrong"}, **KEYLESS), 401)
    error(get(client, headers={"X-ApiToken": "0" * 32}), 401)               # a bad token and no key
    assert slots(get(client, headers={**KEYS, "X-ApiToken": "0" * 32}, **KEYLESS))  # a bad token, good key


def test_a_live_token_needs_nothing_else(client, frozen):
    assert slots(get(client, headers={**ME, "X-ApiKey": "wrong"}))   # extra headers are tolerated
    assert slots(get(client, headers={"X-ApiToken": PROVIDER_TOKEN}))


# -- bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "field"), [
    ({"start": la(3, 10), "end": la(3, 9)}, "end"),
    ({"start": la(3, 10), "end": la(3, 10)}, "end"),
    ({"start": la(3), "end": la(3) + 32 * 86400}, "end"),
    ({"duration": 0}, "duration"),
    ({"start": la(3), "duration": -60}, "duration"),
    ({"duration": 40 * 86400}, "duration"),
    ({"start": "tomorrow"}, "start"),
    ({"end": "1.5"}, "end"),
    ({"start": "-5"}, "start"),
    ({"start": str(10 ** 30)}, "start"),
])
def test_bad_windows_are_400_naming_the_field(client, frozen, params, field):
    error(get(client, **params), 400, field)


def test_ints_may_arrive_as_strings_and_blank_means_absent(client, frozen):
    assert slots(get(client, start=str(la(3, 9)), end=str(la(3, 10)), duration="", provider_id=""))


def test_paths_of_every_base(client, frozen):
    for path in ("/api_v3/availability.json", "/vc/next/api_v3/availability"):
        assert slots(client.get(path, headers=ME))


values = st.one_of(
    st.integers(-(2 ** 70), 2 ** 70).map(str),
    st.integers(1_400_000_000, 1_900_000_000).map(str),
    st.text(max_size=12),
    st.sampled_from(["234yn", "ceproom1", "826", "403", CEP15, "AL", "WA", "57a0705e-1c4c-4f24-b51d-3c71ac1f0144", ""]),
)
params = st.dictionaries(st.sampled_from(["room_code", "start", "end", "duration", "provider_id", "intake_id",
                                          "consultation_id", "location"]), values, max_size=8)
header_sets = st.sampled_from([ME, KEYS, {}, {"X-ApiToken": "x"}, {**KEYS, "X-ApiSecret": "no"},
                               {"X-ApiToken": PROVIDER_TOKEN}, {"X-AccountCode": "nope"}])


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=params, headers=header_sets, now=st.integers(1_400_000_000, 1_900_000_000))
def test_never_a_500(client, world, params, headers, now):
    world.clock.freeze(now)
    resp = get(client, headers=headers, **params)
    assert resp.status_code in (200, 400, 401, 403, 404), resp.get_json()
    if resp.status_code == 200:
        slots(resp)
