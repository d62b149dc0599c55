"""Push endpoints and notifications over HTTP: the documented curls, errors, owner-only
access, paging, the badge, and visit events arriving as notifications (docs/fidelity.md N1-N9)."""

from __future__ import annotations

import pytest
from clinic import PATIENT_201, PATIENT_575, PROVIDER_826, auth

from vsee_sim.api.notifications import service
from vsee_sim.core.tenancy import Ctx

DOC_ENDPOINT = "551c5f64-a6d8-425d-b89c-581fac1f0144"
EMAIL_ENDPOINT = "551c6005-83d0-48f0-abfe-59c4ac1f0144"
DOC_NOTIFICATION = "570f3f04-f1f4-4805-946e-178d50e631f8"
ENDPOINT_KEYS = {"id", "key", "user_id", "type", "arn", "created", "modified"}
NOTIFICATION_KEYS = {"id", "user_id", "type", "time", "mtime", "is_new", "read", "title", "image", "data"}
TOKEN_ONLY = {"X-ApiToken": PATIENT_201}   # the documented curls send no X-AccountCode


def data(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    if status != 200:
        assert set(body) >= {"code", "message"} and body["code"] == status
        return body
    return body["data"]


def notify(world, user_id: str, n: int, kind: str = "test.event") -> list[dict]:
    ctx = Ctx(world=world, db=world.account("vclinic"))
    return [service.notify(ctx, user_id, kind, title=f"Event {i}", data={"i": i}) for i in range(n)]


# -- the documented curls, verbatim -------------------------------------------------------------
def test_documented_post_endpoints(client):
    got = data(client.post("/api_v3/endpoints", data="key=12345&type=30", headers=TOKEN_ONLY,
                           content_type="application/x-www-form-urlencoded"))
    assert set(got) == ENDPOINT_KEYS
    assert (got["key"], got["user_id"], got["type"]) == ("12345", "201", 30)
    assert got["created"] == got["modified"] and got["arn"].startswith("arn:aws:sns:us-west-2:")


def test_documented_get_endpoints(client):
    got = data(client.get("/api_v3/endpoints.json", headers=TOKEN_ONLY))
    assert [e["id"] for e in got] == [DOC_ENDPOINT, EMAIL_ENDPOINT]
    assert all(set(e) == ENDPOINT_KEYS for e in got)
    assert got[0]["arn"].endswith("/APNS/com.vsee.isos.TeleAssistance/203fd06c-e559-3fba-a47f-87844eca4e6e")
    assert (got[1]["type"], got[1]["key"], got[1]["arn"]) == (10, "an@vsee.com", None)


def test_documented_get_and_delete_endpoint(client):
    got = data(client.get(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=TOKEN_ONLY))
    assert set(got) == ENDPOINT_KEYS and (got["key"], got["type"], got["created"]) == ("123456", 30, 1427922788)
    assert data(client.delete(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=TOKEN_ONLY)) == {"id": DOC_ENDPOINT}
    data(client.get(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=TOKEN_ONLY), 404)
    data(client.delete(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=TOKEN_ONLY), 404)
    assert [e["id"] for e in data(client.get("/api_v3/endpoints.json", headers=TOKEN_ONLY))] == [EMAIL_ENDPOINT]


def test_documented_notifications_put_and_badge(client):
    got = data(client.get("/api_v3/notifications.json", headers=TOKEN_ONLY))
    assert len(got) == 10 and all(set(n) == NOTIFICATION_KEYS for n in got)
    assert got[0]["id"] == DOC_NOTIFICATION and got[0]["mtime"] == 1460616964000 and got[0]["time"] == 1460616964
    assert data(client.get("/api_v3/notifications/badge", headers=TOKEN_ONLY)) == 5
    read = data(client.put(f"/api_v3/notifications/{DOC_NOTIFICATION}", headers=TOKEN_ONLY))
    assert set(read) == NOTIFICATION_KEYS and (read["read"], read["is_new"]) == (True, False)
    assert data(client.post("/api_v3/notifications/badge", headers=TOKEN_ONLY)) is True
    assert data(client.get("/api_v3/notifications/badge", headers=TOKEN_ONLY)) == 0


# -- endpoints ----------------------------------------------------------------------------------
def test_same_key_again_updates_instead_of_duplicating(client, world):
    world.clock.freeze(1_700_000_000)
    first = data(client.post("/api_v3/endpoints", json={"key": "device-a", "type": 30}, headers=auth(PATIENT_201)))
    world.clock.advance(60)
    again = data(client.post("/api_v3/endpoints", json={"key": "device-a", "type": "40"}, headers=auth(PATIENT_201)))
    assert again["id"] == first["id"] and again["type"] == 40 and "/GCM/" in again["arn"]
    assert (again["created"], again["modified"]) == (1_700_000_000, 1_700_000_060)
    mine = data(client.get("/api_v3/endpoints", headers=auth(PATIENT_201)))
    assert [e["key"] for e in mine].count("device-a") == 1
    # another user registering the same device gets an endpoint of their own, same ARN
    theirs = data(client.post("/api_v3/endpoints", json={"key": "device-a", "type": 40}, headers=auth(PATIENT_575)))
    assert theirs["id"] != first["id"] and theirs["user_id"] == "575" and theirs["arn"] == again["arn"]


def test_email_endpoints_are_accepted_and_get_no_push(client, world):
    got = data(client.post("/api_v3/endpoints", data={"key": "pat@example.com", "type": "10"},
                           headers=auth(PATIENT_575)))
    assert (got["type"], got["arn"]) == (10, None)
    data(client.post("/api_v3/endpoints", data={"key": "device-575", "type": "30"}, headers=auth(PATIENT_575)))
    note = notify(world, "575", 1)[0]
    pushes = [m for m in world.outbox.all() if m.get("notification_id") == note["id"]]
    assert [(p["push"], p["to"]) for p in pushes] == [("apns", "device-575")]


def test_endpoint_list_filters_by_type(client):
    data(client.post("/api_v3/endpoints", json={"key": "gcm-1", "type": 40}, headers=auth(PATIENT_201)))
    assert [e["type"] for e in data(client.get("/api_v3/endpoints", query_string={"type": 30},
                                               headers=auth(PATIENT_201)))] == [30]
    assert [e["key"] for e in data(client.get("/api_v3/endpoints?type=40", headers=auth(PATIENT_201)))] == ["gcm-1"]
    assert len(data(client.get("/api_v3/endpoints?type=", headers=auth(PATIENT_201)))) == 3
    for bad in ("20", "abc", "1e3", "9" * 5000):
        assert "type" in data(client.get("/api_v3/endpoints", query_string={"type": bad},
                                         headers=auth(PATIENT_201)), 400)["message"]


@pytest.mark.parametrize("body, field", [
    ({}, "key"), ({"type": 30}, "key"), ({"key": "abc"}, "type"), ({"key": "  ", "type": 30}, "key"),
    ({"key": "abc", "type": 20}, "type"), ({"key": "abc", "type": "apns"}, "type"), ({"key": "abc", "type": True}, "type"),
    ({"key": ["a"], "type": 30}, "key"), ({"key": {"a": 1}, "type": 30}, "key"), ({"key": "abc", "type": [30]}, "type"),
    ({"key": "abc", "type": {"t": 30}}, "type"), ({"key": "x" * 5000, "type": 30}, "key"),
    ({"key": "abc", "type": 10 ** 40}, "type"), ({"key": "not-an-email", "type": 10}, "key"),
    ({"key": "a b", "type": 30}, "key"), ({"key": None, "type": 30}, "key"),
])
def test_bad_endpoint_bodies_are_400_naming_the_field(client, body, field):
    got = data(client.post("/api_v3/endpoints", json=body, headers=auth(PATIENT_201)), 400)
    assert field in got["message"] and field in got.get("errors", {})


def test_endpoints_are_the_owners_only(client):
    other = auth(PATIENT_575)
    data(client.get(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=other), 404)
    data(client.delete(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=other), 404)
    data(client.get("/api_v3/endpoints/no-such-endpoint", headers=other), 404)
    assert data(client.get("/api_v3/endpoints", headers=other)) == []
    assert data(client.get(f"/api_v3/endpoints/{DOC_ENDPOINT}", headers=auth(PATIENT_201)))["id"] == DOC_ENDPOINT


# -- notifications ------------------------------------------------------------------------------
def test_paging_through_seeded_and_created_notifications(client, world):
    world.clock.freeze(1_700_000_000.5)   # every new one in the same ms: notify bumps ties by 1 ms
    created = notify(world, "201", 7)
    assert len({n["mtime"] for n in created}) == 7 and {n["time"] for n in created} == {1_700_000_000}
    seen, before, pages = [], None, 0
    while True:
        query = {"limit": 5} if before is None else {"limit": 5, "before": before}
        page = data(client.get("/api_v3/notifications", query_string=query, headers=auth(PATIENT_201)))
        if not page:
            break
        pages += 1
        assert len(page) <= 5
        seen += page
        before = page[-1]["mtime"]
    assert pages == 4 and len(seen) == 19 and len({n["id"] for n in seen}) == 19
    assert [n["mtime"] for n in seen] == sorted((n["mtime"] for n in seen), reverse=True)
    assert [n["id"] for n in seen[:7]] == [n["id"] for n in reversed(created)]
    assert seen[-1]["id"] == "56e11a84-4bf2-48c6-b459-5bc550e631f8"   # the oldest seeded one
    everything = data(client.get("/api_v3/notifications?limit=100", headers=auth(PATIENT_201)))
    assert [n["id"] for n in everything] == [n["id"] for n in seen]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"limit": -1}, {"limit": "ten"}, {"limit": "9" * 5000},
                                   {"limit": "1.5"}, {"before": -1}, {"before": "yesterday"}, {"before": "9" * 5000},
                                   {"before": str(2 ** 64)}])
def test_bad_paging_is_400(client, query):
    got = data(client.get("/api_v3/notifications", query_string=query, headers=auth(PATIENT_201)), 400)
    assert next(iter(query)) in got["message"]


def test_limit_bounds_and_before(client):
    assert len(data(client.get("/api_v3/notifications?limit=1", headers=auth(PATIENT_201)))) == 1
    assert len(data(client.get("/api_v3/notifications?limit=100", headers=auth(PATIENT_201)))) == 12
    assert len(data(client.get("/api_v3/notifications?limit=", headers=auth(PATIENT_201)))) == 10
    older = data(client.get("/api_v3/notifications?before=1460444164000&limit=100", headers=auth(PATIENT_201)))
    assert len(older) == 9 and all(n["mtime"] < 1460444164000 for n in older)   # exclusive
    assert data(client.get("/api_v3/notifications?before=0", headers=auth(PATIENT_201))) == []


def test_read_is_the_owners_only_and_idempotent(client):
    data(client.put(f"/api_v3/notifications/{DOC_NOTIFICATION}", headers=auth(PATIENT_575)), 404)
    data(client.put("/api_v3/notifications/unknown", headers=auth(PATIENT_201)), 404)
    assert data(client.get("/api_v3/notifications", headers=auth(PATIENT_575))) == []
    assert data(client.get("/api_v3/notifications/badge", headers=auth(PATIENT_575))) == 0
    new_one = "570ded84-d12e-47cc-8552-ae2850e631f8"
    for _ in range(2):
        got = data(client.put(f"/api_v3/notifications/{new_one}", json={"read": False, "x": [1]},
                              headers=auth(PATIENT_201)))
        assert (got["read"], got["is_new"]) == (True, False)
        assert data(client.get("/api_v3/notifications/badge", headers=auth(PATIENT_201))) == 4


def test_badge_reset_then_new_notifications_count_again(client, world):
    assert data(client.post("/api_v3/notifications/badge", json={"junk": {"a": 1}}, headers=auth(PATIENT_201))) is True
    assert data(client.get("/api_v3/notifications/badge", headers=auth(PATIENT_201))) == 0
    listed = data(client.get("/api_v3/notifications?limit=100", headers=auth(PATIENT_201)))
    assert not any(n["is_new"] for n in listed)
    assert sum(not n["read"] for n in listed) == 7   # resetting the badge reads nothing
    notify(world, "201", 3)
    assert data(client.get("/api_v3/notifications/badge", headers=auth(PATIENT_201))) == 3


def test_a_visit_event_is_a_notification_and_raises_the_badge(clinic, client):
    user_id, token = clinic.sso()
    assert data(client.get("/api_v3/notifications/badge", headers=auth(token))) == 0
    visit = clinic.walkin(token)
    clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit["id"]))
    got = data(client.get("/api_v3/notifications", headers=auth(token)))
    assert [(n["type"], n["data"]["visit_id"], n["user_id"], n["is_new"], n["read"]) for n in got] == [
        ("visit.started", visit["id"], user_id, True, False)]
    assert data(client.get("/api_v3/notifications/badge", headers=auth(token))) == 1
    data(client.put(f"/api_v3/notifications/{got[0]['id']}", headers=auth(token)))
    assert data(client.get("/api_v3/notifications/badge", headers=auth(token))) == 0


# -- credentials and robustness -----------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("POST", "/endpoints"), ("GET", "/endpoints"), ("GET", f"/endpoints/{DOC_ENDPOINT}"),
    ("DELETE", f"/endpoints/{DOC_ENDPOINT}"), ("GET", "/notifications"), ("PUT", f"/notifications/{DOC_NOTIFICATION}"),
    ("GET", "/notifications/badge"), ("POST", "/notifications/badge"),
])
@pytest.mark.parametrize("token", [None, "0" * 32])
def test_a_token_is_required(client, method, path, token):
    headers = {"X-AccountCode": "vclinic", **({"X-ApiToken": token} if token else {})}
    data(client.open(f"/api_v3{path}", method=method, headers=headers), 401)


WEIRD = [None, True, 0, -1, 2 ** 70, 1.5, "", "x" * 20000, [], [1, "a"], {}, {"a": [1]}, "\x00", "ü" * 100]


@pytest.mark.parametrize("value", WEIRD, ids=range(len(WEIRD)))
def test_no_value_in_any_field_is_a_500(client, value):
    for body in ({"key": value, "type": value}, {"key": "k", "type": value}, {"key": value, "type": 30}):
        r = client.post("/api_v3/endpoints", json=body, headers=auth(PATIENT_201))
        assert r.status_code in (200, 400), (body, r.get_json())
    as_query = value if not isinstance(value, (list, dict)) else str(value)
    for path in ("/api_v3/notifications", "/api_v3/endpoints"):
        for name in ("limit", "before", "type"):
            r = client.get(path, query_string={name: as_query}, headers=auth(PATIENT_201))
            assert r.status_code in (200, 400), (path, name, value, r.get_json())
    for method, path in (("PUT", f"/api_v3/notifications/{value}"), ("GET", f"/api_v3/endpoints/{value}"),
                         ("DELETE", f"/api_v3/endpoints/{value}")):
        r = client.open(path, method=method, json={"read": value}, headers=auth(PATIENT_201))
        assert r.status_code in (200, 400, 404, 405), (method, path, r.get_json())
