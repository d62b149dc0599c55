"""The ring the CLI uses is HAProxy's (vsee_sim/sharding/rules.py), and the namespace it hashes
is the one the simulator serves. The real HAProxy check is tests/sharding/test_shards_haproxy.py
(marker ``shards``, .ci/stages/60-shards)."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.core.tenancy import NAMESPACE_RE
from vsee_sim.sharding import rules
from vsee_sim.sharding.rules import NginxRing, Ring, full_hash, namespace_of, routing_key, sdbm

NAMES = st.from_regex(rules.NAME_PATTERN, fullmatch=True)


@functools.cache
def ring(count: int, weight: int = rules.WEIGHT) -> Ring:
    """Rings are pure values: build each (count, weight) once for every example."""
    return Ring(count, weight)

# Answers of HAProxy 2.6 (balance hash, hash-type consistent sdbm avalanche, weight 16, ids 1..3).
PINNED_NGINX = {"default": 1, "ci-1": 0, "ci-2": 1, "Ci-1": 2, "a": 2, "team.build_7": 1}
PINNED_3 = {"default": 0, "ci-1": 2, "ci-2": 1, "Ci-1": 1, "a": 0, "team.build_7": 2, "x" * 64: 2}


def test_the_ring_gives_haproxys_answers():
    ring = Ring(3)
    assert {name: ring.shard_of(name) for name in PINNED_3} == PINNED_3


def test_hash_functions_match_the_c_ones_on_known_values():
    assert sdbm(b"") == 0 and sdbm(b"a") == 97
    assert sdbm(b"ab") == (98 + (97 << 6) + (97 << 16) - 97) & rules.MASK
    assert sdbm(b"\xff") == (-1) & rules.MASK          # a C char is signed
    assert full_hash(0) == full_hash(2**32)              # 32-bit arithmetic
    assert len({full_hash(i) for i in range(10_000)}) == 10_000


def test_names_follow_the_simulators_rule():
    assert NAMESPACE_RE.pattern == rules.NAME_PATTERN


@pytest.mark.parametrize(("path", "header", "expected"), [
    ("/api_v3/me", None, "default"),
    ("/api_v3/me", "", "default"),
    ("/api_v3/me", "  ci-7 ", "ci-7"),
    ("/ns/ci-7/api_v3/me", None, "ci-7"),
    ("/ns/ci-7", None, "ci-7"),
    ("/ns/ci-7/", "other", "ci-7"),            # the prefix wins over the header
    ("//ns//ci-7//docs", None, "ci-7"),        # slashes collapse, as the simulator's
    ("/ns/-bad/api_v3/me", "h1", "h1"),        # an invalid prefix is no prefix
    ("/ns/" + "x" * 65 + "/me", None, "default"),
    ("/nsx/a/me", None, "default"),
    ("/ns/Ci-7/me", None, "Ci-7"),             # case-sensitive
])
def test_namespace_of_a_request(path, header, expected):
    assert namespace_of(path, header) == expected


def test_a_drop_goes_to_the_shard_of_the_namespace_dropped():
    assert routing_key("/_sim/namespaces/ci-9", "other") == "ci-9"
    assert routing_key("/ns/other/_sim/namespaces/ci-9", None) == "ci-9"
    assert routing_key("/_sim/namespaces", "ci-3") == "ci-3"


@pytest.mark.parametrize(("path", "header"), [
    ("/_sim/health", None), ("/_sim/health", "ci-x"), ("/ns/ci-y/_sim/health", None),
    ("/ns//ci-z//_sim/health", "h"), ("/ns/-bad/_sim/health", "h2"),
])
def test_the_simulator_serves_the_namespace_the_router_hashes(app, path, header):
    headers = {"X-Sim-Namespace": header} if header is not None else {}
    resp = app.test_client().get(path, headers=headers)
    if path.startswith("/ns/-bad"):
        assert resp.status_code == 404       # not a namespace prefix: no such route
        return
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["data"]["namespace"] == namespace_of(path, header)


@settings(max_examples=60)
@given(st.lists(NAMES, min_size=1, max_size=8), st.integers(1, 6))
def test_adding_a_shard_moves_keys_only_onto_it(names, count):
    before, after = ring(count), ring(count + 1)
    for name in names:
        now = after.shard_of(name)
        assert 0 <= now <= count
        assert now in (before.shard_of(name), count)


@settings(max_examples=60)
@given(NAMES, st.integers(1, 8), st.sampled_from([1, 4, 16]))
def test_every_name_has_one_shard_in_range(name, count, weight):
    assert 0 <= ring(count, weight).shard_of(name) < count


def test_the_shipped_weight_spreads_evenly():
    names = [f"ci-{i}" for i in range(4000)]
    for count in (2, 3, 4):
        shares = rules.spread(Ring(count), names)
        assert max(shares) / min(shares) < 1.25, shares


def test_a_ring_refuses_what_haproxy_would():
    with pytest.raises(ValueError):
        Ring(0)
    with pytest.raises(ValueError):
        Ring(2, 257)


def test_nginx_ring_is_ketama_over_the_servers_as_written():
    # nginx 1.22's answers are checked live in test_shards_haproxy.py (1,000 names); pinned here.
    ring = NginxRing(["shard-1:8000", "shard-2:8000", "shard-3:8000"])
    assert {n: ring.shard_of(n) for n in PINNED_NGINX} == PINNED_NGINX
    assert NginxRing(["shard-1:8000"]).shard_of("x") == 0
    shares = rules.spread(ring, [f"ci-{i}" for i in range(3000)])
    assert max(shares) / min(shares) < 1.3, shares
