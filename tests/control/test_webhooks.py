"""/_sim/webhooks: visit events posted to receivers on loopback, in order, retried on the namespace clock.

The receiver is a real HTTP server on 127.0.0.1 in a thread. A delivery is posted by the
sender pool after the API response that caused it; a test knows it was sent by reading the
delivery log with ``wait`` (it blocks until every delivery that is due has been attempted,
woken by each attempt), and a retry falls due on the namespace clock, so nothing here sleeps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from clinic import PROVIDER_826, error, ok

from vsee_sim import control
from vsee_sim.control.events import rules
from vsee_sim.core.store import AccountDB

T0 = 1_767_225_600  # 2026-01-01


class Receiver:
    """Records every post; answers ``fail`` (500) to the first ``fail_first`` of them."""

    def __init__(self):
        self.posts: list[dict] = []
        self.fail_first = 0
        self.on_post = None        # called with each post, in the server's thread, before answering
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                post = {"path": self.path, "headers": dict(self.headers), "raw": raw, "body": json.loads(raw)}
                receiver.posts.append(post)
                if receiver.on_post:
                    receiver.on_post(post)
                failing = len(receiver.posts) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def events(self) -> list[str]:
        return [p["body"]["event"] for p in self.posts]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    found = Receiver()
    yield found
    found.close()


def register(client, url, **body) -> dict:
    # The demo's stale walk-ins (max wait long past) are settled by the registration itself,
    # so the receiver sees only the test's own visits.
    return ok(client.post("/_sim/webhooks", json={"url": url, **body}))


def deliveries(client, **query) -> list[dict]:
    """The delivery log once everything due has been attempted (``wait``, bounded)."""
    return ok(client.get("/_sim/webhooks/deliveries", query_string={"wait": 10, **query}))


def settle(client) -> None:
    deliveries(client)


def walk_in(clinic) -> tuple[str, dict]:
    member_id, token = clinic.sso()
    return member_id, clinic.walkin(token)


def start(clinic, visit_id):
    return clinic.ok(clinic.post("/visits/inprogress", PROVIDER_826, id=visit_id))


def complete(clinic, visit_id):
    return clinic.ok(clinic.post("/visits/close", PROVIDER_826, id=visit_id, status=30))


# -- done when: every transition of a walk-in, in order -----------------------------------------
def test_a_receiver_gets_every_visit_transition_of_a_walk_in_in_order(client, clinic, world, ns, receiver):
    hook = register(client, receiver.url)
    assert (hook["events"], hook["account"], "secret" in hook) == (["*"], None, False)
    member_id, visit = walk_in(clinic)
    settle(client)  # posted after the API answered: the log says when
    assert receiver.events == ["visit.created"]
    start(clinic, visit["id"])
    complete(clinic, visit["id"])
    settle(client)
    assert receiver.events == ["visit.created", "visit.started", "visit.completed"]
    assert [p["body"]["data"]["id"] for p in receiver.posts] == [visit["id"]] * 3
    assert {p["body"]["data"]["member_id"] for p in receiver.posts} == {member_id}
    assert [p["body"]["data"]["status"] for p in receiver.posts] == [10, 25, 30]
    log = deliveries(client)
    assert [d["event"] for d in log] == ["visit.completed", "visit.started", "visit.created"]  # newest first
    assert {(d["status"], d["attempts"], d["webhook_id"]) for d in log} == {("delivered", 1, hook["id"])}
    for post, delivery in zip(receiver.posts, reversed(log), strict=True):
        headers = post["headers"]
        assert headers["Content-Type"] == "application/json" and post["path"] == "/hook"
        assert (headers["X-Sim-Event"], headers["X-Sim-Delivery"]) == (delivery["event"], delivery["id"])
        assert headers["X-Sim-Namespace"] == ns and "X-Sim-Signature" not in headers
        assert post["body"] == delivery["payload"]


def test_a_receiver_may_call_the_simulator_back_while_it_handles_a_delivery(app, client, clinic, ns, receiver):
    """The post is made without the world lock: the receiver starts the visit it is told of."""
    callback = app.test_client()
    callback.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
    answers = []

    def start_it(post):
        if post["body"]["event"] == "visit.created":
            answers.append(callback.post("/api_v3/visits/inprogress", json={"id": post["body"]["data"]["id"]},
                                         headers={"X-ApiToken": PROVIDER_826, "X-AccountCode": "vclinic"}))

    receiver.on_post = start_it
    register(client, receiver.url)
    _, visit = walk_in(clinic)
    settle(client)
    assert [a.status_code for a in answers] == [200]
    # the callback's event was sent after the first
    assert receiver.events == ["visit.created", "visit.started"]
    assert {(d["status"], d["attempts"]) for d in deliveries(client)} == {("delivered", 1)}
    assert clinic.status(visit["id"]) == 25


def test_concurrent_requests_deliver_each_event_once_in_commit_order(app, ns, world, receiver):
    from clinic import Clinic

    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
    register(client, receiver.url)
    barrier = threading.Barrier(4)
    failures = []

    def patient():
        own = app.test_client()
        own.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
        helper = Clinic(own, world)
        try:
            barrier.wait()
            for _ in range(2):
                _, visit = walk_in(helper)
                start(helper, visit["id"])
        except Exception as exc:  # reported below: an assert in a thread would be lost
            failures.append(exc)

    threads = [threading.Thread(target=patient) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    settle(client)
    queued = world.sim["deliveries"].all()  # insertion (commit) order
    assert len(queued) == 16 and {d["status"] for d in queued} == {"delivered"}
    assert [p["headers"]["X-Sim-Delivery"] for p in receiver.posts] == [d["id"] for d in queued]
    for visit_id in {p["body"]["data"]["id"] for p in receiver.posts}:
        assert [p["body"]["event"] for p in receiver.posts if p["body"]["data"]["id"] == visit_id] == [
            "visit.created", "visit.started"]


# -- a failing receiver: retries on the namespace clock, in order ------------------------------
def test_a_failed_delivery_is_retried_when_the_clock_passes_its_backoff_and_later_ones_wait(
        client, clinic, receiver):
    ok(client.post("/_sim/clock/freeze", json={"at": T0}))
    receiver.fail_first = 1
    register(client, receiver.url)
    _, visit = walk_in(clinic)
    [created] = deliveries(client)
    assert (created["status"], created["attempts"], created["next_attempt"]) == ("pending", 1, T0 + rules.backoff(1))
    assert created["last_status_code"] == 500
    [attempt] = ok(client.get(f"/_sim/webhooks/deliveries/{created['id']}"))["log"]
    assert (attempt["at"], attempt["status_code"]) == (T0, 500) and attempt["duration_ms"] >= 0
    start(clinic, visit["id"])
    complete(clinic, visit["id"])
    assert [d["status"] for d in deliveries(client)] == ["pending", "pending", "pending"]
    assert len(receiver.posts) == 1  # the later events queue behind the pending one

    ok(client.post("/_sim/clock/advance", json={"seconds": rules.backoff(1) - 1}))
    settle(client)
    assert len(receiver.posts) == 1
    ok(client.post("/_sim/clock/advance", json={"seconds": 1}))
    settle(client)
    assert receiver.events == ["visit.created", "visit.created", "visit.started", "visit.completed"]
    log = deliveries(client)
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [
        ("visit.completed", "delivered", 1), ("visit.started", "delivered", 1), ("visit.created", "delivered", 2)]
    detail = ok(client.get(f"/_sim/webhooks/deliveries/{created['id']}"))
    assert [(a["at"], a["status_code"]) for a in detail["log"]] == [(T0, 500), (T0 + 10, 200)]
    assert detail["delivered_at"] == T0 + 10 and detail["next_attempt"] is None


def test_moving_the_clock_in_process_and_ticking_sends_the_retry(client, clinic, world, receiver):
    world.clock.freeze(T0)
    receiver.fail_first = 2
    register(client, receiver.url)
    walk_in(clinic)
    for attempts in (1, 2):
        [delivery] = deliveries(client)
        assert (delivery["attempts"], delivery["status"]) == (attempts, "pending")
        world.clock.advance(delivery["next_attempt"] - world.clock.ts())
        control.tick(world)
    [delivery] = deliveries(client)
    assert (delivery["attempts"], delivery["status"]) == (3, "delivered")
    assert len(receiver.posts) == 3


def test_a_delivery_gives_up_after_max_attempts_and_the_next_one_goes(client, clinic, world, receiver):
    world.clock.freeze(T0)
    receiver.fail_first = rules.MAX_ATTEMPTS
    register(client, receiver.url)
    _, visit = walk_in(clinic)
    waits = []
    for _ in range(rules.MAX_ATTEMPTS - 1):
        [delivery] = deliveries(client, event="visit.created")
        waits.append(delivery["next_attempt"] - world.clock.ts())
        world.clock.advance(waits[-1])
        control.tick(world)
    assert waits == [10, 30, 90, 270, 810]
    [failed] = deliveries(client, event="visit.created")
    assert (failed["status"], failed["attempts"], failed["next_attempt"]) == ("failed", rules.MAX_ATTEMPTS, None)
    assert len(ok(client.get(f"/_sim/webhooks/deliveries/{failed['id']}"))["log"]) == rules.MAX_ATTEMPTS
    world.clock.advance(3600)
    control.tick(world)
    settle(client)
    assert len(receiver.posts) == rules.MAX_ATTEMPTS  # failed for good
    start(clinic, visit["id"])  # no longer blocked by the failed one
    settle(client)
    assert receiver.events[-1] == "visit.started"
    assert [d["status"] for d in deliveries(client, status="failed")] == ["failed"]


def test_a_receiver_that_is_down_is_a_failed_attempt_with_its_error(client, clinic, world):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    world.clock.freeze(T0)
    register(client, f"http://127.0.0.1:{port}/down")
    walk_in(clinic)
    [delivery] = deliveries(client)
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, None)
    assert "refused" in delivery["last_error"].lower()
    [attempt] = ok(client.get(f"/_sim/webhooks/deliveries/{delivery['id']}"))["log"]
    assert attempt["at"] == T0 and "status_code" not in attempt and attempt["error"] == delivery["last_error"]


def test_retry_sends_again_now(client, clinic, world, receiver):
    world.clock.freeze(T0)
    receiver.fail_first = 1
    register(client, receiver.url)
    walk_in(clinic)
    [delivery] = deliveries(client)
    assert delivery["status"] == "pending" and delivery["next_attempt"] == T0 + 10
    retried = ok(client.post(f"/_sim/webhooks/deliveries/{delivery['id']}/retry"))
    assert (retried["status"], retried["attempts"], len(retried["log"])) == ("delivered", 2, 2)
    again = ok(client.post(f"/_sim/webhooks/deliveries/{delivery['id']}/retry"))  # a delivered one too
    assert (again["status"], again["attempts"]) == ("delivered", 3)
    assert receiver.events == ["visit.created"] * 3
    error(client.post("/_sim/webhooks/deliveries/nope/retry"), 404)
    error(client.get("/_sim/webhooks/deliveries/nope"), 404)


# -- signing, filters, deleting, reset ---------------------------------------------------------
def test_a_webhook_with_a_secret_signs_the_exact_body(client, clinic, receiver):
    hook = register(client, receiver.url, secret="s3cret")
    assert hook["secret"] == "s3cret"
    walk_in(clinic)
    settle(client)
    [post] = receiver.posts
    expected = "sha256=" + hmac.new(b"s3cret", post["raw"], hashlib.sha256).hexdigest()
    assert post["headers"]["X-Sim-Signature"] == expected


@pytest.mark.parametrize(("body", "field"), [
    ({}, "url"),
    ({"url": ""}, "url"),
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "example.com/hook"}, "url"),
    ({"url": "http://"}, "url"),
    ({"url": "http://exa mple.com/"}, "url"),
    ({"url": "http://example.com:99999/"}, "url"),
    ({"url": "http://example.com/", "events": ["visit.complete"]}, "events"),
    ({"url": "http://example.com/", "events": ["Visit Created"]}, "events"),
    ({"url": "http://example.com/", "events": []}, "events"),
    ({"url": "http://example.com/", "events": "visit.*"}, None),
    ({"url": "http://example.com/", "account": "nosuchclinic"}, "account"),
])
def test_registering_checks_url_events_and_account(client, body, field):
    resp = client.post("/_sim/webhooks", json=body)
    if field is None:
        assert ok(resp)["events"] == ["visit.*"]
    else:
        error(resp, 400, field)
        assert ok(client.get("/_sim/webhooks")) == []


def test_a_webhook_gets_only_the_events_it_asked_for(client, clinic, receiver):
    other = Receiver()
    try:
        register(client, receiver.url, events=["visit.completed", "visit.cancelled"])
        register(client, other.url, events="visit.*")
        _, visit = walk_in(clinic)
        start(clinic, visit["id"])
        complete(clinic, visit["id"])
        settle(client)
        assert receiver.events == ["visit.completed"]
        assert other.events == ["visit.created", "visit.started", "visit.completed"]
    finally:
        other.close()


def test_an_account_filter_keeps_other_accounts_events_out(client, clinic, world, receiver):
    world.accounts["otherclinic"] = AccountDB("otherclinic", {}, world.log)
    other = Receiver()
    try:
        register(client, receiver.url, account="otherclinic")
        hook = register(client, other.url, account="vclinic")
        assert hook["account"] == "vclinic"
        walk_in(clinic)
        settle(client)
        assert receiver.posts == [] and other.events == ["visit.created"]
    finally:
        other.close()


def test_deleting_a_webhook_stops_its_deliveries(client, clinic, world, receiver):
    world.clock.freeze(T0)
    receiver.fail_first = 1
    hook = register(client, receiver.url)
    assert ok(client.get(f"/_sim/webhooks/{hook['id']}")) == hook
    assert ok(client.get("/_sim/webhooks")) == [hook]
    _, visit = walk_in(clinic)
    assert deliveries(client)[0]["status"] == "pending"  # tried once, failed, waiting 10 s
    assert ok(client.delete(f"/_sim/webhooks/{hook['id']}")) is True
    [delivery] = deliveries(client)
    assert (delivery["status"], delivery["last_error"]) == ("failed", "webhook deleted")
    world.clock.advance(3600)
    control.tick(world)
    start(clinic, visit["id"])
    assert len(deliveries(client)) == 1 and len(receiver.posts) == 1
    error(client.post(f"/_sim/webhooks/deliveries/{delivery['id']}/retry"), 409)
    error(client.get(f"/_sim/webhooks/{hook['id']}"), 404)
    error(client.delete(f"/_sim/webhooks/{hook['id']}"), 404)


def test_reset_empties_webhooks_and_deliveries(client, clinic, receiver):
    register(client, receiver.url)
    walk_in(clinic)
    assert deliveries(client)
    ok(client.post("/_sim/reset", json={}))
    assert ok(client.get("/_sim/webhooks")) == [] and deliveries(client) == []
    walk_in(clinic)
    settle(client)
    assert len(receiver.posts) == 1


def test_a_failed_request_queues_no_delivery(client, clinic, world, receiver):
    """publish runs inside the request's transaction: an illegal transition leaves nothing behind."""
    receiver.fail_first = 99  # keep the created one pending, to see nothing joins it
    world.clock.freeze(T0)
    register(client, receiver.url)
    _, visit = walk_in(clinic)
    resp = clinic.post("/visits/close", PROVIDER_826, id=visit["id"], status=30)  # pending -> completed
    error(resp, 400)
    assert [d["event"] for d in deliveries(client)] == ["visit.created"]
    assert len(world.sim["deliveries"]) == 1 and len(receiver.posts) == 1


def test_the_delivery_log_filters_and_bounds(client, clinic, receiver):
    first = register(client, receiver.url)
    second = register(client, receiver.url, events=["visit.started"])
    _, visit = walk_in(clinic)
    start(clinic, visit["id"])
    assert len(deliveries(client)) == 3
    assert [d["event"] for d in deliveries(client, webhook_id=second["id"])] == ["visit.started"]
    assert [d["webhook_id"] for d in deliveries(client, event="visit.created")] == [first["id"]]
    assert [d["event"] for d in deliveries(client, limit=1)] == ["visit.started"]
    assert deliveries(client, status="pending") == []
    assert "log" not in deliveries(client)[0]
    error(client.get("/_sim/webhooks/deliveries?status=lost"), 400, "status")
    error(client.get("/_sim/webhooks/deliveries?limit=0"), 400, "limit")
    error(client.get("/_sim/webhooks/deliveries?limit=many"), 400, "limit")
    error(client.get("/_sim/webhooks/deliveries?wait=61"), 400, "wait")
    error(client.get("/_sim/webhooks/deliveries?wait=-1"), 400, "wait")
    error(client.get("/_sim/webhooks/deliveries?wait=nan"), 400, "wait")
