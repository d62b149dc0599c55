"""Ids: same seed, same ids (per namespace); the shapes VSee uses (DESIGN decision 10)."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.app import create_app
from vsee_sim.core.ids import Ids, namespace_seed

HEX32 = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")

seeds = st.integers(min_value=0, max_value=2**64 - 1)
operations = st.lists(
    st.one_of(
        st.just(("hex32",)), st.just(("uuid",)), st.just(("random",)),
        st.tuples(st.just("number"), st.sampled_from(["users", "visits", "rooms"])),
        st.tuples(st.just("alnum"), st.integers(1, 12)),
        st.tuples(st.just("mixed"), st.integers(1, 24)),
        st.tuples(st.just("digits"), st.integers(1, 8)),
    ),
    max_size=30,
)


def run(ids: Ids, ops) -> list:
    out = []
    for op in ops:
        name, *args = op
        out.append(ids.next_number(*args) if name == "number" else getattr(ids, name)(*args))
    return out


# -- determinism ---------------------------------------------------------------------------------
@given(seed=seeds, ops=operations)
def test_same_seed_same_sequence(seed, ops):
    assert run(Ids(seed), ops) == run(Ids(seed), ops)


@given(seed=seeds, before=operations, after=operations)
def test_export_and_import_continue_the_same_sequence(seed, before, after):
    ids = Ids(seed)
    run(ids, before)
    restored = Ids.from_dict(ids.to_dict())
    assert run(restored, after) == run(ids, after)


@given(seed=seeds, names=st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=2, unique=True))
def test_namespaces_get_different_streams(seed, names):
    a, b = (namespace_seed(seed, n) for n in names)
    assert a != b
    assert [Ids(a).hex32() for _ in range(3)] != [Ids(b).hex32() for _ in range(3)]


@given(seed=seeds, name=st.text(min_size=1, max_size=20))
def test_namespace_seed_is_stable_and_depends_on_the_seed(seed, name):
    assert namespace_seed(seed, name) == namespace_seed(seed, name)
    assert namespace_seed(seed, name) != namespace_seed(seed + 1, name)
    assert 0 <= namespace_seed(seed, name) < 2**64


def test_namespace_seed_is_process_independent():
    """A fixed value: the stream must not depend on PYTHONHASHSEED or the platform."""
    assert namespace_seed(7, "default") == namespace_seed(7, "default")
    assert namespace_seed(0, "default") == int.from_bytes(
        __import__("hashlib").sha256(b"0:default").digest()[:8], "big")


# -- shapes ------------------------------------------------------------------------------------------
@given(seed=seeds)
def test_shapes(seed):
    ids = Ids(seed)
    for _ in range(5):
        assert HEX32.match(ids.hex32())
        assert UUID.match(ids.uuid())
        assert re.fullmatch(r"[a-z0-9]{5}", ids.alnum(5))
        assert re.fullmatch(r"[a-z0-9]{10}", ids.alnum(10))
        assert re.fullmatch(r"[A-Za-z0-9]{24}", ids.mixed(24))
        assert re.fullmatch(r"[0-9]{6}", ids.digits(6))
        assert 0.0 <= ids.random() < 1.0


@given(seed=seeds, kinds=st.lists(st.sampled_from(["users", "visits"]), max_size=40),
       start=st.integers(1, 10**6))
def test_numeric_ids_increase_per_kind(seed, kinds, start):
    ids = Ids(seed)
    last: dict[str, int] = {}
    for kind in kinds:
        value = ids.next_number(kind, start)
        assert value.isdigit()
        assert int(value) >= start
        assert int(value) > last.get(kind, start - 1)
        if kind in last:
            assert int(value) == last[kind] + 1
        last[kind] = int(value)


@given(seen=st.lists(st.integers(0, 10**9), min_size=1, max_size=10), kind=st.sampled_from(["users", "visits"]))
def test_bump_keeps_new_ids_above_loaded_ones(seen, kind):
    ids = Ids(1)
    for number in seen:
        ids.bump(kind, str(number))
    assert int(ids.next_number(kind, 1)) == max(seen) + 1


def test_bump_ignores_non_numeric_ids():
    ids = Ids(1)
    ids.bump("users", "56e8c536-566c-44b6-bbca-66f0ac1f0144")
    ids.bump("users", None)
    assert ids.next_number("users") == "10001"


def test_default_numbering_starts_at_10001_per_kind():
    ids = Ids(3)
    assert [ids.next_number("users"), ids.next_number("users"), ids.next_number("visits")] == \
        ["10001", "10002", "10001"]


# -- through the app ---------------------------------------------------------------------------------------
def _sso_sequence(app, namespace: str, *, fresh: bool = True) -> list[dict]:
    """Three SSOs, a repeat and a login in ``namespace`` (re-created from the fixture first)."""
    if fresh:
        app.extensions["vsee_sim"].worlds.drop(namespace)
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = namespace
    app.extensions["vsee_sim"].worlds.get(namespace).clock.freeze(1_700_000_000)
    out = []
    for body in ({"first_name": "Ann", "last_name": "A", "code": "u-1", "type": 200},
                 {"first_name": "Bob", "last_name": "B", "code": "p-1", "type": 400},
                 {"first_name": "Gus", "last_name": "G", "type": 600},
                 {"first_name": "Ann", "last_name": "A", "code": "u-1", "type": 200}):
        resp = client.post("/api_v3/users/sso?fields=vsee", json=body, headers=API)
        assert resp.status_code == 200, resp.get_json()
        out.append(resp.get_json()["data"])
    login = client.post("/api_v3/users/login", json={"username": "member-201", "password": "111111"})
    assert login.status_code == 200
    out.append(login.get_json()["data"])
    return out


@pytest.fixture(scope="module")
def twin_apps():
    # The same signing secret too: a user's photo is a signed URL, random per server without one.
    config = {"FIXTURE": FIXTURE, "SEED": 1234, "SIGNING_SECRET": "twins"}
    return create_app(config), create_app(config)


def test_same_seed_same_namespace_same_ids_and_tokens(twin_apps):
    first, second = (_sso_sequence(app, "twins") for app in twin_apps)
    assert first == second
    tokens = [d["token"]["token"] for d in first[:4]] + [first[4]["token"]]
    assert all(HEX32.match(t) for t in tokens) and len(set(tokens)) == len(tokens)
    assert first[0]["id"] == first[3]["id"] and first[0]["id"].isdigit()
    assert int(first[1]["id"]) > int(first[0]["id"]) and int(first[2]["id"]) > int(first[1]["id"])
    assert HEX32.match(first[2]["code"]) and HEX32.match(first[0]["username"])
    assert HEX32.match(first[0]["vsee"]["token"])


def test_other_namespace_other_tokens_same_numbering(twin_apps):
    app = twin_apps[0]
    here, there = _sso_sequence(app, "ids-a"), _sso_sequence(app, "ids-b")
    assert here[0]["token"]["token"] != there[0]["token"]["token"]
    assert here[0]["username"] != there[0]["username"]
    # numeric ids come from counters above the fixture's, not from the random stream
    assert [d["id"] for d in here[:4]] == [d["id"] for d in there[:4]]


def test_other_seed_other_tokens(twin_apps):
    other = create_app({"FIXTURE": FIXTURE, "SEED": 4321})
    mine, theirs = _sso_sequence(twin_apps[0], "seeded"), _sso_sequence(other, "seeded")
    assert mine[0]["token"]["token"] != theirs[0]["token"]["token"]
    assert mine[0]["id"] == theirs[0]["id"]


def test_a_dropped_namespace_comes_back_with_the_same_stream(twin_apps):
    app = twin_apps[0]
    first = _sso_sequence(app, "again")
    assert _sso_sequence(app, "again", fresh=False) != first   # the stream moved on
    assert _sso_sequence(app, "again") == first


@settings(max_examples=5, deadline=None)
@given(name=st.from_regex(r"\A[a-z][a-z0-9_-]{0,20}\Z"))
def test_reset_replays_the_same_ids(twin_apps, name):
    """POST /_sim/reset puts the namespace back, seed stream included."""
    app = twin_apps[1]
    before = _sso_sequence(app, f"r-{name}")
    resp = app.test_client().post("/_sim/reset", headers={"X-Sim-Namespace": f"r-{name}"})
    assert resp.status_code == 200
    assert _sso_sequence(app, f"r-{name}", fresh=False) == before
