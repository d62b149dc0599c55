"""The visit machine and the waiting room, driven through the HTTP API (hypothesis stateful).

Patients walk in, providers start and close calls, patients cancel, and the namespace clock
moves past the clinic's max wait. After every step: each visit's status is one of the six,
every change seen is a declared transition, the queue is FIFO with the model's order, and it
never holds more than the room's capacity.
"""

from __future__ import annotations

import itertools

from clinic import PROVIDER_826, Clinic, auth
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from vsee_sim.api.visits import rules

DECLARED = {(a, b) for table in rules.TRANSITIONS.values() for a, b in table.items()}
CAPACITY = 4
MAX_WAIT = 3600
_names = itertools.count()


class VisitMachine(RuleBasedStateMachine):
    app = None      # set by the test below (the session's app)

    @initialize()
    def setup(self):
        self.client = self.app.test_client()
        ns = f"machine-{next(_names)}"
        self.client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
        self.client.get("/_sim/health")
        self.world = self.app.extensions["vsee_sim"].worlds.get(ns)
        settings_ = self.world.account("vclinic").meta["settings"]
        settings_["waiting_room"]["capacity"] = CAPACITY
        settings_["visit"]["time"]["max_wait_time"] = MAX_WAIT
        self.world.clock.freeze(1_800_000_000)
        self.clinic = Clinic(self.client, self.world)
        self.staff = self.clinic.staff_token()
        # the demo's own waiting walk-ins are out of this model: close them first
        for visit in self.clinic.ok(self.clinic.get("/visits", self.staff, status="10")):
            self.clinic.ok(self.clinic.post("/visits/close", self.staff, id=visit["id"]))
        self.seen: dict[str, int] = {}
        self.waiting: list[tuple[str, str]] = []      # (visit id, patient token), FIFO

    def _track(self, visit: dict) -> None:
        old = self.seen.get(visit["id"])
        new = int(visit["status"])
        assert new in rules.STATUSES
        if old is not None and old != new:
            assert (old, new) in DECLARED, (old, new)
        self.seen[visit["id"]] = new

    @rule()
    def walk_in(self):
        _, token = self.clinic.sso()
        intake = self.clinic.intake(token)["id"]
        r = self.clinic.post("/visits/add_walkin", token, intake_id=intake, room_code="ceproom1")
        if len(self.waiting) >= CAPACITY:
            assert r.status_code == 400 and "full" in r.get_json()["message"]
            return
        visit = self.clinic.ok(r)
        assert visit["status"] == rules.PENDING
        self._track(visit)
        self.waiting.append((visit["id"], token))

    @precondition(lambda self: self.seen)
    @rule(data=st.data(), action=st.sampled_from(["inprogress", "close", "close30", "close40", "delete"]))
    def act(self, data, action):
        visit_id = data.draw(st.sampled_from(sorted(self.seen)))
        path, body = {"inprogress": ("/visits/inprogress", {}), "close": ("/visits/close", {}),
                      "close30": ("/visits/close", {"status": 30}), "close40": ("/visits/close", {"status": 40}),
                      "delete": ("/visits/delete", {})}[action]
        r = self.clinic.post(path, PROVIDER_826, id=visit_id, **body)
        if r.status_code == 400:
            assert "cannot move from status" in r.get_json()["message"]
            assert self.seen[visit_id] == int(self.world.account("vclinic").visits.get(visit_id)["status"])
            return
        self._track(self.clinic.ok(r))
        self.waiting = [(v, t) for v, t in self.waiting if v != visit_id]

    @rule(seconds=st.sampled_from([60, 1800, MAX_WAIT + 1]))
    def time_passes(self, seconds):
        now = self.world.clock.ts()
        self.world.clock.advance(seconds)
        # the model's expiry: walk-ins created more than MAX_WAIT ago are cancelled
        db = self.world.account("vclinic").visits
        expired = [v for v, _ in self.waiting if now + seconds - int(db.get(v)["created"]) > MAX_WAIT]
        self.waiting = [(v, t) for v, t in self.waiting if v not in expired]
        for visit in self.clinic.ok(self.clinic.get("/visits", self.staff)):
            if visit["id"] not in self.seen:
                continue                                # the demo's own visits
            self._track(visit)
            if visit["id"] in expired:
                assert (visit["status"], visit["reason"]) == (40, "maxwaitingtime_reached")

    @invariant()
    def queue_matches_the_model(self):
        if not hasattr(self, "clinic"):
            return
        view = self.clinic.queue()
        assert view["length"] == len(self.waiting) <= CAPACITY
        # tokens live 86400 s; a run moves the clock by at most 15 * 3601 s, so each is still valid
        for position, (_, token) in enumerate(self.waiting):
            mine = self.clinic.ok(self.client.get("/api_v3/rooms/ceproom1/queue", headers=auth(token)))
            assert mine["before_me"] == position


def test_visit_machine(app):
    VisitMachine.app = app
    run = VisitMachine.TestCase
    run.settings = settings(max_examples=15, stateful_step_count=15, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])
    run().runTest()
