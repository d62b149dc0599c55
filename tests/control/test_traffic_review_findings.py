"""Review findings on the traffic package, through HTTP: globs, fault-rule bounds, bad records.

What is proven: a glob with many stars against a long path answers (with the right result)
in the journal filter and in fault matching, where the old glob-to-regex backtracked for
ever while holding the namespace lock; ``retry_after``, ``status``, ``latency_ms`` and
``count`` take whole numbers only (a fraction is a 400 naming the field, not a silent
truncation) and ``count`` is bounded; a malformed fault record put into the namespace
(as an import could) is skipped by the request hook, never a 500 on every request.
"""

from __future__ import annotations

import pytest
from clinic import PATIENT_201, auth, error, ok

from vsee_sim.control.traffic import service

ME = auth(PATIENT_201)
LONG = "/api_v3/" + "a" * 300
STARS_B = "*a" * 12 + "*b"   # cannot match a path of a's: the old regex tried every split
STARS_A = "*a" * 12 + "*"    # matches it


# -- finding 1: globs answer in linear-ish time ----------------------------------------------------
def test_a_many_star_journal_filter_on_a_long_path_answers(client):
    client.get(LONG, headers=ME)
    assert ok(client.get("/_sim/journal", query_string={"path": STARS_B})) == []
    [entry] = ok(client.get("/_sim/journal", query_string={"path": STARS_A}))
    assert entry["path"] == LONG


def test_a_many_star_fault_rule_on_a_long_path_answers(client):
    never = ok(client.post("/_sim/faults", json={"path": STARS_B, "status": 503}))
    assert client.get(LONG, headers=ME).status_code != 503
    assert ok(client.get(f"/_sim/faults/{never['id']}"))["matched"] == 0
    hit = ok(client.post("/_sim/faults", json={"path": STARS_A, "status": 502}))
    error(client.get(LONG, headers=ME), 502)
    assert ok(client.get(f"/_sim/faults/{hit['id']}"))["fired"] == 1


# -- finding 3: whole numbers, bounded counts ----------------------------------------------------
@pytest.mark.parametrize("rule, field", [
    ({"path": "/api_v3/me", "status": 429, "retry_after": 1.5}, "retry_after"),
    ({"path": "/api_v3/me", "status": 503.5}, "status"),
    ({"path": "/api_v3/me", "latency_ms": 10.5}, "latency_ms"),
    ({"path": "/api_v3/me", "status": 503, "count": 2.5}, "count"),
    ({"path": "/api_v3/me", "status": 503, "count": 1_000_001}, "count"),
    ({"path": "/api_v3/me", "status": 503, "count": 10**30}, "count"),
    ({"path": "/api_v3/me", "latency_ms": -1}, "latency_ms"),
    ({"path": "/api_v3/me", "status": 429, "retry_after": 86401}, "retry_after"),
])
def test_fractions_and_out_of_range_numbers_are_a_400_naming_the_field(client, rule, field):
    error(client.post("/_sim/faults", json=rule), 400, field)
    assert ok(client.get("/_sim/faults")) == []


def test_whole_numbers_are_still_accepted_as_json_numbers_and_form_text(client):
    rule = ok(client.post("/_sim/faults", json={"path": "/api_v3/me", "status": 429, "retry_after": 2,
                                                "count": 1_000_000, "latency_ms": 0}))
    assert (rule["retry_after"], rule["count"]) == (2, 1_000_000)
    form = ok(client.post("/_sim/faults", data={"path": "/api_v3/me", "status": "503", "retry_after": "3"}))
    assert form["status"] == 503 and form["retry_after"] == 3
    error(client.post("/_sim/faults", data={"path": "/api_v3/me", "status": "503", "retry_after": "1.5"}),
          400, "retry_after")


# -- finding 4: a malformed record never breaks requests ------------------------------------------
BAD_RECORDS = [
    {"id": "90"},                                                            # nothing but an id
    {"id": "91", "path": "*", "status": 503},                                # no method
    {"id": "92", "method": "*", "status": 503},                              # no path
    {"id": "93", "method": "*", "path": "*", "status": 503, "probability": "often"},
    {"id": "94", "method": "*", "path": "*", "status": "soon"},
    {"id": "95", "method": "*", "path": "*", "status": 200},
    {"id": "96", "method": "*", "path": "*", "status": 503, "count": "3"},
    {"id": "97", "method": "*", "path": "*", "status": 503, "matched": "x", "fired": None},
    {"id": "98", "method": "*", "path": "*", "status": 429, "retry_after": "later"},
    {"id": "99", "method": "*", "path": "*", "latency_ms": -5},
    {"id": "100", "method": 7, "path": ["*"], "status": 503},
    {"id": "101", "method": "*", "path": "*", "status": 503, "message": {"not": "text"}},
]


@pytest.mark.parametrize("record", BAD_RECORDS, ids=[r["id"] for r in BAD_RECORDS])
def test_a_malformed_fault_record_is_skipped_not_a_500(client, world, record):
    with world.lock:
        world.sim_collection(service.FAULTS).insert(record)
    assert ok(client.get("/api_v3/me", headers=ME))["id"] == "201"
    assert client.post("/api_v3/users/sso", json={}).status_code < 500


def test_a_good_rule_after_a_malformed_one_still_fires(client, world):
    with world.lock:
        world.sim_collection(service.FAULTS).insert({"id": "50", "path": "*", "status": 503})
    ok(client.post("/_sim/faults", json={"path": "/api_v3/me", "status": 502}))
    error(client.get("/api_v3/me", headers=ME), 502)
