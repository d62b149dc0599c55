"""Webhook rules, with no web and no store: backoff, give-up, event patterns, URLs, signatures."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.control.events import rules
from vsee_sim.core.events import wants

segment = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
event_name = st.lists(segment, min_size=1, max_size=4).map(".".join)
attempts = st.integers(min_value=1, max_value=10_000)
relaxed = settings(deadline=None)  # cheap rules, but a loaded CI machine must not fail them on time


# -- backoff ---------------------------------------------------------------------------------
@relaxed
@given(attempts)
def test_backoff_never_shrinks_and_is_capped(n):
    assert rules.BACKOFF_BASE <= rules.backoff(n) <= rules.backoff(n + 1) <= rules.BACKOFF_CAP


@relaxed
@given(st.integers(min_value=1, max_value=7))
def test_backoff_triples_from_ten_seconds_until_the_cap(n):
    assert rules.backoff(n) == min(rules.BACKOFF_CAP, 10 * 3 ** (n - 1))


def test_backoff_reaches_its_cap():
    assert rules.backoff(10_000) == rules.BACKOFF_CAP == 3600
    assert [rules.backoff(n) for n in range(1, 6)] == [10, 30, 90, 270, 810]


@relaxed
@given(attempts, st.integers(min_value=0, max_value=2**40))
def test_a_failure_waits_the_backoff_until_the_last_attempt(n, now):
    status, next_attempt = rules.after_failure(n, now)
    if n < rules.MAX_ATTEMPTS:
        assert (status, next_attempt) == ("pending", now + rules.backoff(n))
        assert next_attempt > now
    else:
        assert (status, next_attempt) == ("failed", None)


# -- event patterns --------------------------------------------------------------------------
@relaxed
@given(event_name)
def test_star_and_the_name_itself_match(event):
    assert rules.matches("*", event) and rules.matches(event, event)


@relaxed
@given(event_name, event_name)
def test_a_prefix_pattern_matches_exactly_the_events_under_it(prefix, event):
    assert rules.matches(prefix + ".*", event) == event.startswith(prefix + ".")
    assert rules.matches(prefix + ".*", prefix + "." + event)


@relaxed
@given(event_name, event_name)
def test_a_name_matches_only_itself(pattern, event):
    assert rules.matches(pattern, event) == (pattern == event)


def test_a_prefix_is_cut_at_a_dot():
    assert not rules.matches("visit.*", "visitor.created")
    assert not rules.matches("visit.*", "visit")


@relaxed
@given(st.lists(st.sampled_from(["*", "visit.*", *rules.EVENTS]), max_size=4),
       st.sampled_from(rules.EVENTS), st.sampled_from([None, "vclinic", "other"]),
       st.sampled_from([None, "vclinic", "other"]))
def test_a_webhook_wants_an_event_when_a_pattern_matches_and_the_account_fits(events, event, filter_, account):
    hook = {"events": events, "account": filter_}
    expected = any(rules.matches(p, event) for p in events or ["*"]) and (
        not filter_ or not account or filter_ == account)
    assert wants(hook, event, account) == expected


@relaxed
@given(st.text(max_size=30))
def test_an_accepted_pattern_matches_a_published_event(pattern):
    if rules.bad_pattern(pattern) is None:
        assert any(rules.matches(pattern, e) for e in rules.EVENTS)


def test_typos_and_unknown_events_are_refused_with_a_reason():
    for pattern in ("*", "visit.*", "visit.completed"):
        assert rules.bad_pattern(pattern) is None
    for pattern in ("visit.complete", "Visit.created", "visit.", "visit*", "*.created", "", "appointment.*"):
        assert rules.bad_pattern(pattern), pattern


# -- URLs and signatures ---------------------------------------------------------------------
@relaxed
@given(st.sampled_from(["http", "https"]), st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z]{2,5}){0,2}", fullmatch=True),
       st.from_regex(r"(/[A-Za-z0-9_.-]{0,10}){0,3}", fullmatch=True))
def test_absolute_http_urls_are_accepted(scheme, host, path):
    assert rules.bad_url(f"{scheme}://{host}{path}") is None


def test_other_urls_are_refused():
    for url in ("", "ftp://x.example/", "//x.example/", "x.example/hook", "http://", "http:///path",
                "http://x .example/", "http://x.example:70000/", "mailto:a@example.com", "h" * 3000):
        assert rules.bad_url(url), url


@relaxed
@given(st.text(min_size=1, max_size=20), st.binary(max_size=200), st.binary(max_size=200))
def test_the_signature_is_the_hmac_of_the_exact_body(secret, body, other):
    sig = rules.signature(secret, body)
    assert sig == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert (rules.signature(secret, other) == sig) == (other == body)
