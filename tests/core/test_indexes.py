"""Every declared index answers what a full scan would (issue 14).

A hypothesis state machine writes to a namespace's rooms (a list-valued index: a room's
``provider_ids``), visits (compound indexes: a room's, a patient's, a provider's visits by
status; a provider's by status ordered by ``start``, asked for a range), a provider's hours
in a room (schedules), webhooks by each event pattern, and notifications (an ordered index: a user's, newest first by ``mtime``), directly
and in transactions that commit, fail or nest; it reloads the namespace from its export
(snapshot restore, ``--data`` load, import) and resets it. After every step, each index of
``core.indexes.INDEXES`` for those kinds is asked for every value the records hold and
compared with a scan of a plain model (a list in insertion order).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from store_helpers import nested_transactions

from vsee_sim.core.collection import Collection, index, number
from vsee_sim.core.events import wanting, wants
from vsee_sim.core.indexes import INDEXES
from vsee_sim.core.store import World

KINDS = ("rooms", "visits", "notifications", "schedules", "webhooks")
PATTERNS = st.sampled_from(["*", "visit.*", "visit.created", "visit.created.x", "visit", "room.*", ".*"])
KEYS = st.sampled_from(["1", "2", "3", "4", "5"])
IDS = st.sampled_from(["826", "509", "541"])
SCALARS = st.one_of(st.none(), IDS, st.sampled_from([" 826 ", "ABC", "abc", 10, 20, True, False, 1]))
FIELDS = {
    "rooms": {"code": SCALARS, "slug": SCALARS, "default": st.sampled_from([True, False, None]),
              "provider_ids": st.one_of(st.lists(IDS, max_size=3), st.none(), st.just("826"))},
    "visits": {"status": st.sampled_from([10, 20, 25, 30, "20", None]), "member_id": IDS,
               "provider_id": st.one_of(IDS, st.none()), "room_code": st.sampled_from(["a", "b", None]),
               "start": st.one_of(st.integers(-3, 3), st.sampled_from(["2", None, {"at": 1}]))},
    "schedules": {"provider_id": st.one_of(IDS, st.none()), "room_code": st.sampled_from(["a", "b", None])},
    "webhooks": {"events": st.one_of(st.none(), st.lists(PATTERNS, max_size=3)),
                 "account": st.sampled_from([None, "acc", "other"])},
    "notifications": {"user_id": IDS, "is_new": st.sampled_from([True, False, None, 1]),
                      "mtime": st.one_of(st.integers(-3, 3), st.sampled_from(["2", " 1 ", "x", 1.5, None, True]))},
}


def writes(kind: str):
    fields = st.fixed_dictionaries({}, optional=FIELDS[kind])
    return st.tuples(st.just(kind), st.sampled_from(["insert", "update", "delete"]), KEYS, fields)


WRITE = st.one_of(*(writes(k) for k in KINDS))


def apply(colls: dict[str, Collection], op) -> None:
    kind, what, key, fields = op
    coll = colls[kind]
    if what == "insert":
        coll.insert({**fields, "id": key})
    elif what == "update" and key in coll:
        coll.update(key, **fields)
    elif what == "delete":
        coll.delete(key)


def model_apply(model: dict[str, list[dict]], op) -> None:
    kind, what, key, fields = op
    rows = model[kind]
    pos = next((i for i, r in enumerate(rows) if r["id"] == key), None)
    if what == "insert":
        if pos is None:
            rows.append({**fields, "id": key})
        else:
            rows[pos] = {**fields, "id": key}
    elif what == "update" and pos is not None:
        rows[pos] = {**rows[pos], **fields}
    elif what == "delete" and pos is not None:
        del rows[pos]


def same(have, want, fold: bool) -> bool:
    """What a scan means by equal: ``==`` (case-folded, trimmed strings if ``fold``)."""
    if isinstance(have, str) != isinstance(want, str):
        return False
    if fold and isinstance(have, str):
        return have.strip().lower() == want.strip().lower()
    return have == want


def scan(rows: list[dict], spec, value) -> list[dict]:
    if spec.each:
        return [r for r in rows if isinstance(r.get(spec.fields[0]), list)
                and any(same(v, value, spec.fold) for v in r[spec.fields[0]])]
    values = value if len(spec.fields) > 1 else (value,)
    return [r for r in rows if all(same(r.get(f), v, spec.fold) for f, v in zip(spec.fields, values, strict=True))]


def asked(rows: list[dict], spec) -> list:
    """Every value the records hold for this index (and one nobody holds)."""
    if spec.each:
        found = [v for r in rows if isinstance(r.get(spec.fields[0]), list) for v in r[spec.fields[0]]]
    elif len(spec.fields) > 1:
        found = [tuple(r.get(f) for f in spec.fields) for r in rows]
    else:
        found = [r.get(spec.fields[0]) for r in rows]
    missing = tuple("nobody" for _ in spec.fields) if len(spec.fields) > 1 and not spec.each else "nobody"
    return found + [missing]


class IndexMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.world = World("ix", {"accounts": [{"code": "acc"}]}, 1)
        self.model: dict[str, list[dict]] = {k: [] for k in KINDS}

    @property
    def colls(self) -> dict[str, Collection]:
        db = self.world.accounts["acc"]
        return {k: db.collection(k) for k in KINDS}

    @rule(op=WRITE)
    def write(self, op):
        apply(self.colls, op)
        model_apply(self.model, op)

    @rule(ops=st.lists(WRITE, max_size=5), inner=st.lists(WRITE, max_size=4), after=st.lists(WRITE, max_size=2),
          inner_fails=st.booleans(), outer_fails=st.booleans())
    def transaction(self, ops, inner, after, inner_fails, outer_fails):
        self.model = nested_transactions(self.world, self.model, lambda op: apply(self.colls, op), model_apply,
                                         ops, inner, after, inner_fails, outer_fails)
        assert self.world.log.entries is None

    @rule()
    def reload(self):
        """A snapshot restore, an import, a --data load: the namespace made again from its export."""
        self.world.load_dict(json.loads(json.dumps(self.world.to_dict())))

    @rule()
    def reset(self):
        self.world.load_fixture({"accounts": [{"code": "acc"}]})
        self.model = {k: [] for k in KINDS}

    @invariant()
    def indexes_answer_what_a_scan_would(self):
        colls = self.colls
        for kind in KINDS:
            rows, coll = self.model[kind], colls[kind]
            assert coll.all() == rows
            for spec in INDEXES[kind]:
                field = spec.fields[0] if len(spec.fields) == 1 else spec.fields
                for value in asked(rows, spec):
                    want = scan(rows, spec, value)
                    if spec.order:
                        self.check_ordered(coll, field, value, spec.order, want)
                        continue
                    assert coll.find(field, value, fold=spec.fold, each=spec.each) == want, (spec, value)
                    assert list(coll.find_newest(field, value, fold=spec.fold, each=spec.each)) == want[::-1]
                    assert coll.count(field, value, fold=spec.fold, each=spec.each) == len(want)
                    one = coll.find_one(field, value, fold=spec.fold, each=spec.each)
                    assert one == (want[0] if want else None)

    @invariant()
    def webhooks_found_by_pattern_are_those_a_scan_wants(self):
        hooks = self.colls["webhooks"]
        for event in ("visit.created", "visit.created.x", "room.made", "visit"):
            for account in (None, "acc"):
                assert [h for h in wanting(hooks, event) if wants(h, event, account)] == [
                    h for h in self.model["webhooks"] if wants(h, event, account)], (event, account)

    @staticmethod
    def check_ordered(coll, field, value, order, want):
        def key(r):
            return number(r.get(order)), r["id"]
        newest = sorted(want, key=key, reverse=True)
        assert list(coll.ordered(field, value, order)) == newest
        bounds = {number(r.get(order)) for r in want} | {-10, 10}
        for below in bounds:
            assert list(coll.ordered(field, value, order, below=below)) == [
                r for r in newest if number(r.get(order)) < below]
            for at_least in bounds:
                assert list(coll.ordered(field, value, order, below=below, at_least=at_least)) == [
                    r for r in newest if at_least <= number(r.get(order)) < below]


TestIndexesAgainstAScan = IndexMachine.TestCase
TestIndexesAgainstAScan.settings = settings(max_examples=40, stateful_step_count=20, deadline=None,
                                            suppress_health_check=[HealthCheck.too_slow])


def test_a_query_by_an_undeclared_index_is_refused():
    world = World("ix", {"accounts": [{"code": "acc"}]}, 1)
    with pytest.raises(LookupError, match="declared"):
        world.accounts["acc"].collection("visits").find("reason", "x")
    assert world.accounts["acc"].collection("notes").find("any", "x") == []  # a kind with none declared


def test_a_list_field_is_indexed_by_each_element_and_follows_updates():
    rooms = Collection("rooms", indexes=[index("provider_ids", each=True)])
    rooms.insert({"id": "1", "provider_ids": ["826", "509", "826"]})
    rooms.insert({"id": "2", "provider_ids": ["509"]})
    assert [r["id"] for r in rooms.find("provider_ids", "509", each=True)] == ["1", "2"]
    assert rooms.count("provider_ids", "826", each=True) == 1   # listed twice, found once
    rooms.update("1", provider_ids=["541"])
    assert rooms.find("provider_ids", "826", each=True) == []
    assert [r["id"] for r in rooms.find("provider_ids", "541", each=True)] == ["1"]
