"""Memory bounded in bytes: the journal (per namespace and in total), snapshots, and the
signal an evicted namespace gives when it comes back.

The journal's budget is tested alone (any weak-referenceable object with a ``journal``
deque stands for a namespace), with a hypothesis property over any sequence of records
and clears; then through an app built with small bounds.
"""

from __future__ import annotations

import gc
from collections import deque

import pytest
from clinic import PATIENT_201, auth, error, ok
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.app import create_app
from vsee_sim.config import Settings
from vsee_sim.control.traffic import rules
from vsee_sim.control.traffic.journal import Journal
from vsee_sim.core.store import RECREATED_HEADER

KIB = 1024


class Space:
    """A namespace as the journal sees it."""

    def __init__(self, entries: int = 500):
        self.journal: deque = deque(maxlen=entries)


def entry(body: int = 0, path: str = "/api_v3/x") -> dict:
    return {"method": "POST", "path": path, "api_path": path, "query": "", "headers": {},
            "body": b"x" * body, "body_truncated": False, "response": b"{}", "response_truncated": False,
            "response_type": "application/json", "status": 200, "at": 0, "duration_ms": 0.1, "fault": None}


def held(*spaces: Space) -> int:
    return sum(e["bytes"] for s in spaces for e in s.journal)


# -- pure rules -------------------------------------------------------------------------------------
def test_a_body_is_cut_at_the_bound_and_says_so():
    assert rules.clip(None, 10) == (None, False)
    assert rules.clip(b"x" * 10, 10) == (b"x" * 10, False)
    assert rules.clip(b"x" * 11, 10) == (b"x" * 10, True)


@given(body=st.integers(0, 200_000), headers=st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=5))
def test_an_entry_costs_what_it_holds_plus_a_fixed_overhead(body, headers):
    record = {**entry(body), "headers": headers}
    held_bytes = body + len(b"{}") + 2 * len("/api_v3/x") + len("application/json") + sum(
        len(k) + len(v) for k, v in headers.items())
    assert rules.entry_bytes(record) == rules.ENTRY_OVERHEAD + held_bytes


# -- the budget alone -----------------------------------------------------------------------------
def test_a_namespace_journal_keeps_within_its_bytes_dropping_the_oldest():
    budget = Journal(body_bytes=4 * KIB, namespace_bytes=16 * KIB, total_bytes=1024 * KIB)
    space = Space()
    for i in range(40):
        budget.record(space, entry(2 * KIB, path=f"/n{i}"))
    assert held(space) <= 16 * KIB and budget.bytes == held(space)
    assert [e["path"] for e in space.journal] == [f"/n{i}" for i in range(40 - len(space.journal), 40)]
    assert budget.usage()["dropped_for_bytes"] == 40 - len(space.journal) > 0
    assert [e["id"] for e in space.journal] == list(range(41 - len(space.journal), 41))


def test_the_total_drops_the_oldest_entry_of_any_namespace():
    budget = Journal(body_bytes=4 * KIB, namespace_bytes=1024 * KIB, total_bytes=20 * KIB)
    quiet, busy = Space(), Space()
    budget.record(quiet, entry(2 * KIB, path="/quiet-old"))
    for i in range(30):
        budget.record(busy, entry(2 * KIB, path=f"/busy{i}"))
    assert budget.bytes == held(quiet, busy) <= 20 * KIB
    assert list(quiet.journal) == []                       # the oldest of all went first
    budget.record(quiet, entry(2 * KIB, path="/quiet-new"))
    assert [e["path"] for e in quiet.journal] == ["/quiet-new"] and budget.bytes <= 20 * KIB


def test_clearing_and_a_forgotten_namespace_give_their_bytes_back():
    budget = Journal(namespace_bytes=1024 * KIB, total_bytes=1024 * KIB)
    kept, cleared, forgotten = Space(), Space(), Space()
    for space in (kept, cleared, forgotten):
        budget.record(space, entry(KIB))
    budget.clear(cleared)
    assert list(cleared.journal) == [] and budget.bytes == held(kept, forgotten)
    del forgotten, space  # the loop's variable held it too
    gc.collect()
    assert budget.usage() == {"bytes": held(kept), "entries": 1, "dropped_for_bytes": 0}
    budget.record(cleared, entry(KIB))
    assert cleared.journal[0]["id"] == 2                   # ids keep increasing across a clear


def test_the_entry_count_bound_still_holds():
    budget = Journal(namespace_bytes=1024 * KIB, total_bytes=1024 * KIB, entries=3)
    space = Space(entries=3)
    for i in range(5):
        budget.record(space, entry(path=f"/n{i}"))
    assert [e["path"] for e in space.journal] == ["/n2", "/n3", "/n4"] and budget.bytes == held(space)
    assert budget.usage()["dropped_for_bytes"] == 0


def test_bounds_below_4_kib_are_refused():
    with pytest.raises(ValueError, match="namespace_bytes"):
        Journal(namespace_bytes=100)


_ops = st.lists(st.one_of(
    st.tuples(st.just("record"), st.integers(0, 3), st.integers(0, 6 * KIB)),
    st.tuples(st.just("clear"), st.integers(0, 3), st.just(0))), max_size=80)


@given(ops=_ops, namespace_kib=st.integers(4, 24), total_kib=st.integers(4, 48))
def test_any_sequence_keeps_every_bound_and_the_newest_entries(ops, namespace_kib, total_kib):
    budget = Journal(body_bytes=4 * KIB, namespace_bytes=namespace_kib * KIB, total_bytes=total_kib * KIB,
                     entries=10)
    spaces = [Space(entries=10) for _ in range(4)]
    recorded: list[list[int]] = [[] for _ in spaces]
    for op, which, size in ops:
        if op == "clear":
            budget.clear(spaces[which])
            recorded[which] = []
            continue
        body, _ = budget.clip(b"x" * size)
        recorded[which].append(budget.record(spaces[which], entry(len(body)))["id"])
        kept = [len(s.journal) for s in spaces]
        assert budget.bytes == held(*spaces)
        assert budget.bytes <= total_kib * KIB or sum(kept) == 1
        for space, ids in zip(spaces, recorded, strict=True):
            assert len(space.journal) <= 10
            assert held(space) <= namespace_kib * KIB or len(space.journal) == 1
            # what is kept is the newest of what was recorded since the last clear, in order
            assert [e["id"] for e in space.journal] == ids[len(ids) - len(space.journal):]


# -- through an app ---------------------------------------------------------------------------------
def _client(app, ns: str):
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
    return client


def test_an_app_cuts_bodies_and_keeps_each_journal_within_its_bytes():
    app = create_app({"TICK_INTERVAL": 0, "JOURNAL_BODY_BYTES": 8 * KIB, "JOURNAL_BYTES": 64 * KIB,
                      "JOURNAL_TOTAL_BYTES": 96 * KIB})
    body = "x" * (60 * KIB)
    for ns in ("a", "b", "c"):
        client = _client(app, ns)
        for _ in range(20):
            client.post("/api_v3/users/sso.json", data={"first_name": body}, headers={"X-ApiKey": "nope"})
    client = _client(app, "c")
    newest = ok(client.get("/_sim/journal", query_string={"limit": 500}))
    assert newest[0]["body_truncated"] is True and len(newest[0]["body"]) <= 8 * KIB
    assert 1 <= len(newest) < 20
    shown = ok(client.get("/_sim/health"))["journal"]
    assert (shown["body_bytes"], shown["namespace_bytes"], shown["total_bytes"]) == (8 * KIB, 64 * KIB, 96 * KIB)
    assert 0 < shown["bytes"] <= 96 * KIB and shown["dropped_for_bytes"] > 0
    assert ok(client.delete("/_sim/journal")) is True
    assert ok(client.get("/_sim/health"))["journal"]["bytes"] < shown["bytes"]


def test_snapshots_past_the_namespace_bound_are_refused_and_nothing_is_dropped():
    probe = _client(create_app({"TICK_INTERVAL": 0}), "probe")
    size = ok(probe.post("/_sim/snapshots", json={"name": "a"}))["bytes"]
    app = create_app({"TICK_INTERVAL": 0, "SNAPSHOT_BYTES": int(size * 2.5)})
    client = _client(app, "snap")
    assert abs(ok(client.post("/_sim/snapshots", json={"name": "a"}))["bytes"] - size) < 100
    ok(client.post("/_sim/snapshots", json={"name": "b"}))
    body = error(client.post("/_sim/snapshots", json={"name": "c"}), 413)
    assert "VSEE_SIM_SNAPSHOT_BYTES" in body["message"] and "delete one" in body["message"]
    assert [s["name"] for s in ok(client.get("/_sim/snapshots"))] == ["a", "b"]
    ok(client.post("/_sim/snapshots", json={"name": "a"}))          # replacing one frees its bytes first
    ok(client.delete("/_sim/snapshots/b"))
    ok(client.post("/_sim/snapshots", json={"name": "c"}))
    shown = ok(client.get("/_sim/health"))["snapshots"]
    assert shown["bytes"] == sum(s["bytes"] for s in ok(client.get("/_sim/snapshots")))
    assert shown["namespace_bytes"] == int(size * 2.5)
    ok(client.post("/_sim/snapshots/a/restore"))


def test_snapshots_past_the_total_bound_are_refused_naming_it():
    probe = _client(create_app({"TICK_INTERVAL": 0}), "probe")
    size = ok(probe.post("/_sim/snapshots", json={"name": "a"}))["bytes"]
    app = create_app({"TICK_INTERVAL": 0, "SNAPSHOT_TOTAL_BYTES": int(size * 2.5)})
    first, second = _client(app, "one"), _client(app, "two")
    ok(first.post("/_sim/snapshots", json={"name": "a"}))
    ok(first.post("/_sim/snapshots", json={"name": "b"}))
    body = error(second.post("/_sim/snapshots", json={"name": "a"}), 413)
    assert "VSEE_SIM_SNAPSHOT_TOTAL_BYTES" in body["message"]
    ok(first.delete("/_sim/snapshots/b"))
    ok(second.post("/_sim/snapshots", json={"name": "a"}))


def test_an_evicted_namespace_that_comes_back_says_so_once():
    app = create_app({"TICK_INTERVAL": 0, "MAX_NAMESPACES": 2})
    first = _client(app, "first")
    assert RECREATED_HEADER not in first.get("/api_v3/me", headers=auth(PATIENT_201)).headers
    for ns in ("second", "third"):                              # "first" is the least recently used
        _client(app, ns).get("/api_v3/me", headers=auth(PATIENT_201))
    health = ok(_client(app, "third").get("/_sim/health"))
    assert (health["namespaces_evicted"], health["namespaces_recreated"]) == (1, 0)
    again = first.get("/api_v3/me", headers=auth(PATIENT_201))
    assert again.status_code == 200 and again.headers[RECREATED_HEADER] == "evicted"
    assert RECREATED_HEADER not in first.get("/api_v3/me", headers=auth(PATIENT_201)).headers
    assert ok(first.get("/_sim/health"))["namespaces_recreated"] == 1
    # an error response says so too ("second" went when "first" came back)
    assert _client(app, "second").get("/api_v3/nope").headers[RECREATED_HEADER] == "evicted"
    # a namespace dropped on purpose comes back with no surprise to tell
    ok(_client(app, "second").delete("/_sim/namespaces/first"))
    assert RECREATED_HEADER not in first.get("/api_v3/me", headers=auth(PATIENT_201)).headers
    assert ok(first.get("/_sim/health"))["namespaces_recreated"] == 2


def test_the_bounds_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("VSEE_SIM_JOURNAL_BYTES", "1048576")
    monkeypatch.setenv("VSEE_SIM_SNAPSHOT_TOTAL_BYTES", "2097152")
    monkeypatch.setenv("VSEE_SIM_WEBHOOK_SENDERS", "3")
    settings = Settings.from_env()
    assert (settings.journal_bytes, settings.snapshot_total_bytes, settings.webhook_senders) == (1048576, 2097152, 3)
    assert (settings.journal_body_bytes, settings.snapshot_bytes) == (64 * KIB, 32 * 1024 * KIB)
