"""The inspector's pure rules: what a clock move did (hypothesis properties)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.inspector import rules

times = st.integers(0, 2_000_000_000)
tokens = st.lists(st.fixed_dictionaries({"user_id": st.text(max_size=5), "expiry": st.one_of(st.none(), times)}),
                  max_size=20)
statuses = st.sampled_from([10, 20, 25, 30, 40])
visit_maps = st.dictionaries(st.tuples(st.just("vclinic"), st.text(min_size=1, max_size=4)),
                             st.tuples(statuses, st.one_of(st.none(), st.just("maxwaitingtime_reached"))), max_size=15)


@given(tokens, times, times)
def test_a_token_expires_in_a_move_iff_its_expiry_lies_in_it(found, a, b):
    before, after = min(a, b), max(a, b)
    expired = rules.expired_tokens(found, before, after)
    for token in found:
        inside = token["expiry"] is not None and before < token["expiry"] <= after
        assert (token in expired) == inside
    assert rules.expired_tokens(found, after, before) == [] or before == after


@given(visit_maps, visit_maps)
def test_visit_changes_are_exactly_the_visits_whose_status_moved(before, overlay):
    after = {**before, **{k: v for k, v in overlay.items() if k in before}}
    changes = rules.visit_changes(before, after)
    changed = {key for key, *_ in changes}
    assert changed == {k for k in before if before[k][0] != after[k][0]}
    for key, old, new, reason in changes:
        assert (old, new, reason) == (before[key][0], after[key][0], after[key][1])


@given(st.lists(st.tuples(st.text(min_size=1, max_size=3), st.sampled_from(["pending", "delivered", "failed"]),
                          st.integers(0, 5), st.one_of(st.none(), times)), max_size=10, unique_by=lambda t: t[0]),
       st.lists(st.text(min_size=1, max_size=3), max_size=5), times, times)
def test_deliveries_listed_are_the_new_ones_and_the_retries_that_fell_due(old, new_ids, a, b):
    before_now, after_now = min(a, b), max(a, b)
    before = {i: (status, attempts, due) for i, status, attempts, due in old}
    after = [{"id": i, "status": status, "attempts": attempts, "next_attempt": due} for i, status, attempts, due in old]
    after += [{"id": i, "status": "pending", "attempts": 0} for i in new_ids if i not in before]
    listed = {d["id"]: d["why"] for d in rules.delivery_changes(before, after, before_now, after_now)}
    for i in new_ids:
        if i not in before:
            assert listed[i].startswith("queued")
    for i, status, attempts, due in old:
        due_now = status == "pending" and attempts > 0 and due is not None and before_now < due <= after_now
        assert (i in listed) == due_now


@given(st.integers(0, 400), st.integers(1, 3))
def test_effects_say_each_users_expired_tokens_once_and_are_capped(n, per_user):
    expired = [{"user_id": str(i), "expiry": 30} for i in range(n) for _ in range(per_user)]
    shown = rules.effects(0, 60, expired, [], [])
    assert len(shown["effects"]) == min(n, rules.MAX_EFFECTS)
    assert shown["more"] == max(n - rules.MAX_EFFECTS, 0) and shown["moved"] == 60
    assert all(e["tokens"] == per_user for e in shown["effects"])
