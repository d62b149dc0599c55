"""Fault rules, pure: the seeded draw, counts, method and path matching, journal filters.

Properties: the draw is a deterministic function of its arguments into [0, 1) whose
firing rate follows the probability; a rule never fires more than its count; a glob
matches exactly the paths its literal parts and wildcards allow (fnmatch agrees), and
answers on many stars against a long path; malformed records never match; patterns normalise
base paths and ``.json`` the way requests are; status filters accept statuses and classes.
"""

from __future__ import annotations

import fnmatch
import itertools
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vsee_sim.control.traffic import rules

seeds = st.integers(min_value=0, max_value=2**63)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
rule_ids = st.integers(min_value=1, max_value=10**6).map(str)
segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=8)
paths = st.lists(segment, min_size=1, max_size=5).map(lambda parts: "/api_v3/" + "/".join(parts))


# -- the draw ----------------------------------------------------------------------------------
@given(seeds, names, rule_ids, st.integers(min_value=1, max_value=10**9))
def test_the_draw_is_deterministic_and_in_0_1(seed, name, rule_id, n):
    value = rules.draw(seed, name, rule_id, n)
    assert 0.0 <= value < 1.0
    assert rules.draw(seed, name, rule_id, n) == value


@given(seeds, names, rule_ids)
def test_the_draw_depends_on_every_argument(seed, name, rule_id):
    base = [rules.draw(seed, name, rule_id, n) for n in range(1, 9)]
    assert [rules.draw(seed + 1, name, rule_id, n) for n in range(1, 9)] != base
    assert [rules.draw(seed, name + "x", rule_id, n) for n in range(1, 9)] != base
    assert [rules.draw(seed, name, rule_id + "0", n) for n in range(1, 9)] != base


@settings(max_examples=25, deadline=None)
@given(seeds, names, st.floats(min_value=0.05, max_value=0.95))
def test_the_firing_rate_follows_the_probability(seed, name, probability):
    rule = {"id": "1", "probability": probability}
    fired = sum(rules.fires(seed, name, rule, n) for n in range(1, 2001))
    assert abs(fired / 2000 - probability) < 0.06  # > 5 standard deviations for 2000 draws


@given(seeds, names, rule_ids, st.integers(min_value=1, max_value=10**6))
def test_probability_1_always_fires_and_0_never(seed, name, rule_id, n):
    assert rules.fires(seed, name, {"id": rule_id, "probability": 1.0}, n)
    assert not rules.fires(seed, name, {"id": rule_id, "probability": 0.0}, n)


# -- counts --------------------------------------------------------------------------------------
@given(st.integers(min_value=1, max_value=50), st.floats(min_value=0, max_value=1), seeds,
       st.integers(min_value=0, max_value=200))
def test_a_rule_never_fires_more_than_its_count(count, probability, seed, requests):
    rule = {"id": "3", "method": "*", "path": "/api_v3/me", "count": count, "probability": probability,
            "matched": 0, "fired": 0}
    for _ in range(requests):  # what the service does per request
        picked = rules.pick([rule], "GET", "/api_v3/me")
        if picked is None:
            continue
        rule["matched"] += 1
        rule["fired"] += rules.fires(seed, "ns", rule, rule["matched"])
    assert rule["fired"] <= count
    assert rules.has_count_left(rule) == (rule["fired"] < count)
    if probability == 1.0:
        assert rule["fired"] == min(count, requests)


@given(st.integers(min_value=0, max_value=10**6))
def test_a_rule_without_count_always_has_count_left(fired):
    assert rules.has_count_left({"count": None, "fired": fired})


def test_pick_takes_the_first_matching_rule_with_count_left():
    spent = {"id": "1", "method": "*", "path": "*", "count": 1, "fired": 1}
    post = {"id": "2", "method": "POST", "path": "*", "count": None, "fired": 0}
    me = {"id": "3", "method": "GET", "path": "/api_v3/me", "count": None, "fired": 0}
    anything = {"id": "4", "method": "*", "path": "/api_v3/*", "count": None, "fired": 0}
    ordered = [spent, post, me, anything]
    assert rules.pick(ordered, "GET", "/api_v3/me") is me
    assert rules.pick(ordered, "post", "/api_v3/me") is post
    assert rules.pick(ordered, "GET", "/api_v3/visits") is anything
    assert rules.pick(ordered, "GET", "/portal") is None


# -- paths and methods --------------------------------------------------------------------------
@given(paths)
def test_a_pattern_without_wildcards_matches_only_itself(path):
    assert rules.path_matches(path, path)
    assert not rules.path_matches(path, path + "x")
    assert not rules.path_matches(path, path[:-1])


@given(paths, st.text(alphabet="abc/0123_-.", max_size=12))
def test_a_trailing_star_matches_every_extension(path, rest):
    assert rules.path_matches(path + "*", path + rest)
    assert rules.path_matches("*", path + rest)


@given(paths, st.text(alphabet="abc/", max_size=6))
def test_a_prefix_star_matches_exactly_the_paths_under_it(path, other):
    prefix = path.rsplit("/", 1)[0] + "/"
    assert rules.path_matches(prefix + "*", path)
    candidate = "/other" + other
    assert rules.path_matches(prefix + "*", candidate) == candidate.startswith(prefix)


@given(paths)
def test_a_question_mark_is_one_character(path):
    pattern = path[:-1] + "?"
    assert rules.path_matches(pattern, path)
    assert not rules.path_matches(pattern, path + "z")


@given(st.text(alphabet=".+()[]{}^$|\\", min_size=1, max_size=6))
def test_regex_characters_in_a_pattern_are_literal(literal):
    path = "/api_v3/" + literal
    assert rules.path_matches(path, path)
    assert not rules.path_matches(path, "/api_v3/" + "a" * len(literal))
    assert not rules.path_matches(path, "/api_v3/" + literal + literal)


@settings(max_examples=500)
@given(st.text(alphabet="ab/.*?", max_size=10), st.text(alphabet="ab/.*?[\n", max_size=14))
def test_globs_agree_with_fnmatch(pattern, path):
    """fnmatch is the reference for * and ? (its [...] classes are not ours: no [ in patterns)."""
    assert rules.path_matches(pattern, path) == fnmatch.fnmatchcase(path, pattern)


def test_every_small_glob_agrees_with_fnmatch_on_every_small_path():
    """Exhaustive where random draws are thin: overlapping pieces (*a*a* on "a") are rare."""
    def words(alphabet, longest):
        return ["".join(w) for n in range(longest + 1) for w in itertools.product(alphabet, repeat=n)]
    texts = words("ab", 4)
    wrong = [(p, t) for p in words("ab*?", 5) for t in texts
             if rules.path_matches(p, t) != fnmatch.fnmatchcase(t, p)]
    assert wrong == []


@settings(max_examples=500)
@example("*a*a*", "a")
@example("*ab*b", "ab")
@given(st.text(alphabet="ab*", max_size=9), st.text(alphabet="ab", max_size=9))
def test_both_engines_agree_with_fnmatch_on_star_globs(pattern, path):
    """Without ?, path_matches splits on stars; the bit automaton (used with ?) must agree too."""
    expected = fnmatch.fnmatchcase(path, pattern)
    assert rules.path_matches(pattern, path) == expected
    assert rules._automaton_matches(pattern, path) == expected


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["*", "?", "a", "b", "ab", "/"]), max_size=12), st.data())
def test_a_path_built_from_the_glob_matches_it(parts, data):
    """Fill every * with any run and every ? with one character: the glob matches the result."""
    fill = {"*": st.text(alphabet="ab/", max_size=5), "?": st.sampled_from("ab/x")}
    path = "".join(data.draw(fill[p]) if p in fill else p for p in parts)
    assert rules.path_matches("".join(parts), path)


PATHOLOGICAL = [  # (pattern, path, matches): the old glob-to-regex tried every split of the a's
    ("*a" * 12 + "*b", "/api_v3/" + "a" * 300, False),
    ("*a" * 12 + "*", "/api_v3/" + "a" * 300, True),
    ("*a" * 12 + "*?b", "/api_v3/" + "a" * 300, False),
    ("*" + "?a" * 500 + "c*", "a" * 20000, False),
    ("*a" * 25 + "*b", "a" * 5000 + "b", True),
]


@pytest.mark.parametrize("pattern, path, matches", PATHOLOGICAL)
def test_many_stars_on_a_long_path_answer_right(pattern, path, matches):
    assert rules.path_matches(pattern, path) is matches
    assert rules.journal_path_matches(pattern, "/x", path) is matches


def test_many_stars_on_a_long_path_answer_at_all():
    """In a child process, so the old exponential matcher fails this test instead of hanging pytest."""
    code = ("from vsee_sim.control.traffic import rules\n"
            f"print([rules.path_matches(p, s) for p, s, _ in {PATHOLOGICAL!r}])")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("path_matches did not answer in 60 s: catastrophic backtracking")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr([m for _, _, m in PATHOLOGICAL])


# -- records the hook can apply -------------------------------------------------------------------
GOOD_RULE = {"id": "1", "method": "*", "path": "*", "status": 503, "message": None, "retry_after": None,
             "latency_ms": 0, "count": None, "probability": 1.0, "matched": 0, "fired": 0}


@pytest.mark.parametrize("change", [
    {"method": None}, {"path": None}, {"method": 7}, {"path": ["*"]},
    {"status": "503"}, {"status": 200}, {"status": 503.5}, {"status": True},
    {"probability": "1"}, {"probability": None}, {"probability": float("nan")}, {"probability": 2},
    {"count": "3"}, {"count": 1.5}, {"matched": "x"}, {"fired": -1}, {"latency_ms": -1},
    {"latency_ms": 10**9}, {"retry_after": "later"}, {"retry_after": 1.5}, {"message": 3},
])
def test_a_malformed_record_is_not_usable_and_never_matches(change):
    rule = {**GOOD_RULE, **change}
    assert rules.usable(GOOD_RULE) and not rules.usable(rule)
    assert rules.pick([rule, GOOD_RULE], "GET", "/api_v3/me") is GOOD_RULE


def test_missing_counters_and_probability_mean_the_defaults():
    rule = {"id": "1", "method": "*", "path": "*", "status": 503}
    assert rules.usable(rule) and rules.pick([rule], "GET", "/api_v3/me") is rule
    assert not rules.usable("not a dict")


@given(paths, st.sampled_from(["", "/vc/next", "/vc/stable", "/cc/vclinic"]), st.booleans())
def test_patterns_normalise_base_paths_and_json_like_requests(path, base, json_suffix):
    given_pattern = base + path + (".json" if json_suffix else "")
    assert rules.normalise_pattern(given_pattern) == path


@pytest.mark.parametrize("pattern, normal", [
    ("visits/*", "/api_v3/visits/*"), ("/api_v3/visits/", "/api_v3/visits"), ("*", "*"),
    ("//api_v3//me", "/api_v3/me"), ("/vc/next/api_v3*", "/api_v3*"), (" /api_v3/me ", "/api_v3/me"),
    ("/auth", "/auth"), ("/", "/"),
])
def test_pattern_examples(pattern, normal):
    assert rules.normalise_pattern(pattern) == normal


@pytest.mark.parametrize("pattern", [None, "", "   ", "/" + "x" * 1000])
def test_bad_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        rules.normalise_pattern(pattern)


@given(st.sampled_from(rules.METHODS), st.sampled_from(rules.METHODS))
def test_methods_match_themselves_case_blind_and_star_matches_all(rule_method, method):
    normal = rules.normalise_method(rule_method.lower())
    assert normal == rule_method
    assert rules.method_matches(normal, method.lower()) == (rule_method == method)
    assert rules.method_matches(rules.normalise_method(None), method)


def test_no_method_means_any():
    assert rules.normalise_method("") == rules.normalise_method(None) == rules.normalise_method(" * ") == "*"


@pytest.mark.parametrize("method", ["FETCH", "GETS", "G ET", "**"])
def test_unknown_methods_are_refused(method):
    with pytest.raises(ValueError):
        rules.normalise_method(method)


# -- messages and headers ---------------------------------------------------------------------------
@given(st.integers(min_value=400, max_value=599))
def test_every_status_has_a_default_message(status):
    assert rules.default_message(status).startswith(f"Injected fault: {status} ")


@given(st.one_of(st.none(), st.integers(min_value=0, max_value=86400)))
def test_a_429_always_says_retry_after(given_seconds):
    seconds = rules.retry_after({"status": 429, "retry_after": given_seconds})
    assert seconds == (1 if given_seconds is None else given_seconds)
    assert rules.retry_after({"status": 503, "retry_after": given_seconds}) == given_seconds


# -- journal filters ------------------------------------------------------------------------------
@given(st.integers(min_value=100, max_value=599))
def test_status_filters_match_their_status_and_class(status):
    assert rules.status_matches(rules.check_status_filter(str(status)), status)
    klass = rules.check_status_filter(f"{str(status)[0]}XX")
    assert rules.status_matches(klass, status)
    other = f"{(int(str(status)[0]) % 5) + 1}xx"
    assert not rules.status_matches(other, status)


@pytest.mark.parametrize("value", ["abc", "6xx", "0xx", "40", "4000", "4x", ""])
def test_bad_status_filters_are_refused(value):
    with pytest.raises(ValueError):
        rules.check_status_filter(value)


@given(paths)
def test_a_journal_path_filter_is_a_substring_or_a_glob(path):
    assert rules.journal_path_matches(path[3:], path)
    assert rules.journal_path_matches(path[:5] + "*", "/x", path)
    assert not rules.journal_path_matches(path[:5], "/x")
