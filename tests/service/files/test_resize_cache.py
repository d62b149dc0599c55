"""The resize cache: bounded in bytes, least recently used out first (docs/fidelity.md F9)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.files.images import ResizeCache


def test_least_recently_used_goes_first():
    cache = ResizeCache(capacity=100)
    cache.put(("a",), b"x" * 25)
    cache.put(("b",), b"x" * 25)
    cache.put(("c",), b"x" * 25)
    assert cache.get(("a",)) is not None          # a is now the most recent
    cache.put(("d",), b"x" * 25)
    cache.put(("e",), b"x" * 25)                  # 125 bytes: b goes, not a
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert cache.bytes <= 100


def test_an_entry_over_a_quarter_of_the_cache_is_not_kept():
    cache = ResizeCache(capacity=100)
    cache.put(("big",), b"x" * 26)
    assert cache.get(("big",)) is None and cache.bytes == 0
    cache.put(("why",), "not an image Pillow reads")   # reasons are kept too
    assert cache.get(("why",)) == "not an image Pillow reads"


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40)), max_size=200))
def test_never_over_its_capacity(puts):
    cache = ResizeCache(capacity=120)
    for key, size in puts:
        cache.put((key,), b"x" * size)
        assert cache.bytes <= 120
        assert cache.bytes == sum(len(cache.get((k,)) or b"") for k in range(21))
