"""The visit status machine and the queue math as pure rules (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.visits import rules
from vsee_sim.core.errors import BadRequest

ACTIONS = sorted(rules.TRANSITIONS)
DECLARED = {(a, b) for table in rules.TRANSITIONS.values() for a, b in table.items()}


@given(st.sampled_from([rules.PENDING, rules.CONFIRMED]), st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_no_sequence_leaves_the_declared_machine(first, actions):
    status = first
    for action in actions:
        try:
            new = rules.transition(status, action)
        except BadRequest as err:
            # refused: a 400 that names both the current and the wanted status
            assert err.status == 400
            assert str(status) in err.message and rules.STATUSES[status] in err.message
            continue
        assert (status, new) in DECLARED
        assert new in rules.STATUSES
        status = new


@pytest.mark.parametrize("status", sorted(rules.STATUSES))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_pair_is_declared_or_refused(status, action):
    table = rules.TRANSITIONS[action]
    if status in table:
        assert rules.transition(status, action) == table[status]
    else:
        with pytest.raises(BadRequest):
            rules.transition(status, action)


def test_the_documented_moves():
    assert rules.transition(rules.PENDING, "start") == rules.IN_PROGRESS
    assert rules.transition(rules.CONFIRMED, "start") == rules.IN_PROGRESS
    assert rules.transition(rules.IN_PROGRESS, "close") == rules.COMPLETED
    assert rules.transition(rules.PENDING, "close") == rules.CANCELLED
    assert rules.transition(rules.CONFIRMED, "close") == rules.CANCELLED
    assert rules.transition(rules.PENDING, "expire") == rules.CANCELLED
    assert all(rules.REFUNDED not in table for table in rules.TRANSITIONS.values())  # refunded is final
    assert rules.close_action(None) == "close" and rules.close_action(30) == "complete"
    with pytest.raises(BadRequest, match="status"):
        rules.close_action(25)


def _walkins(n: int) -> list[dict]:
    return [{"id": str(100 + i), "type": 1, "status": 10, "created": 1000 + i // 2} for i in range(n)]


@given(st.integers(min_value=1, max_value=30), st.randoms(use_true_random=False))
def test_queue_is_fifo(n, rnd):
    visits = _walkins(n)
    shuffled = visits[:]
    rnd.shuffle(shuffled)
    for position, visit in enumerate(visits):           # created order, ties by visit number
        view = rules.queue_view(shuffled, visit, capacity=100, average_visit_time=60)
        assert view["before_me"] == position and view["length"] == n
        assert view["waiting_time"] == 60 * position
    assert rules.queue_view(shuffled, None, capacity=100, average_visit_time=60)["before_me"] == n


@given(st.integers(min_value=2, max_value=30), st.data())
def test_leaving_moves_everyone_behind_up_by_one(n, data):
    visits = _walkins(n)
    gone = data.draw(st.integers(min_value=0, max_value=n - 1))
    rest = visits[:gone] + visits[gone + 1:]
    for position, visit in enumerate(visits):
        if position == gone:
            continue
        before = rules.queue_view(visits, visit, capacity=100, average_visit_time=1)["before_me"]
        after = rules.queue_view(rest, visit, capacity=100, average_visit_time=1)["before_me"]
        assert after == (before - 1 if position > gone else before)


@given(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=10))
def test_full_room(length, capacity):
    assert rules.room_is_full(length, capacity) == (capacity > 0 and length >= capacity)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**5))
def test_max_wait_is_strictly_longer_than_the_limit(waited, limit):
    visit = {"type": 1, "status": 10, "created": 1000}
    assert rules.waited_too_long(visit, 1000 + waited, limit) == (waited > limit)
    assert not rules.waited_too_long({**visit, "status": 20}, 1000 + waited, limit)
