"""Collections: records and their indexes, checked against a plain model.

A hypothesis state machine mixes writes, lazily built indexes, and transactions that
succeed, fail or nest; the model is a list of records in insertion order.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from store_helpers import FIXTURE, SMALL, Boom, ids, nested_transactions, small_loader, without_now  # noqa: F401

from vsee_sim.core.collection import Collection
from vsee_sim.core.errors import NotFound
from vsee_sim.core.store import World


# ==================================================================================
# Collection: plain unit tests
# ==================================================================================
def make() -> Collection:
    c = Collection("users")
    c.insert({"id": "1", "email": "Ann@Example.com", "status": "open", "n": 1})
    c.insert({"id": "2", "email": "bob@example.com", "status": "open", "n": 2})
    c.insert({"id": "3", "email": " ann@example.com ", "status": "closed", "n": 1})
    return c


def test_insert_get_len_contains():
    c = make()
    assert len(c) == 3
    assert "1" in c and "9" not in c
    assert c.get("2")["email"] == "bob@example.com"
    assert c.get(2)["id"] == "2"  # keys are strings; a number finds its string
    assert c.get(None) is None and c.get("9") is None
    assert ids(c.all()) == ["1", "2", "3"]


def test_insert_stores_a_copy():
    c = Collection("x")
    record = {"id": "1", "a": 1}
    c.insert(record)
    record["a"] = 2
    assert c.get("1")["a"] == 1


def test_insert_of_an_existing_key_replaces_it_in_place():
    c = make()
    c.find("status", "open")
    c.insert({"id": "1", "email": "new@example.com", "status": "closed"})
    assert len(c) == 3
    assert ids(c.all()) == ["1", "2", "3"]
    assert ids(c.find("status", "open")) == ["2"]
    assert sorted(ids(c.find("status", "closed"))) == ["1", "3"]  # order: see the order test
    assert c.find("email", "Ann@Example.com") == []


def test_get_or_404():
    c = make()
    assert c.get_or_404("1")["id"] == "1"
    with pytest.raises(NotFound, match="User 9 not found"):
        c.get_or_404("9")
    with pytest.raises(NotFound, match="Room 9 not found"):
        c.get_or_404("9", "Room")


def test_find_exact_and_folded():
    c = make()
    assert ids(c.find("email", "ann@example.com")) == []
    assert ids(c.find("email", "Ann@Example.com")) == ["1"]
    assert ids(c.find("email", "ANN@example.com", fold=True)) == ["1", "3"]
    assert ids(c.find("email", "  ann@EXAMPLE.com", fold=True)) == ["1", "3"]
    assert c.find_one("email", "ann@example.com", fold=True)["id"] == "1"
    assert c.find_one("email", "nobody", fold=True) is None
    assert c.count("email", "ann@example.com", fold=True) == 2
    assert c.count("status", "open") == 2
    assert c.count("status", "gone") == 0


def test_find_on_missing_field_matches_none():
    c = make()
    c.insert({"id": "4"})
    assert ids(c.find("nickname", None)) == ["1", "2", "3", "4"]
    assert ids(c.find("email", None)) == ["4"]


def test_find_non_strings_are_not_folded():
    c = Collection("x")
    c.insert({"id": "1", "v": 1})
    c.insert({"id": "2", "v": "1"})
    c.insert({"id": "3", "v": [1, 2]})
    assert ids(c.find("v", 1, fold=True)) == ["1"]
    assert ids(c.find("v", "1", fold=True)) == ["2"]
    assert ids(c.find("v", [1, 2])) == ["3"]


def test_update_moves_the_record_between_index_buckets():
    c = make()
    assert ids(c.find("status", "open")) == ["1", "2"]
    assert ids(c.find("email", "ann@example.com", fold=True)) == ["1", "3"]
    c.update("1", status="closed", email="zed@example.com")
    assert ids(c.find("status", "open")) == ["2"]
    assert sorted(ids(c.find("status", "closed"))) == ["1", "3"]  # order: see the order test
    assert ids(c.find("email", "ann@example.com", fold=True)) == ["3"]
    assert ids(c.find("email", "ZED@example.com", fold=True)) == ["1"]
    assert c.get("1")["n"] == 1  # fields not named keep their value


def test_update_stores_a_new_dict_and_leaves_the_old_one_alone():
    c = make()
    before = c.get("1")
    c.update("1", status="closed")
    assert before["status"] == "open"
    assert c.get("1")["status"] == "closed"
    assert c.get("1") is not before


def test_update_of_a_missing_key_raises():
    c = make()
    with pytest.raises(KeyError):
        c.update("9", status="x")


def test_find_stays_in_insertion_order_after_updates():
    """find() promises insertion order (like all()); an update keeps a record's place.

    Today an index bucket is ordered by when a key entered it, so an update (of any
    field, even one not indexed) moves the record to the end of every built index.
    """
    c = make()
    assert ids(c.find("status", "open")) == ["1", "2"]
    assert ids(c.find("status", "closed")) == ["3"]
    c.update("1", n=5)
    assert ids(c.all()) == ["1", "2", "3"]
    assert ids(c.find("status", "open")) == ["1", "2"]
    assert c.find_one("status", "open")["id"] == "1"
    c.update("1", status="closed")
    assert ids(c.find("status", "closed")) == ["1", "3"]


def test_delete_unindexes_and_returns_the_old_record():
    c = make()
    c.find("status", "open")
    c.find("email", "x", fold=True)
    old = c.delete("1")
    assert old["id"] == "1"
    assert "1" not in c and len(c) == 2
    assert ids(c.find("status", "open")) == ["2"]
    assert ids(c.find("email", "ann@example.com", fold=True)) == ["3"]
    assert c.delete("1") is None
    assert c.delete("nope") is None


def test_delete_then_insert_goes_to_the_end():
    c = make()
    c.find("n", 1)
    c.delete("1")
    c.insert({"id": "1", "n": 1})
    assert ids(c.all()) == ["2", "3", "1"]
    assert ids(c.find("n", 1)) == ["3", "1"]


def test_index_built_after_writes_matches_index_maintained_through_them():
    early, late = Collection("a"), Collection("b")
    early.find("s", "x")
    for c in (early, late):
        for i in range(10):
            c.insert({"id": str(i), "s": "x" if i % 2 else "y"})
        c.update("3", s="y")
        c.delete("5")
        c.insert({"id": "5", "s": "x"})
    for value in ("x", "y"):
        assert sorted(ids(early.find("s", value))) == sorted(ids(late.find("s", value)))


# ==================================================================================
# Collection vs a plain list model: hypothesis state machine
# ==================================================================================
KEYS = st.sampled_from([f"k{i}" for i in range(6)])
FIELDS = ("a", "b", "c")
VALUES = st.one_of(
    st.sampled_from(["x", "X", " x ", "y", "Y", "", "Ab"]),
    st.integers(0, 2),
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 1), max_size=2),
)
# Dict values are left out on purpose: the index flattens a dict to a tuple of pairs,
# so {"p": 1} and [["p", 1]] share a bucket (a documented edge, not a hot path).
FIELD_VALUES = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=3)
OP = st.one_of(
    st.tuples(st.just("insert"), KEYS, FIELD_VALUES),
    st.tuples(st.just("update"), KEYS, FIELD_VALUES),
    st.tuples(st.just("delete"), KEYS, st.just({})),
)
OPS = st.lists(OP, max_size=6)


def _matches(have, want, fold: bool) -> bool:
    if fold and isinstance(have, str) and isinstance(want, str):
        return have.strip().lower() == want.strip().lower()
    if fold and isinstance(want, str):
        return False  # a folded string query never matches a non-string
    if isinstance(have, str) != isinstance(want, str):
        return False
    return have == want


def model_apply(model: list[dict], op) -> None:
    kind, key, fields = op
    pos = next((i for i, r in enumerate(model) if r["id"] == key), None)
    if kind == "insert":
        record = {**fields, "id": key}
        if pos is None:
            model.append(record)
        else:
            model[pos] = record
    elif kind == "update" and pos is not None:
        model[pos] = {**model[pos], **fields}
    elif kind == "delete" and pos is not None:
        del model[pos]


def coll_apply(coll: Collection, op) -> None:
    kind, key, fields = op
    if kind == "insert":
        coll.insert({**fields, "id": key})
    elif kind == "update":
        if key in coll:
            coll.update(key, **fields)
    else:
        coll.delete(key)


class CollectionMachine(RuleBasedStateMachine):
    """Collection == list model; writes go direct or through (nested) transactions."""

    ORDERED = True

    def __init__(self):
        super().__init__()
        self.world = World("m", {"accounts": [{"code": "acc"}]}, 1)
        self.coll = self.world.accounts["acc"].collection("things")
        self.model: list[dict] = []
        self.queried: set[tuple[str, bool]] = set()

    def _same(self, got: list[dict], want: list[dict]) -> None:
        if self.ORDERED:
            assert got == want
        else:
            key = lambda r: r["id"]  # noqa: E731
            assert sorted(got, key=key) == sorted(want, key=key)

    @rule(op=OP)
    def write(self, op):
        coll_apply(self.coll, op)
        model_apply(self.model, op)

    @rule(ops=OPS, inner=OPS, after=OPS, inner_fails=st.booleans(), outer_fails=st.booleans())
    def transaction(self, ops, inner, after, inner_fails, outer_fails):
        self.model = nested_transactions(self.world, self.model, lambda op: coll_apply(self.coll, op), model_apply,
                                         ops, inner, after, inner_fails, outer_fails)
        assert self.world.log.entries is None

    @rule(field=st.sampled_from(FIELDS), value=VALUES, fold=st.booleans())
    def find(self, field, value, fold):
        self.queried.add((field, fold))
        want = [r for r in self.model if _matches(r.get(field), value, fold)]
        self._same(self.coll.find(field, value, fold=fold), want)
        assert self.coll.count(field, value, fold=fold) == len(want)
        one = self.coll.find_one(field, value, fold=fold)
        if not want:
            assert one is None
        elif self.ORDERED:
            assert one == want[0]
        else:
            assert one in want

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def get(self, data):
        record = data.draw(st.sampled_from(self.model))
        assert self.coll.get(record["id"]) == record

    @invariant()
    def same_records(self):
        assert len(self.coll) == len(self.model)
        self._same(self.coll.all(), self.model)

    @invariant()
    def built_indexes_agree(self):
        """Every index built so far answers like the model, for every stored value."""
        for field, fold in self.queried:
            for value in {repr(r.get(field)): r.get(field) for r in self.model}.values():
                want = [r for r in self.model if _matches(r.get(field), value, fold)]
                self._same(self.coll.find(field, value, fold=fold), want)


class UnorderedCollectionMachine(CollectionMachine):
    """The same, comparing result sets only: index contents, independent of order."""

    ORDERED = False


_machine_settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
TestCollectionAgainstModel = CollectionMachine.TestCase
TestCollectionAgainstModel.settings = _machine_settings
TestCollectionIndexesAgainstModel = UnorderedCollectionMachine.TestCase
TestCollectionIndexesAgainstModel.settings = _machine_settings


def test_a_repeated_string_is_stored_once_and_numbers_wait_for_a_delete():
    """Memory per record (issue 14): equal strings of records made in a row share one object;
    sequence numbers are given out by the first delete, which an undo then puts back in place."""
    world = World("m", {"accounts": [{"code": "acc"}]}, 1)
    coll = world.accounts["acc"].collection("things")
    for i in range(3):
        coll.insert({"id": str(i), "name": "".join(["Be", "nch"]), "code": f"c{i}"})
    first, last = coll.get("0"), coll.get("2")
    assert last["name"] == "Bench" and last["name"] is first["name"]
    assert coll.find("code", "c1") == [coll.get("1")] and coll.count("code", "c1") == 1
    assert coll._seq is None
    with pytest.raises(RuntimeError), world.transaction():
        coll.delete("1")
        coll.insert({"id": "1", "name": "again"})  # a new record under the deleted key: at the end
        raise RuntimeError
    assert [r["id"] for r in coll.all()] == ["0", "1", "2"] and coll.get("1")["name"] == "Bench"
    assert coll.find("name", "Bench") == coll.all() and coll.count("name", "Bench") == 3
