"""Worlds (namespaces): transactions, creation from fixtures, reset, export and import."""

from __future__ import annotations

import copy
import threading

import pytest
from store_helpers import FIXTURE, SMALL, Boom, ids, small_loader, without_now  # noqa: F401

from vsee_sim.config import load_fixture
from vsee_sim.core.persistence import export_world, import_world
from vsee_sim.core.store import World, Worlds


# ==================================================================================
# World.transaction
# ==================================================================================
@pytest.fixture()
def small_world() -> World:
    return World("w", small_loader()("small"), 7, "small")


def _state(world: World) -> dict:
    """The world's content, each collection sorted by key (record order has its own test)."""
    state = without_now(world.to_dict())
    for account in state["accounts"]:
        for kind, value in account.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
                account[kind] = sorted(value, key=lambda r: r["id"])
    state["tokens"] = sorted(state["tokens"], key=lambda t: t["token"])
    return state


def test_a_failing_block_undoes_every_write(small_world):
    w = small_world
    acme = w.accounts["acme"]
    before = _state(w)
    acme.users.find("email", "ann@example.com", fold=True)  # build an index first
    with pytest.raises(Boom), w.transaction():
        acme.users.insert({"id": "203", "code": "u203", "email": "ann@EXAMPLE.com"})
        acme.users.update("201", email="changed@example.com")
        acme.users.update("201", first_name="Twice")
        acme.users.delete("202")
        acme.rooms.insert({"id": "r2", "code": "zzzzz"})
        acme.collection("brand_new").insert({"id": "n1"})
        w.accounts["other"].users.update("301", email="y@example.com")
        w.tokens.insert({"token": "u" * 32, "user_id": "203", "account": "acme"})
        w.tokens.delete("t" * 32)
        raise Boom
    after = _state(w)
    after["accounts"][0].pop("brand_new", None)  # an empty collection may stay behind
    assert after == before
    assert ids(acme.users.find("email", "ann@example.com", fold=True)) == ["201"]
    assert acme.users.find_one("email", "changed@example.com", fold=True) is None
    assert w.tokens.get("t" * 32) is not None
    assert w.log.entries is None


def test_a_failing_block_keeps_the_record_order(small_world):
    """A rollback must put records back where they were, not at the end (all() and find())."""
    users = small_world.accounts["acme"].collection("notes")  # a kind with no declared index: any field
    for user in small_world.accounts["acme"].users.all():
        users.insert(user)
    users.insert({"id": "203", "code": "u203", "type": 200})
    assert ids(users.find("type", 200)) == ["201", "203"]
    with pytest.raises(Boom), small_world.transaction():
        users.update("201", email="changed@example.com")
        users.delete("202")
        raise Boom
    assert ids(users.all()) == ["201", "202", "203"]
    assert ids(users.find("type", 200)) == ["201", "203"]


def test_a_base_exception_rolls_back_too(small_world):
    users = small_world.accounts["acme"].users
    with pytest.raises(KeyboardInterrupt), small_world.transaction():
        users.insert({"id": "299"})
        raise KeyboardInterrupt
    assert "299" not in users


def test_a_succeeding_block_keeps_its_writes(small_world):
    w = small_world
    users = w.accounts["acme"].users
    with w.transaction():
        users.insert({"id": "203", "code": "u203"})
        users.update("201", email="new@example.com")
        users.delete("202")
    assert ids(users.all()) == ["201", "203"]
    assert users.find_one("email", "new@example.com", fold=True)["id"] == "201"
    assert w.log.entries is None


def test_nested_inner_failure_caught_keeps_the_outer_writes(small_world):
    w = small_world
    users = w.accounts["acme"].users
    with w.transaction():
        users.insert({"id": "203"})
        with pytest.raises(Boom), w.transaction():
            users.insert({"id": "204"})
            users.update("203", email="inner@example.com")
            users.delete("201")
            raise Boom
        users.insert({"id": "205"})
    assert sorted(ids(users.all())) == ["201", "202", "203", "205"]  # order: see the order test
    assert "email" not in users.get("203")


def test_nested_success_then_outer_failure_undoes_both(small_world):
    w = small_world
    before = _state(w)
    users = w.accounts["acme"].users
    with pytest.raises(Boom), w.transaction():
        users.insert({"id": "203"})
        with w.transaction():
            users.insert({"id": "204"})
            users.update("201", email="inner@example.com")
        raise Boom
    assert _state(w) == before


def test_nested_failure_propagating_undoes_both(small_world):
    w = small_world
    before = _state(w)
    users = w.accounts["acme"].users
    with pytest.raises(Boom), w.transaction():
        users.insert({"id": "203"})
        with w.transaction():
            users.insert({"id": "204"})
            raise Boom
    assert _state(w) == before


def test_every_write_bumps_the_version_even_when_rolled_back(small_world):
    w = small_world
    v0 = w.log.versions.value
    w.accounts["acme"].users.insert({"id": "203"})
    assert w.log.versions.value == v0 + 1
    with pytest.raises(Boom), w.transaction():
        w.accounts["acme"].users.insert({"id": "204"})
        raise Boom
    assert w.log.versions.value > v0 + 1  # never goes back: a flush is at worst redundant


def test_a_transaction_holds_the_world_lock(small_world):
    w = small_world
    seen = []
    with w.transaction():
        t = threading.Thread(target=lambda: seen.append(w.lock.acquire(timeout=0.05)))
        t.start()
        t.join()
    assert seen == [False]


# ==================================================================================
# Worlds (namespaces)
# ==================================================================================
def test_worlds_get_creates_a_namespace_once():
    calls: list = []
    worlds = Worlds(small_loader(calls), "small", 7)
    version = worlds.version
    a = worlds.get("a")
    assert worlds.get("a") is a
    assert calls == ["small"]
    assert worlds.version > version  # a new namespace is a change to persist
    assert worlds.names() == ["a"]
    assert a.name == "a" and a.fixture_name == "small" and a.seed == 7


def test_worlds_get_from_many_threads_creates_one_world():
    calls: list = []
    worlds = Worlds(small_loader(calls), "small", 7)
    barrier = threading.Barrier(8)
    got = []

    def hit():
        barrier.wait()
        got.append(worlds.get("shared"))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(w) for w in got}) == 1
    assert calls == ["small"]


def test_namespaces_do_not_share_records():
    shared = copy.deepcopy(SMALL)
    worlds = Worlds(lambda name: shared, "small", 7)  # the loader hands out one dict
    a, b = worlds.get("a"), worlds.get("b")
    a.accounts["acme"].users.insert({"id": "203", "code": "u203"})
    a.accounts["acme"].users.update("201", email="a-only@example.com")
    a.tokens.insert({"token": "a" * 32, "user_id": "203", "account": "acme"})
    assert "203" not in b.accounts["acme"].users
    assert b.accounts["acme"].users.get("201")["email"] == "Ann@Example.com"
    assert b.tokens.get("a" * 32) is None
    assert shared == SMALL  # the fixture itself is never written
    assert worlds.get("c").accounts["acme"].users.get("201")["email"] == "Ann@Example.com"


def test_namespaces_have_independent_reproducible_ids():
    w1 = Worlds(small_loader(), "small", 7)
    w2 = Worlds(small_loader(), "small", 7)
    assert w1.get("a").ids.hex32() == w2.get("a").ids.hex32()
    assert w1.get("a").ids.hex32() != w1.get("b").ids.hex32()


def test_fixture_loading_keeps_ids_above_the_fixture():
    world = World("a", small_loader()("small"), 7, "small")
    assert int(world.ids.next_number("users")) > 202
    assert world.default_account == "acme"
    assert world.tokens.get("t" * 32)["account"] == "acme"
    assert world.accounts["acme"].meta["api_keys"] == [{"key": "k1", "secret": "s1"}]
    assert "api_keys" not in world.accounts["acme"].collections


def test_reset_restores_the_fixture_state():
    worlds = Worlds(small_loader(), "small", 7)
    fresh = _state(World("a", small_loader()("small"), 7, "small"))
    a = worlds.get("a")
    a.accounts["acme"].users.insert({"id": "203"})
    a.accounts["acme"].users.delete("201")
    a.accounts["other"].collection("new_kind").insert({"id": "z"})
    a.tokens.insert({"token": "z" * 32, "user_id": "203", "account": "acme"})
    a.outbox.insert({"id": "m1"})
    a.ids.hex32()
    a.clock.freeze(at=5)
    v = worlds.version
    again = worlds.reset("a")
    assert again is a
    assert _state(a) == fresh | {"clock": {"mode": "real", "offset": 0.0, "frozen_at": None}}
    assert a.accounts["acme"].users.find_one("code", "u201")["id"] == "201"
    assert worlds.version > v


def test_reset_to_another_fixture_and_back():
    worlds = Worlds(small_loader(), "small", 7)
    a = worlds.get("a")
    worlds.reset("a", "tiny")
    assert list(a.accounts) == ["tiny"] and a.fixture_name == "tiny"
    worlds.reset("a")  # no name: the namespace's own fixture (now "tiny")
    assert list(a.accounts) == ["tiny"]
    worlds.reset("a", "small")
    assert list(a.accounts) == ["acme", "other"]


def test_reset_leaves_other_namespaces_alone():
    worlds = Worlds(small_loader(), "small", 7)
    a, b = worlds.get("a"), worlds.get("b")
    a.accounts["acme"].users.insert({"id": "203"})
    b.accounts["acme"].users.insert({"id": "203"})
    worlds.reset("a")
    assert "203" not in a.accounts["acme"].users
    assert "203" in b.accounts["acme"].users


def test_drop_forgets_a_namespace():
    worlds = Worlds(small_loader(), "small", 7)
    a = worlds.get("a")
    a.accounts["acme"].users.insert({"id": "203"})
    assert worlds.drop("a") is True
    assert worlds.drop("a") is False
    assert "203" not in worlds.get("a").accounts["acme"].users


# ==================================================================================
# Export: World.to_dict / load_dict, persistence.export_world / import_world
# ==================================================================================
def _busy_world(fixture: dict, name: str = "rt", fixture_name: str = "small") -> World:
    world = World(name, fixture, 7, fixture_name)
    code = world.default_account
    db = world.accounts[code]
    db.users.insert({"id": world.ids.next_number("users"), "code": world.ids.hex32(),
                     "email": "New@Example.com", "tags": ["a", "b"], "nested": {"x": [1, {"y": None}]}})
    first = db.users.all()[0]["id"]
    db.users.update(first, first_name="Changed")
    db.collection("visits").insert({"id": "v1", "status": 10})
    db.collection("empty_kind")  # a collection with no records
    world.tokens.insert({"token": world.ids.hex32(), "user_id": first, "account": code, "expiry": 123})
    world.outbox.insert({"id": world.ids.uuid(), "to": "a@example.com", "code": "123456"})
    world.clock.freeze(at=1_700_000_000.5)
    return world


@pytest.mark.parametrize("fixture_name", ["small", FIXTURE, "minimal"])
def test_to_dict_load_dict_round_trip(fixture_name):
    fixture = small_loader()("small") if fixture_name == "small" else load_fixture(fixture_name)
    world = _busy_world(fixture, fixture_name=fixture_name)
    exported = world.to_dict()
    other = World("rt", {"accounts": [{"code": "junk", "users": [{"id": "1"}]}]}, 7, fixture_name)
    other.load_dict(copy.deepcopy(exported))
    assert other.to_dict() == exported  # frozen clock: "now" is stable too
    # and the copy behaves the same: same next ids, same indexes
    assert other.ids.hex32() == world.ids.hex32()
    assert other.ids.next_number("users") == world.ids.next_number("users")
    code = world.default_account
    assert (ids(other.accounts[code].users.find("email", "new@example.com", fold=True))
            == ids(world.accounts[code].users.find("email", "new@example.com", fold=True)))


def test_load_dict_of_a_real_clock_world():
    world = World("rt", small_loader()("small"), 7, "small")
    world.accounts["acme"].users.insert({"id": "203"})
    other = World("rt", {}, 7, "small")
    other.load_dict(world.to_dict())
    assert without_now(other.to_dict()) == without_now(world.to_dict())


def test_to_dict_is_a_copy():
    world = _busy_world(small_loader()("small"))
    exported = world.to_dict()
    exported["accounts"][0]["users"].clear()
    exported["outbox"].clear()
    exported["tokens"].clear()
    assert world.accounts["acme"].users.all()
    assert world.outbox.all() and world.tokens.all()


@pytest.mark.parametrize("fixture_name", ["small", FIXTURE])
def test_export_import_world_round_trip(fixture_name):
    import json

    fixture = small_loader()("small") if fixture_name == "small" else load_fixture(fixture_name)
    world = _busy_world(fixture, fixture_name=fixture_name)
    world.clock.real()
    world.clock.advance(60)
    document = export_world(world)
    assert "_namespaces" in document  # a TinyDB JSON document: tables of numbered documents
    document = json.loads(json.dumps(document))  # what travels over the wire or to a file
    other = World("rt", {}, 7, fixture_name)
    import_world(other, document)
    assert without_now(other.to_dict()) == without_now(world.to_dict())
    assert other.clock.mode == "offset" and other.clock.offset == 60


def test_import_world_into_another_name_takes_the_only_namespace():
    world = _busy_world(small_loader()("small"))
    other = World("elsewhere", {}, 7, "small")
    import_world(other, export_world(world))
    state = without_now(other.to_dict())
    assert state.pop("name") == "elsewhere"
    want = without_now(world.to_dict())
    want.pop("name")
    assert state == want


def test_import_world_of_an_empty_document_is_refused():
    world = World("a", small_loader()("small"), 7, "small")
    with pytest.raises(ValueError, match="no namespace"):
        import_world(world, {})


def test_beyond_the_bound_the_least_recently_used_namespace_is_forgotten():
    worlds = Worlds(small_loader(), "small", 7, max_namespaces=3)
    default, a, b = worlds.get("default"), worlds.get("a"), worlds.get("b")
    a.accounts["acme"].users.insert({"id": "999"})
    worlds.get("a")  # a is used again: b is now the least recent
    worlds.get("c")
    assert sorted(worlds.names()) == ["a", "c", "default"] and worlds.evicted == 1
    assert worlds.get("a") is a and worlds.get("default") is default
    fresh_b = worlds.get("b")  # comes back from the fixture
    assert fresh_b is not b and "999" not in fresh_b.accounts["acme"].users
    assert "default" in worlds.names()


def test_no_bound_keeps_every_namespace():
    worlds = Worlds(small_loader(), "small", 7, max_namespaces=0)
    for i in range(50):
        worlds.get(f"n{i}")
    assert len(worlds.names()) == 50 and worlds.evicted == 0


def test_a_bound_of_one_is_refused_and_the_newest_namespace_is_never_evicted():
    with pytest.raises(ValueError):
        Worlds(small_loader(), "small", 7, max_namespaces=1)
    worlds = Worlds(small_loader(), "small", 7, max_namespaces=2)
    worlds.get("default")
    worlds.get("a")
    worlds.get("b")
    assert sorted(worlds.names()) == ["b", "default"]


def test_eviction_under_concurrent_use_never_raises():
    import sys

    worlds = Worlds(small_loader(), "small", 7, max_namespaces=3)
    worlds.get("default")
    errors: list = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)

    def create(k):
        try:
            for i in range(150):
                worlds.get(f"c{k}-{i}")
        except Exception as exc:  # noqa: BLE001 - the test collects every failure
            errors.append(exc)

    def use():
        try:
            for _ in range(1500):
                for name in list(worlds.names()):
                    worlds.get(name)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(k,)) for k in range(3)]
    threads += [threading.Thread(target=use) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
