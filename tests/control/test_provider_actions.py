"""/_sim/provider: start, end and no-show as a provider, and the alive waiting patients.

The actions are the visits area's own (``visits.service.provider_*``, which the portal
calls too), so each goes through the status machine, notifies, and publishes its webhook.
The clock is moved, never slept on.
"""

from __future__ import annotations

import pytest
from clinic import API_KEY, PATIENT_575, advance, auth, error, freeze, ok

from vsee_sim.api.users import rules as user_rules

PROVIDER = "/_sim/provider/visits"




def waiting_ids(client, **query) -> list[str]:
    return [v["id"] for v in ok(client.get("/_sim/provider/waiting", query_string=query))]


# -- start, end, no-show -------------------------------------------------------------------------
def test_start_then_end_as_the_rooms_first_provider(client, clinic):
    now = freeze(client)
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    started = ok(client.post(f"{PROVIDER}/{visit['id']}/start"))
    # no provider on the walk-in: ceproom1's first provider (826) takes it
    assert (started["status"], started["provider_id"], started["actual_start"]) == (25, "826", now)
    assert started["provider"]["id"] == "826"
    assert ok(clinic.get("/visits/current", token))["status"] == 25
    advance(client, 90)
    ended = ok(client.post(f"{PROVIDER}/{visit['id']}/end", json={}))
    assert (ended["status"], ended["reason"], ended["completed_by"]) == (30, "call_ended", "826")
    assert ended["actual_end"] == now + 90
    assert ended["call_logs"]["total_duration"] == 90
    assert clinic.status(visit["id"]) == 30


def test_the_visits_own_provider_acts_by_default_and_another_room_provider_may(client, clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token, provider_id="509")
    assert ok(client.post(f"{PROVIDER}/{visit['id']}/start"))["provider_id"] == "509"
    # 541 is also a provider of ceproom1: it may end the call; the visit keeps its provider
    ended = ok(client.post(f"{PROVIDER}/{visit['id']}/end", data={"provider_id": "541"}))
    assert (ended["provider_id"], ended["completed_by"]) == ("509", "541")


def test_no_show_cancels_waiting_and_started_visits(client, clinic):
    _, token = clinic.sso()
    waiting = clinic.walkin(token)
    gone = ok(client.post(f"{PROVIDER}/{waiting['id']}/no-show", json={"provider_id": 826}))
    assert (gone["status"], gone["reason"], gone["completed_by"]) == (40, "no_show", "826")
    _, other = clinic.sso()
    started = clinic.walkin(other)
    ok(client.post(f"{PROVIDER}/{started['id']}/start"))
    assert ok(client.post(f"{PROVIDER}/{started['id']}/no-show"))["status"] == 40
    assert ok(clinic.get("/visits/current", other)) is None


def test_no_show_of_an_appointment_cancels_its_walkin_too(client, clinic):
    # visit 7727 is 575's confirmed appointment with 1096 in ceproom1
    walkin = clinic.walkin(PATIENT_575, visit_id="7727")
    gone = ok(client.post(f"{PROVIDER}/7727/no-show"))
    assert (gone["status"], gone["reason"], gone["completed_by"]) == (40, "no_show", "1096")
    assert clinic.status(walkin["id"]) == 40


@pytest.mark.parametrize(("action", "status"), [("start", "25 (in progress)"), ("end", "30 (completed)"),
                                                ("no-show", "40 (cancelled)")])
def test_actions_follow_the_status_machine(client, clinic, action, status):
    # 7728 is a completed appointment (826): nothing moves it but a refund
    body = error(client.post(f"{PROVIDER}/7728/{action}"), 400)
    assert "30 (completed)" in body["message"] and status in body["message"]
    assert clinic.status("7728") == 30


def test_end_needs_a_call_in_progress(client, clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    body = error(client.post(f"{PROVIDER}/{visit['id']}/end"), 400)
    assert "10 (pending)" in body["message"]
    assert clinic.status(visit["id"]) == 10


def test_who_may_act(client, clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    body = error(client.post(f"{PROVIDER}/{visit['id']}/start", json={"provider_id": "401"}), 403)
    assert "401" in body["message"] and "ceproom1" in body["message"]
    error(client.post(f"{PROVIDER}/{visit['id']}/start", json={"provider_id": "575"}), 400, "provider_id")
    error(client.post(f"{PROVIDER}/{visit['id']}/start", json={"provider_id": "999999"}), 400, "provider_id")
    assert "999999" in error(client.post(f"{PROVIDER}/999999/start"), 404)["message"]
    assert clinic.status(visit["id"]) == 10


def test_a_room_without_providers_needs_one_named(client, clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token, room_code="b4vjj")
    body = error(client.post(f"{PROVIDER}/{visit['id']}/start"), 400, "provider_id")
    assert "b4vjj" not in body["errors"] and visit["id"] in body["message"]
    error(client.post(f"{PROVIDER}/{visit['id']}/start", json={"provider_id": "826"}), 403)


def test_the_account_comes_from_the_header(client, clinic):
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    error(client.post(f"{PROVIDER}/{visit['id']}/start", headers={"X-AccountCode": "nosuch"}), 404)
    started = ok(client.post(f"{PROVIDER}/{visit['id']}/start", headers={"X-AccountCode": "vclinic"}))
    assert started["account_code"] == "vclinic"


def test_actions_notify_and_publish_webhooks(client, clinic, world):
    ok(client.post("/_sim/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["visit.*"]}))
    _, token = clinic.sso()
    visit = clinic.walkin(token)
    ok(client.post(f"{PROVIDER}/{visit['id']}/start"))
    ok(client.post(f"{PROVIDER}/{visit['id']}/end"))
    events = [(d["event"], d["payload"]["data"]["id"]) for d in world.sim_collection("deliveries").all()
              if d["payload"]["data"]["id"] == visit["id"]]
    assert events == [("visit.created", visit["id"]), ("visit.started", visit["id"]),
                      ("visit.completed", visit["id"])]
    titles = [n.get("title") for n in world.account("vclinic").notifications.find("user_id", visit["member_id"])]
    assert any("started" in (t or "") for t in titles) and any("complete" in (t or "") for t in titles)


# -- the alive waiting patients ----------------------------------------------------------------------
def test_the_demos_waiting_patient_is_alive_in_a_new_namespace(client):
    waiting = ok(client.get("/_sim/provider/waiting", query_string={"room_code": "ceproom1"}))
    assert [(v["id"], v["member_id"], v["status"]) for v in waiting] == [("14", "575", 10)]
    assert waiting[0]["member"]["first_name"] == "Keven2"


def test_waiting_is_alive_walkins_oldest_first(client, clinic):
    freeze(client)
    ok(clinic.post("/visits/close", PATIENT_575, id="14"))  # the demo's waiting patient leaves
    _, first = clinic.sso()
    a = clinic.walkin(first)
    advance(client, 200)
    _, second = clinic.sso()
    b = clinic.walkin(second)
    assert waiting_ids(client) == [a["id"], b["id"]]
    advance(client, 101)           # 301 s after the first walked in: past its 300 s heartbeat
    assert waiting_ids(client) == [b["id"]]
    assert clinic.queue()["length"] == 2  # the queue still counts every pending walk-in
    alive = ok(clinic.post("/users/alive", first, heartbeat=600))
    assert alive["heartbeat"] == 600
    assert waiting_ids(client) == [a["id"], b["id"]]
    advance(client, 599)
    assert waiting_ids(client) == [a["id"]]


def test_waiting_by_room_and_by_provider(client, clinic):
    ok(clinic.post("/visits/close", PATIENT_575, id="14"))
    _, one = clinic.sso()
    _, two = clinic.sso()
    _, three = clinic.sso()
    in_ceproom = clinic.walkin(one)
    for_509 = clinic.walkin(two, provider_id="509")
    in_room1 = clinic.walkin(three, room_code="room1")
    assert waiting_ids(client) == [in_ceproom["id"], for_509["id"], in_room1["id"]]
    assert waiting_ids(client, room_code="ROOM1") == [in_room1["id"]]
    assert waiting_ids(client, provider_id="509") == [in_ceproom["id"], for_509["id"]]
    assert waiting_ids(client, provider_id="826") == [in_ceproom["id"]]  # 509's patient waits for 509
    assert waiting_ids(client, provider_id="403") == [in_room1["id"]]
    error(client.get("/_sim/provider/waiting", query_string={"room_code": "nosuch"}), 400, "room_code")


def test_a_walkin_on_behalf_is_no_keep_alive(client, clinic, world):
    patient_id, token = clinic.sso()
    intake = clinic.intake(token)["id"]
    staff = clinic.staff_token()
    visit = ok(clinic.post("/visits/add_walkin", staff, member_id=patient_id, intake_id=intake,
                           room_code="ceproom1"))
    assert world.account("vclinic").users.get(patient_id).get("last_connected") is None
    assert visit["id"] not in waiting_ids(client)
    ok(clinic.post("/users/alive", token))
    assert visit["id"] in waiting_ids(client)


def test_entering_the_waiting_room_is_a_keep_alive(client, clinic, world):
    now = freeze(client)
    patient_id, token = clinic.sso()
    ok(clinic.post("/users/alive", token, heartbeat=30))
    advance(client, 100)
    clinic.walkin(token)
    user = world.account("vclinic").users.get(patient_id)
    assert (user["last_connected"], user["heartbeat"]) == (now + 100, 30)  # the heartbeat is kept
    assert user_rules.is_alive(user, now + 130) and not user_rules.is_alive(user, now + 131)
    me = ok(client.get("/api_v3/me", headers=auth(token)))
    assert me["last_connected"] == now + 100


def test_bad_waiting_queries_and_unknown_routes(client):
    error(client.get("/_sim/provider/waiting", headers={"X-AccountCode": "nosuch"}), 404)
    error(client.get(f"{PROVIDER}/14/start"), 405)
    error(client.post(f"{PROVIDER}/14/finish"), 404)
    assert ok(client.get("/api_v3/rooms", headers=API_KEY))  # the API is untouched by /_sim
