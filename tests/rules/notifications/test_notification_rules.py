"""Notifications rules, pure: paging, unique mtimes, the badge, push endpoint checks.

Properties (docs/fidelity.md N1-N9):
- paging with ``before`` = the last page's last ``mtime`` visits every notification exactly
  once, newest first, for any mtimes, ties included; pages hold ``limit`` items except the
  last, or more only to finish a group of equal mtimes;
- mtimes that ``notify`` hands out (``unique_mtime``) never tie, so pages are exact;
- the badge, after any sequence of notify / read / reset, is the number of notifications
  notified since their last reset and not read since.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.notifications import rules
from vsee_sim.core.errors import BadRequest

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


def records(mtimes: list[int]) -> list[dict]:
    return [{"id": f"n{i:04d}", "mtime": m} for i, m in enumerate(mtimes)]


def all_pages(items: list[dict], limit: int) -> list[list[dict]]:
    pages, before = [], None
    for _ in range(len(items) + 2):   # each page but the last takes at least one item
        chosen = rules.page(items, limit, before)
        if not chosen:
            return pages
        pages.append(chosen)
        before = rules.mtime_of(chosen[-1])
    raise AssertionError("paging did not end")


# -- paging -------------------------------------------------------------------------------------
@given(st.lists(st.integers(min_value=0, max_value=12), max_size=60), st.integers(min_value=1, max_value=15))
def test_paging_by_last_mtime_never_skips_nor_repeats(mtimes, limit):
    items = records(mtimes)
    pages = all_pages(items, limit)
    seen = [r["id"] for p in pages for r in p]
    assert seen == [r["id"] for r in rules.newest_first(items)]   # every one, once, newest first
    for p in pages:
        assert len(p) >= limit or p is pages[-1]
        if len(p) > limit:   # only to finish a group of equal mtimes
            assert {rules.mtime_of(r) for r in p[limit - 1:]} == {rules.mtime_of(p[limit - 1])}


@given(st.lists(st.integers(min_value=-5, max_value=2**62), max_size=40), st.integers(min_value=1, max_value=100),
       st.none() | st.integers(min_value=0, max_value=2**63))
def test_a_page_is_newest_first_and_before_is_exclusive(mtimes, limit, before):
    chosen = rules.page(records(mtimes), limit, before)
    assert all(before is None or rules.mtime_of(r) < before for r in chosen)
    keys = [(rules.mtime_of(r), r["id"]) for r in chosen]
    assert keys == sorted(keys, reverse=True)
    wanted = sum(1 for m in mtimes if before is None or m < before)
    assert len(chosen) >= min(limit, wanted)


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=50), st.integers(min_value=1, max_value=10))
def test_notify_mtimes_never_tie_so_pages_are_exact(clock_ms, limit):
    taken: list[int] = []
    for now in clock_ms:   # a clock that may stand still or go back
        mtime = rules.unique_mtime(now, taken)
        assert mtime >= now and mtime not in taken
        taken.append(mtime)
    pages = all_pages(records(taken), limit)
    assert all(len(p) == limit for p in pages[:-1]) and all(len(p) <= limit for p in pages)
    assert sum(len(p) for p in pages) == len(taken)


@given(json_values)
def test_mtime_of_never_raises(value):
    assert isinstance(rules.mtime_of({"mtime": value}), int)


def test_page_refuses_a_limit_below_one():
    with pytest.raises(ValueError):
        rules.page([], 0)


# -- badge --------------------------------------------------------------------------------------
ops = st.lists(st.one_of(st.just(("notify",)), st.tuples(st.just("read"), st.integers(0, 30)),
                         st.just(("reset",))), max_size=60)


@given(ops)
def test_badge_counts_new_unread_after_any_sequence(sequence):
    store: dict[str, dict] = {}
    model: set[str] = set()   # notified since the last reset, not read since
    for op in sequence:
        if op[0] == "notify":
            key = f"n{len(store)}"
            store[key] = {"id": key, "is_new": True, "read": False}
            model.add(key)
        elif op[0] == "read" and store:
            key = sorted(store)[op[1] % len(store)]
            store[key] = {**store[key], **rules.read_changes()}
            model.discard(key)
        elif op[0] == "reset":
            for key, record in store.items():
                store[key] = {**record, **rules.reset_changes(record)}
            model.clear()
        assert rules.badge_count(store.values()) == len(model)


def test_fixture_flags_count_as_documented():
    flags = [(True, False)] * 5 + [(False, False)] * 2 + [(False, True)] * 5
    assert rules.badge_count({"is_new": n, "read": r} for n, r in flags) == 5   # the documented badge
    assert rules.reset_changes({"is_new": False}) == {}


# -- endpoints ----------------------------------------------------------------------------------
@given(st.integers())
def test_endpoint_types_are_exactly_10_30_40(value):
    if value in (10, 30, 40):
        assert rules.clean_endpoint_type(value) == value
    else:
        with pytest.raises(BadRequest) as err:
            rules.clean_endpoint_type(value)
        assert list(err.value.errors) == ["type"]


@given(st.text(max_size=80), st.sampled_from([10, 30, 40]))
def test_endpoint_key_is_cleaned_or_refused_naming_key(value, type_):
    try:
        key = rules.clean_endpoint_key(value, type_)
    except BadRequest as err:
        assert list(err.errors) == ["key"] and err.status == 400
    else:
        assert key == value.strip() and key and not any(c.isspace() for c in key)


@pytest.mark.parametrize("value, type_", [("12345", 30), ("a" * 4096, 40), ("an@vsee.com", 10), (" 123456 ", 30)])
def test_endpoint_key_accepted(value, type_):
    assert rules.clean_endpoint_key(value, type_) == value.strip()


@pytest.mark.parametrize("value, type_", [(None, 30), ("", 30), ("  ", 40), ("a" * 4097, 30), ("a b", 30),
                                          ("12345", 10), ("an@vsee", 10), ("x\x00y", 40)])
def test_endpoint_key_refused(value, type_):
    with pytest.raises(BadRequest) as err:
        rules.clean_endpoint_key(value, type_)
    assert list(err.value.errors) == ["key"]


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_fake_arn_is_stable_and_per_key(a, b):
    assert rules.fake_arn(30, a, "vclinic") == rules.fake_arn(30, a, "vclinic")
    assert rules.fake_arn(30, a, "vclinic").startswith("arn:aws:sns:us-west-2:")
    assert "/APNS/" in rules.fake_arn(30, a, "vclinic") and "/GCM/" in rules.fake_arn(40, a, "vclinic")
    assert (rules.fake_arn(40, a, "vclinic") == rules.fake_arn(40, b, "vclinic")) == (a == b)
    assert rules.fake_arn(10, a, "vclinic") is None
