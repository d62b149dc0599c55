"""/_sim state: the clock, export/import, snapshots, namespaces, seed and reset."""

from __future__ import annotations

import pytest
from clinic import API_KEY, auth, error, ok

from vsee_sim.app import create_app

JAN_1_2026 = 1767225600


def _export(client) -> dict:
    resp = client.get("/_sim/state")
    assert resp.status_code == 200 and "data" not in resp.get_json()
    return resp.get_json()


# -- the clock ------------------------------------------------------------------------------
def test_the_clock_freezes_advances_and_goes_back_to_real(client):
    assert ok(client.get("/_sim/clock"))["mode"] == "real"
    frozen = ok(client.post("/_sim/clock/freeze", json={"at": "2026-01-01T00:00:00Z"}))
    assert (frozen["mode"], frozen["now"]) == ("frozen", JAN_1_2026)
    assert ok(client.post("/_sim/clock/advance", json={"seconds": 90}))["now"] == JAN_1_2026 + 90
    assert ok(client.post("/_sim/clock/freeze", data={"at": str(JAN_1_2026)}))["now"] == JAN_1_2026
    assert ok(client.get("/_sim/clock"))["now"] == JAN_1_2026
    real = ok(client.post("/_sim/clock/real"))
    assert real["mode"] == "real" and real["now"] > JAN_1_2026


def test_advancing_a_running_clock_shifts_it(client):
    before = ok(client.get("/_sim/clock"))["now"]
    moved = ok(client.post("/_sim/clock/advance", json={"seconds": 3600}))
    assert moved["mode"] == "offset" and moved["offset"] == 3600 and moved["now"] >= before + 3600


def test_the_clock_is_per_namespace(app, client):
    ok(client.post("/_sim/clock/freeze", json={"at": JAN_1_2026}))
    other = app.test_client()
    other.environ_base["HTTP_X_SIM_NAMESPACE"] = "clock-other"
    assert ok(other.get("/_sim/clock"))["mode"] == "real"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/_sim/clock/advance", {}, "seconds"),
    ("/_sim/clock/advance", {"seconds": "soon"}, "seconds"),
    ("/_sim/clock/advance", {"seconds": 10 ** 12}, "seconds"),
    ("/_sim/clock/freeze", {"at": "yesterday"}, "at"),
    ("/_sim/clock/freeze", {"at": -5}, "at"),
    ("/_sim/clock/freeze", {"at": True}, "at"),
])
def test_bad_clock_moves_are_400_naming_the_field(client, path, body, field):
    before = ok(client.get("/_sim/clock"))["mode"]
    error(client.post(path, json=body), 400, field)
    assert ok(client.get("/_sim/clock"))["mode"] == before


def test_moving_the_clock_expires_tokens(client, clinic):
    ok(client.post("/_sim/clock/freeze", json={}))
    _, token = clinic.sso()
    ok(client.get("/api_v3/me", headers=auth(token)))
    ok(client.post("/_sim/clock/advance", json={"seconds": 86400 - 1}))
    ok(client.get("/api_v3/me", headers=auth(token)))
    ok(client.post("/_sim/clock/advance", json={"seconds": 1}))
    error(client.get("/api_v3/me", headers=auth(token)), 401)


# -- export and import ----------------------------------------------------------------------
def test_an_export_imports_into_another_namespace(app, client, clinic):
    user_id, token = clinic.sso()
    document = _export(client)
    other = app.test_client()
    other.environ_base["HTTP_X_SIM_NAMESPACE"] = f"import-into-{user_id}"
    error(other.get("/api_v3/me", headers=auth(token)), 401)
    assert "vclinic" in ok(other.post("/_sim/state", json=document))["accounts"]
    assert ok(other.get("/api_v3/me", headers=auth(token)))["id"] == user_id


@pytest.mark.parametrize("document", [{"x": 1}, {"_namespaces": {"1": {"name": 5}}}, [], "text"])
def test_a_bad_import_is_400_and_changes_nothing(client, clinic, document):
    clinic.sso()
    before = _export(client)
    error(client.post("/_sim/state", json=document), 400, "body")
    assert _export(client) == before


# -- snapshots --------------------------------------------------------------------------------
def test_a_snapshot_restores_the_namespace_exactly(client, clinic):
    _, token = clinic.sso()
    before = _export(client)
    ok(client.post("/_sim/snapshots", json={"name": "before-visit"}))
    visit = clinic.walkin(token)
    ok(client.post("/_sim/clock/advance", json={"seconds": 600}))
    clinic.sso()
    assert _export(client) != before
    assert ok(client.post("/_sim/snapshots/before-visit/restore"))["name"] == "before-visit"
    assert _export(client) == before
    error(client.get(f"/api_v3/visits/{visit['id']}", headers=auth(token)), 404)


def test_after_a_restore_the_same_requests_give_the_same_ids(client, clinic):
    ok(client.post("/_sim/snapshots", json={"name": "s"}))
    first = clinic.sso()
    ok(client.post("/_sim/snapshots/s/restore"))
    body = {"type": 200, "code": "again", "first_name": "A", "last_name": "B", "email": "again@example.com"}
    again = ok(client.post("/api_v3/users/sso", json=body, headers=API_KEY))
    assert again["id"] == first[0]


def test_snapshots_are_listed_replaced_and_deleted(client):
    ok(client.post("/_sim/snapshots", json={"name": "a"}))
    ok(client.post("/_sim/snapshots", data={"name": "b"}))
    ok(client.post("/_sim/snapshots", json={"name": "a"}))
    assert [s["name"] for s in ok(client.get("/_sim/snapshots"))] == ["a", "b"]
    assert ok(client.delete("/_sim/snapshots/a")) is True
    assert [s["name"] for s in ok(client.get("/_sim/snapshots"))] == ["b"]
    error(client.delete("/_sim/snapshots/a"), 404)
    error(client.post("/_sim/snapshots/a/restore"), 404)
    error(client.post("/_sim/snapshots", json={"name": "../x"}), 400, "name")
    error(client.post("/_sim/snapshots", json={}), 400, "name")


def test_snapshots_survive_a_reset(client, clinic):
    user_id, token = clinic.sso()
    ok(client.post("/_sim/snapshots", json={"name": "with-user"}))
    ok(client.post("/_sim/reset"))
    error(client.get("/api_v3/me", headers=auth(token)), 401)
    ok(client.post("/_sim/snapshots/with-user/restore"))
    assert ok(client.get("/api_v3/me", headers=auth(token)))["id"] == user_id


# -- namespaces, seed, reset ------------------------------------------------------------------
def test_namespaces_are_listed_and_deleted(app, client, ns):
    ok(client.get("/_sim/clock"))  # makes it
    names = [n["namespace"] for n in ok(client.get("/_sim/namespaces"))]
    assert ns in names
    admin = app.test_client()
    assert ok(admin.delete(f"/_sim/namespaces/{ns}")) is True
    assert ns not in [n["namespace"] for n in ok(admin.get("/_sim/namespaces"))]
    error(admin.delete(f"/_sim/namespaces/{ns}"), 404)


SMALL = {"default_account": "acme", "accounts": [
    {"code": "acme", "api_keys": [{"key": "acme_key", "secret": "acme_secret"}],
     "users": [{"id": "7", "code": "u7", "email": "seven@example.com", "type": 200, "first_name": "Sev"}],
     "tokens": [{"token": "a" * 32, "user_id": "7", "expiry": None}]}]}


def test_seed_loads_a_fixture_from_the_body(client):
    data = ok(client.post("/_sim/seed", json={"fixture": SMALL, "seed": 42}))
    assert (data["accounts"], data["seed"]) == (["acme"], 42)
    assert ok(client.get("/api_v3/me", headers={"X-ApiToken": "a" * 32}))["first_name"] == "Sev"
    error(client.get("/api_v3/me", headers=auth("6366a7018a39536a1ef4b63626f8e734")), 404)


@pytest.mark.parametrize("fixture", [{"accounts": [{"name": "no code"}]}, {"accounts": "x"}, "x"])
def test_a_bad_seed_is_400_and_changes_nothing(client, fixture):
    before = _export(client)
    error(client.post("/_sim/seed", json={"fixture": fixture}), 400, "fixture")
    assert _export(client) == before


def test_a_reset_with_a_seed_gives_the_same_ids_twice(client):
    body = {"type": 200, "code": "same", "first_name": "A", "last_name": "B", "email": "same@example.com"}
    runs = []
    for _ in range(2):
        assert ok(client.post("/_sim/reset", json={"seed": 1234}))["seed"] == 1234
        data = ok(client.post("/api_v3/users/sso", json=body, headers=API_KEY))
        runs.append((data["id"], data["token"]["token"]))
    assert runs[0] == runs[1]
    ok(client.post("/_sim/reset", json={"seed": 99}))
    assert ok(client.post("/api_v3/users/sso", json=body, headers=API_KEY))["token"]["token"] != runs[0][1]


# -- protection --------------------------------------------------------------------------------
def test_the_admin_token_protects_the_control_plane():
    app = create_app({"ADMIN_TOKEN": "s3cret", "TICK_INTERVAL": 0})
    client = app.test_client()
    error(client.get("/_sim/clock"), 401)
    error(client.post("/_sim/reset"), 401)
    assert client.get("/_sim/health").status_code == 200
    assert client.get("/_sim/openapi.json").status_code == 200
    assert ok(client.get("/_sim/clock", headers={"X-Sim-Admin-Token": "s3cret"}))["mode"] == "real"
    error(client.get("/_sim/clock", headers={"X-Sim-Admin-Token": "wrong"}), 401)


def test_no_control_switches_the_control_plane_off():
    client = create_app({"CONTROL": False, "TICK_INTERVAL": 0}).test_client()
    assert client.get("/_sim/clock").status_code == 404
    assert client.get("/_sim/health").status_code == 404
    assert client.get("/api_v3/openapi.json").status_code == 200


def test_moving_the_clock_past_max_wait_cancels_walkins_without_a_read(client, clinic):
    ok(client.post("/_sim/clock/freeze", json={}))
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    ok(client.post("/_sim/clock/advance", json={"seconds": 86400 - 1}))
    assert clinic.status(visit["id"]) == 10
    ok(client.post("/_sim/clock/advance", json={"seconds": 2}))
    assert clinic.status(visit["id"]) == 40   # read from the store, not through the API


# -- review findings -----------------------------------------------------------------------
def _bad_clock(document: dict, clock: dict) -> dict:
    document["_namespaces"]["1"]["clock"] = clock
    return document


@pytest.mark.parametrize("change", [
    lambda d: _bad_clock(d, {"mode": "frozen", "frozen_at": "abc"}),
    lambda d: _bad_clock(d, {"mode": "frozen", "frozen_at": 1e20}),
    lambda d: _bad_clock(d, {"mode": "sideways"}),
    lambda d: d["_namespaces"]["1"].update(sim={"faults": [{"id": 1}]}) or d,
    lambda d: d["_namespaces"]["1"].update(sim={"faults": [{"id": 1, "method": "*", "path": "/x",
                                                           "probability": "x"}]}) or d,
    lambda d: d["_namespaces"]["1"].update(sim={"webhooks": [{"id": "w"}]}) or d,
    lambda d: d["_namespaces"]["1"].update(sim={"gremlins": [{"id": "g"}]}) or d,
    lambda d: d["_namespaces"]["1"].update(sim={"autopilot": [{"id": "vclinic", "every": 0}]}) or d,
])
def test_an_import_that_would_break_the_namespace_is_400_and_changes_nothing(client, change):
    before = _export(client)
    error(client.post("/_sim/state", json=change(_export(client))), 400, "body")
    assert _export(client) == before
    ok(client.get("/api_v3/me", headers=auth("6366a7018a39536a1ef4b63626f8e734")))
    ok(client.get("/_sim/clock"))


def test_an_import_with_nan_is_refused(client):
    text = client.get("/_sim/state").get_data(as_text=True).replace('"offset":0.0', '"offset":NaN', 1)
    assert "NaN" in text
    error(client.post("/_sim/state", data=text, content_type="application/json"), 400)


@pytest.mark.parametrize("seconds", [100 * 365 * 86400, -60 * 365 * 86400])
def test_repeated_advances_cannot_take_the_clock_out_of_range(client, seconds):
    ok(client.post("/_sim/clock/freeze", json={"at": JAN_1_2026}))
    for _ in range(80):
        if client.post("/_sim/clock/advance", json={"seconds": seconds}).status_code == 400:
            break
    else:
        raise AssertionError("the clock left the 1970-9999 range")
    ok(client.post("/api_v3/users/sso", json={"type": 200, "code": "range", "first_name": "R", "last_name": "G"},
                   headers=API_KEY))


def test_a_reset_of_a_seeded_namespace_goes_back_to_the_seed(client, app):
    ok(client.post("/_sim/seed", json={"fixture": SMALL}))
    ok(client.post("/api_v3/users/sso", json={"type": 200, "code": "later", "first_name": "L", "last_name": "T"},
                   headers={"X-ApiKey": "acme_key"}))
    assert ok(client.post("/_sim/reset"))["accounts"] == ["acme"]
    assert len(app.extensions["vsee_sim"].worlds.get(client.environ_base["HTTP_X_SIM_NAMESPACE"])
               .account("acme").users) == 1
    other = app.test_client()
    other.environ_base["HTTP_X_SIM_NAMESPACE"] = client.environ_base["HTTP_X_SIM_NAMESPACE"] + "-copy"
    ok(other.post("/_sim/state", json=_export(client)))
    assert ok(other.post("/_sim/reset"))["accounts"] == ["acme"]     # the seed travels with an export
    assert ok(client.post("/_sim/reset", json={"fixture": "demo"}))["accounts"][0] == "vclinic"
    assert ok(client.post("/_sim/reset"))["fixture"] == "demo"


def test_a_seed_without_accounts_is_refused(client):
    error(client.post("/_sim/seed", json={"fixture": {"accounts": []}}), 400, "fixture")


def test_the_admin_token_is_a_header_only():
    client = create_app({"ADMIN_TOKEN": "s3cret", "TICK_INTERVAL": 0}).test_client()
    error(client.get("/_sim/clock?admin_token=s3cret"), 401)


# -- second review ---------------------------------------------------------------------------
def test_an_imported_fixture_path_is_never_read_by_a_reset(client, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"accounts": [{"code": "stolen"}]}')
    document = _export(client)
    document["_namespaces"]["1"]["fixture"] = str(secret)
    ok(client.post("/_sim/state", json=document))
    error(client.post("/_sim/reset"), 400, "fixture")
    assert "stolen" not in str(_export(client))
    document["_namespaces"]["1"]["fixture"] = 5
    error(client.post("/_sim/state", json=document), 400, "body")


def test_a_seed_with_broken_account_settings_is_refused(client):
    broken = {"accounts": [{**SMALL["accounts"][0], "api_keys": None}]}
    error(client.post("/_sim/seed", json={"fixture": broken}), 400, "fixture")


def test_exports_at_the_edges_import_again():
    app = create_app({"SEED": -1, "TICK_INTERVAL": 0})
    client = app.test_client()
    ok(client.post("/_sim/clock/freeze", json={"at": "9999-12-31T23:59:00Z"}))
    ok(client.put("/_sim/autopilot", json={"every": 120}))
    document = client.get("/_sim/state").get_json()
    assert ok(client.post("/_sim/state", json=document))["seed"] == -1
    assert client.get("/_sim/state").get_json() == document


def test_falsy_non_numbers_in_imported_faults_are_refused(client):
    document = _export(client)
    document["_namespaces"]["1"]["sim"] = {"faults": [{"id": "1", "method": "*", "path": "/api_v3/me",
                                                      "status": 503, "latency_ms": ""}]}
    error(client.post("/_sim/state", json=document), 400, "body")
