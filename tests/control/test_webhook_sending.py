"""Webhooks never hold an API response: the sender pool posts after the response.

A *held* receiver accepts a post and does not answer until the test lets it: while it
holds, the request that fired the event has already answered, other requests and ticks
answer, and another webhook's deliveries go. Nothing here measures time: a request that
waited for the receiver would not return before the receiver is released (events, not
sleeps, order the steps; every wait is bounded).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from clinic import PATIENT_201, auth, ok
from test_webhooks import Receiver, deliveries, register, start, walk_in

from vsee_sim import control
from vsee_sim.control.events import sending

BOUND = 10  # seconds any wait here may take at most (a failure, never the normal path)


class HeldReceiver:
    """Takes each post and answers 200 only once ``release`` is set."""

    def __init__(self):
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.events: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.events.append(json.loads(raw)["event"])
                receiver.arrived.set()
                receiver.release.wait(BOUND)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/held"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def held():
    found = HeldReceiver()
    yield found
    found.close()


def test_the_request_that_fires_the_event_answers_while_its_receiver_holds_the_post(client, clinic, world, held):
    register(client, held.url)
    _, visit = walk_in(clinic)                    # answered: 200 with the visit
    assert held.arrived.wait(BOUND)               # the post is made meanwhile, by the pool
    assert [d["status"] for d in deliveries(client, wait=0)] == ["sending"]
    # other requests of the namespace, a tick and a clock move answer while the post is held
    assert ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))["id"] == "201"
    start(clinic, visit["id"])                    # queues visit.started behind the held one
    control.tick(world)
    ok(client.post("/_sim/clock/advance", json={"seconds": 60}))
    assert held.events == ["visit.created"]       # strict order: the next waits for the held one
    held.release.set()
    assert [(d["event"], d["status"]) for d in deliveries(client)] == [
        ("visit.started", "delivered"), ("visit.created", "delivered")]
    assert held.events == ["visit.created", "visit.started"]


def test_a_held_webhook_does_not_hold_another_webhooks_deliveries(client, clinic, held):
    free = Receiver()
    try:
        register(client, held.url)
        register(client, free.url)
        _, visit = walk_in(clinic)
        start(clinic, visit["id"])
        assert held.arrived.wait(BOUND)
        log = deliveries(client, wait=BOUND, webhook_id=ok(client.get("/_sim/webhooks"))[1]["id"])
        # the free receiver got both while the held one still has its first
        assert free.events == ["visit.created", "visit.started"] and {d["status"] for d in log} == {"delivered"}
        assert held.events == ["visit.created"]
    finally:
        free.close()
        held.release.set()


def test_a_wait_that_runs_out_answers_the_log_as_it_stands(client, clinic, held):
    register(client, held.url)
    walk_in(clinic)
    assert held.arrived.wait(BOUND)
    [delivery] = deliveries(client, wait=0.1)     # the receiver still holds it: the wait runs out
    assert (delivery["status"], delivery["attempts"]) == ("sending", 0)
    held.release.set()
    [delivery] = deliveries(client)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 1)


def test_retry_of_a_delivery_being_sent_is_a_409(client, clinic, held):
    register(client, held.url)
    walk_in(clinic)
    assert held.arrived.wait(BOUND)
    [delivery] = deliveries(client, wait=0)
    resp = client.post(f"/_sim/webhooks/deliveries/{delivery['id']}/retry")
    assert resp.status_code == 409 and resp.get_json()["code"] == 409


# -- one attempt: short timeouts ------------------------------------------------------------------
def _delivery(url: str) -> dict:
    return {"id": "d1", "event": "visit.created", "url": url, "payload": {"event": "visit.created", "data": {}}}


def test_a_black_holed_receiver_is_a_failed_attempt_after_the_read_timeout():
    with socket.socket() as hole:                 # accepts connections (the kernel does) and never answers
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        outcome = sending.post(_delivery(f"http://127.0.0.1:{hole.getsockname()[1]}/x"), None, "ns",
                               connect_timeout=1.0, read_timeout=0.2)
    assert "status_code" not in outcome and "timed out" in outcome["error"].lower()


def test_a_closed_port_is_a_failed_attempt_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]              # closed again: nothing listens there
    outcome = sending.post(_delivery(f"http://127.0.0.1:{port}/x"), None, "ns", connect_timeout=1.0,
                           read_timeout=0.2)
    assert "refused" in outcome["error"].lower()


def test_the_pool_is_bounded_and_configured_from_the_settings(app):
    pool = app.extensions["vsee_sim"].webhooks
    assert pool is sending.DISPATCHER
    shown = ok(app.test_client().get("/_sim/health"))["webhooks"]
    assert (shown["senders"], shown["connect_timeout"], shown["read_timeout"]) == (8, 2.0, 3.0)
    with pytest.raises(ValueError):
        sending.Dispatcher(senders=0)


# -- waiting holds a server thread: a bounded number of waiters ----------------------------------
@pytest.fixture()
def no_waiter_free(monkeypatch):
    """Every waiter's place taken (as by clients waiting on hanging receivers)."""
    taken = threading.BoundedSemaphore(1)
    taken.acquire()
    monkeypatch.setattr(sending.DISPATCHER, "waiters", taken)
    return taken


def test_a_waiter_past_the_bound_is_a_503_at_once_and_a_plain_read_still_answers(client, no_waiter_free):
    resp = client.get("/_sim/webhooks/deliveries?wait=30")
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "1"
    assert resp.get_json()["code"] == 503 and "retry" in resp.get_json()["message"]
    for query in ("", "?wait=0"):              # no waiting asked: answered as it stands
        assert client.get("/_sim/webhooks/deliveries" + query).status_code == 200
    no_waiter_free.release()                   # a place comes free: waiting works again
    assert client.get("/_sim/webhooks/deliveries?wait=1").status_code == 200


class FreeOnSecondTry:
    """Waiter places that are all taken at the first ask and free at the next."""

    def __init__(self):
        self.asked = 0

    def acquire(self, blocking=True):
        self.asked += 1
        return self.asked > 1

    def release(self):
        pass


def test_the_plugin_asks_again_when_every_waiter_place_is_taken(vsee, monkeypatch):
    places = FreeOnSecondTry()
    monkeypatch.setattr(sending.DISPATCHER, "waiters", places)
    # 30 s: the second ask must come while time is left (a loaded machine took over 5 s once)
    assert vsee.deliveries(wait=30) == [] and places.asked == 2


def test_the_waiters_bound_is_half_the_server_threads():
    from vsee_sim.app import create_app

    health = create_app({"SERVER_THREADS": 2, "TICK_INTERVAL": 0}).test_client().get("/_sim/health")
    assert health.get_json()["data"]["webhooks"]["waiters"] == 1
    health = create_app({"TICK_INTERVAL": 0}).test_client().get("/_sim/health")
    assert health.get_json()["data"]["webhooks"]["waiters"] == 4
