"""Token lifecycle: the pure expiry rules, and a model-checked state machine through the app.

Model: an access token opens GET /me iff it was issued less than 86400 s ago on the
namespace clock and was not logged out; a refresh token refreshes iff it was issued less
than 2592000 s ago and still exists. Everything else is 401 with VSee's error body.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from vsee_sim.api.users.rules import ACCESS_TTL, REFRESH_TTL, token_expiries, token_is_live
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import live_token

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"  # user 201, no expiry, also a refresh token
API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
T0 = 1_700_000_000
_names = itertools.count()


# -- pure rules -------------------------------------------------------------------------
def test_documented_lifetimes():
    assert (ACCESS_TTL, REFRESH_TTL) == (86400, 2592000)


@given(st.integers(min_value=0, max_value=4_000_000_000))
def test_token_expiries_are_now_plus_ttls(now):
    access, refresh = token_expiries(now)
    assert access == now + 86400
    assert refresh == now + 2592000
    assert access < refresh


@given(issued=st.integers(0, 2_000_000_000), age=st.integers(0, 5_000_000),
       kind=st.sampled_from(["access", "refresh"]))
def test_a_token_is_live_exactly_while_younger_than_its_ttl(issued, age, kind):
    access_exp, refresh_exp = token_expiries(issued)
    token = {"kind": kind, "expiry": access_exp if kind == "access" else refresh_exp}
    ttl = ACCESS_TTL if kind == "access" else REFRESH_TTL
    assert token_is_live(token, issued + age, kind) is (age < ttl)


@given(now=st.floats(0, 4e9, allow_nan=False), kind=st.sampled_from(["access", "refresh"]))
def test_tokens_without_expiry_never_expire(now, kind):
    assert token_is_live({"kind": kind, "expiry": None}, now, kind)


@given(now=st.integers(0, 4_000_000_000), expiry=st.none() | st.integers(0, 4_000_000_000),
       also=st.booleans())
def test_kind_must_match_except_documented_also_refresh(now, expiry, also):
    access = {"kind": "access", "expiry": expiry, "also_refresh": also}
    refresh = {"kind": "refresh", "expiry": expiry}
    alive = expiry is None or now < expiry
    assert token_is_live(refresh, now, "access") is False
    assert token_is_live(access, now, "refresh") is (also and alive)
    assert token_is_live(None, now, "access") is False
    assert token_is_live(None, now, "refresh") is False


@given(kind=st.sampled_from(["access", "refresh", None]), expiry=st.none() | st.integers(0, 3000),
       now=st.integers(0, 3000))
def test_request_auth_agrees_with_the_rule(kind, expiry, now):
    """tenancy.live_token (what every request uses) and rules.token_is_live never disagree."""
    world = World("pure", {"accounts": []}, 1)
    world.clock.freeze(now)
    record = {"token": "t" * 32, "user_id": "1", "expiry": expiry}
    if kind is not None:
        record["kind"] = kind
    world.tokens.insert(record)
    assert (live_token(world, "t" * 32) is not None) is token_is_live(record, now, "access")


# -- through the app: boundaries ----------------------------------------------------------
def _login(client):
    resp = client.post("/api_v3/users/login", data={"username": "member-201", "password": "111111"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["data"]


def _assert_401(resp):
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["code"] == 401
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize("age, ok", [(0, True), (86399, True), (86400, False), (86401, False)])
def test_access_token_boundary(client, world, age, ok):
    world.clock.freeze(T0)
    data = _login(client)
    assert data["created"] == T0 and data["expiry"] == T0 + 86400
    world.clock.advance(age)
    resp = client.get("/api_v3/me", headers={"X-ApiToken": data["token"]})
    if ok:
        assert resp.status_code == 200 and resp.get_json()["data"]["id"] == "201"
    else:
        _assert_401(resp)


@pytest.mark.parametrize("age, ok", [(2591999, True), (2592000, False)])
def test_refresh_token_boundary(client, world, age, ok):
    world.clock.freeze(T0)
    data = _login(client)
    assert data["refresh_token"]["expiry"] == T0 + 2592000
    world.clock.advance(age)
    resp = client.post("/api_v3/tokens/refresh", data={"refresh_token": data["refresh_token"]["token"]})
    if ok:
        fresh = resp.get_json()["data"]
        assert resp.status_code == 200
        assert fresh["expiry"] == T0 + age + 86400
        assert client.get("/api_v3/me", headers={"X-ApiToken": fresh["token"]}).status_code == 200
    else:
        _assert_401(resp)


def test_documented_token_survives_any_clock(client, world):
    world.clock.freeze(T0)
    world.clock.advance(10 * 365 * 86400)
    assert client.get("/api_v3/me", headers={"X-ApiToken": DEMO_TOKEN}).status_code == 200
    resp = client.post("/api_v3/tokens/refresh", data={"refresh_token": DEMO_TOKEN})
    assert resp.status_code == 200 and resp.get_json()["data"]["user_id"] == "201"


def test_an_access_token_is_not_a_refresh_token(client, world):
    world.clock.freeze(T0)
    data = _login(client)
    _assert_401(client.post("/api_v3/tokens/refresh", data={"refresh_token": data["token"]}))
    # and a refresh token does not open GET /me
    _assert_401(client.get("/api_v3/me", headers={"X-ApiToken": data["refresh_token"]["token"]}))


# -- through the app: the state machine ----------------------------------------------------
class TokenLifecycle(RuleBasedStateMachine):
    """Issue, refresh, move the clock and log out at random; GET /me and refresh follow the model.

    ``order`` keeps every token ever seen (logged-out ones too, to probe them)."""

    def __init__(self, app):
        super().__init__()
        self.ns = f"tok{os.getpid()}-{next(_names)}"
        self.client = app.test_client()
        self.client.environ_base["HTTP_X_SIM_NAMESPACE"] = self.ns
        self.world = app.extensions["vsee_sim"].worlds.get(self.ns)
        self.world.clock.freeze(T0)
        self.now = T0
        # value -> (user key, issued at or None for never-expiring); removed when logged out
        self.access: dict[str, tuple[str, int | None]] = {DEMO_TOKEN: ("201", None)}
        self.refresh: dict[str, tuple[str, int | None]] = {DEMO_TOKEN: ("201", None)}
        self.user_ids = {"201": "201"}     # user key -> user id
        self.order = [DEMO_TOKEN]

    @initialize()
    def start(self):
        assert self.world.clock.ts() == T0

    # the model ---------------------------------------------------------------------------
    def access_live(self, value: str) -> bool:
        if value not in self.access:
            return False
        issued = self.access[value][1]
        return issued is None or self.now - issued < ACCESS_TTL

    def refresh_live(self, value: str) -> bool:
        if value not in self.refresh:
            return False
        issued = self.refresh[value][1]
        return issued is None or self.now - issued < REFRESH_TTL

    def _known(self) -> list[str]:
        """Every token seen, in the order issued (not by value: values differ per namespace)."""
        return list(self.order)

    # rules ---------------------------------------------------------------------------------
    @rule(how=st.sampled_from(["login", "sso:c1", "sso:c2"]))
    def issue(self, how):
        if how == "login":
            resp = self.client.post("/api_v3/users/login", json={"username": "member-201", "password": "111111"})
            user_key = "201"
        else:
            user_key = how.split(":")[1]
            resp = self.client.post("/api_v3/users/sso", headers=API, data={
                "first_name": "Pat", "last_name": user_key, "code": f"{self.ns}-{user_key}", "type": "200"})
        assert resp.status_code == 200, resp.get_json()
        data = resp.get_json()["data"]
        token = data if how == "login" else data["token"]
        if how != "login":
            self.user_ids.setdefault(user_key, data["id"])
            assert data["id"] == self.user_ids[user_key], "the same code must map to the same user"
        assert token["user_id"] == self.user_ids[user_key]
        assert token["expiry"] == self.now + ACCESS_TTL
        assert token["refresh_token"]["expiry"] == self.now + REFRESH_TTL
        assert token["refresh_token"]["created"] == self.now
        assert token["token"] not in self._known() and token["refresh_token"]["token"] not in self._known()
        self.access[token["token"]] = (user_key, self.now)
        self.refresh[token["refresh_token"]["token"]] = (user_key, self.now)
        self.order += [token["token"], token["refresh_token"]["token"]]

    # Random seconds, with the TTL boundaries weighted in so off-by-a-bit expiry is caught.
    @rule(seconds=st.sampled_from([1, 43200, 86399, 86400, 86401, 2591999, 2592000])
          | st.integers(0, 3_000_000))
    def advance(self, seconds):
        self.world.clock.advance(seconds)
        self.now += seconds
        assert self.world.clock.ts() == self.now

    @rule(data=st.data())
    def refresh_one(self, data):
        choices = self._known() + ["0" * 32]
        value = data.draw(st.sampled_from(choices), label="refresh_token")
        resp = self.client.post("/api_v3/tokens/refresh", data={"refresh_token": value})
        if self.refresh_live(value):
            assert resp.status_code == 200, resp.get_json()
            out = resp.get_json()["data"]
            user_key = self.refresh[value][0]
            assert out["user_id"] == self.user_ids[user_key]
            assert out["expiry"] == self.now + ACCESS_TTL
            assert out["token"] not in self._known()
            self.access[out["token"]] = (user_key, self.now)
            self.order.append(out["token"])
        else:
            _assert_401(resp)

    @rule(data=st.data())
    def logout(self, data):
        """docs/fidelity.md U8: the tokens given are the credential; with none, the X-ApiToken sent."""
        caller = data.draw(st.sampled_from(self._known() + ["e" * 32]), label="caller")
        targets = data.draw(st.lists(st.sampled_from(self._known()), max_size=3, unique=True), label="tokens")
        body = {"tokens": targets} if targets else {}
        resp = self.client.post("/api_v3/users/logout", json=body, headers={"X-ApiToken": caller})
        assert resp.status_code == 200 and resp.get_json() == {"data": True}
        for value in targets or [caller]:
            self.access.pop(value, None)
            self.refresh.pop(value, None)

    @rule(data=st.data())
    def use(self, data):
        value = data.draw(st.sampled_from(self._known() + ["f" * 32]), label="token")
        resp = self.client.get("/api_v3/me", headers={"X-ApiToken": value})
        if self.access_live(value):
            assert resp.status_code == 200, resp.get_json()
            assert resp.get_json()["data"]["id"] == self.user_ids[self.access[value][0]]
        else:
            _assert_401(resp)

    @invariant()
    def every_known_token_follows_the_model(self):
        assert self.world.clock.ts() == self.now
        for value in self._known():
            resp = self.client.get("/api_v3/me", headers={"X-ApiToken": value})
            assert resp.status_code == (200 if self.access_live(value) else 401), (value, resp.get_json())

    def teardown(self):
        self.world.clock.real()


def test_token_lifecycle_state_machine(app):
    run_state_machine_as_test(
        lambda: TokenLifecycle(app),
        settings=settings(max_examples=25, deadline=None, stateful_step_count=25,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
