"""Review findings: a namespace clock moved BACK must not strand what was scheduled later.

A webhook retry (or an autopilot pick-up) scheduled on a clock frozen in 2030 would
otherwise wait for 2030 after ``POST /_sim/clock/real``; a pending delivery also holds back
every later delivery of its webhook (strict order). And the appointment confirmation's
link keeps a namespace chosen by the X-Sim-Namespace header, so a browser (no header) can
follow it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from clinic import PATIENT_575, ok
from hypothesis import given
from hypothesis import strategies as st
from test_webhooks import Receiver

from vsee_sim.control.events import rules
from vsee_sim.control.provider import rules as autopilot_rules

T2030 = 1_893_456_000           # 2030-01-01: far ahead of the real clock
MONDAY_0815_PDT = 1470669300    # a slot of provider 826 in the demo clinic


@pytest.fixture()
def receiver():
    found = Receiver()
    yield found
    found.close()


def _deliveries(client) -> list[dict]:
    """The log once everything due has been attempted (posts happen after the API answers)."""
    return ok(client.get("/_sim/webhooks/deliveries?wait=10"))


def _now(client) -> int:
    return int(ok(client.get("/_sim/clock"))["now"])


# -- webhooks ------------------------------------------------------------------------------------
def test_a_retry_scheduled_before_the_clock_went_back_falls_due_from_the_new_now(client, clinic, receiver):
    ok(client.post("/_sim/clock/freeze", json={"at": T2030}))
    receiver.fail_first = 1
    ok(client.post("/_sim/webhooks", json={"url": receiver.url}))
    _, token = clinic.sso()
    clinic.walkin(token, room_code="room1")
    [first] = _deliveries(client)
    assert (first["status"], first["next_attempt"]) == ("pending", T2030 + rules.backoff(1))

    ok(client.post("/_sim/clock/real"))
    [first] = _deliveries(client)
    assert first["next_attempt"] <= _now(client) + rules.backoff(1)   # stored clamped, not 2030
    _, token = clinic.sso()
    clinic.walkin(token, room_code="room1")
    _deliveries(client)
    assert len(receiver.posts) == 1                                   # the new one waits, in order

    ok(client.post("/_sim/clock/advance", json={"seconds": rules.backoff(1)}))
    assert [(d["status"], d["attempts"]) for d in _deliveries(client)] == [("delivered", 1), ("delivered", 2)]
    assert receiver.events == ["visit.created"] * 3                   # the retry, then the new one


def test_a_failing_retry_after_the_clock_went_back_keeps_its_normal_backoff(client, clinic, receiver):
    ok(client.post("/_sim/clock/freeze", json={"at": T2030}))
    receiver.fail_first = 2
    ok(client.post("/_sim/webhooks", json={"url": receiver.url}))
    _, token = clinic.sso()
    clinic.walkin(token, room_code="room1")
    at = T2030 - 86400 * 365
    ok(client.post("/_sim/clock/freeze", json={"at": at}))            # back a year, still frozen
    [pending] = _deliveries(client)
    assert pending["next_attempt"] == at + rules.backoff(1)
    ok(client.post("/_sim/clock/advance", json={"seconds": rules.backoff(1)}))
    [pending] = _deliveries(client)
    assert (pending["attempts"], pending["next_attempt"]) == (2, at + rules.backoff(1) + rules.backoff(2))
    ok(client.post("/_sim/clock/advance", json={"seconds": rules.backoff(2)}))
    assert [(d["status"], d["attempts"]) for d in _deliveries(client)] == [("delivered", 3)]


@given(attempts=st.integers(0, 50), now=st.integers(0, 2**40))
def test_the_latest_attempt_is_never_past_and_never_later_than_a_fresh_failure(attempts, now):
    latest = rules.latest_attempt(attempts, now)
    assert now <= latest <= now + rules.BACKOFF_CAP
    if attempts == 0:
        assert latest == now                     # never tried: due at once
    elif attempts < rules.MAX_ATTEMPTS:
        assert rules.after_failure(attempts, now) == ("pending", latest)   # a fresh failure is not clamped


# -- the autopilot -----------------------------------------------------------------------------------
def test_the_autopilot_picks_up_again_after_the_clock_went_back(client, clinic):
    ok(client.post("/_sim/clock/freeze", json={"at": T2030}))
    _, token = clinic.sso()
    early = clinic.walkin(token, room_code="room1")
    ok(client.put("/_sim/autopilot", json={"every": 60, "visit_seconds": 60, "room_code": "room1"}))
    ok(client.post("/_sim/clock/advance", json={"seconds": 60}))
    assert clinic.status(early["id"]) == 25                         # in a call that ends in 2030

    ok(client.post("/_sim/clock/real"))
    shown = ok(client.get("/_sim/autopilot"))
    assert shown["next_run"] <= shown["now"] + 60
    assert all(c["end"] <= shown["now"] + 60 for c in shown["calls"])
    _, token = clinic.sso()
    late = clinic.walkin(token, room_code="room1")
    ok(client.post("/_sim/clock/advance", json={"seconds": 60}))
    assert (clinic.status(early["id"]), clinic.status(late["id"])) == (30, 25)


@given(at=st.integers(0, 2**40), now=st.integers(0, 2**40), period=st.integers(1, autopilot_rules.MAX_EVERY))
def test_pulling_back_keeps_what_is_near_and_brings_the_far_within_one_period(at, now, period):
    pulled = autopilot_rules.pull_back(at, now, period)
    assert pulled == (at if at <= now + period else now + period)


# -- the confirmation link ------------------------------------------------------------------------------
@pytest.mark.parametrize("base", ["/api_v3", "/vc/next/api_v3", "/cc/vclinic/api_v3"])
def test_the_confirmation_link_keeps_a_namespace_chosen_by_header(app, client, clinic, world, ns, base):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    intake = clinic.intake(PATIENT_575, type=2)["id"]
    visit = clinic.ok(client.post(f"{base}/visits", headers={"X-ApiToken": PATIENT_575, "X-AccountCode": "vclinic"},
                                  json={"room_code": "ceproom1", "provider_id": "826", "intake_id": intake,
                                        "slot_start": MONDAY_0815_PDT, "slot_end": MONDAY_0815_PDT + 900}))
    [mail] = ok(client.get("/_sim/outbox?template=appointment_confirmation"))
    portal = "/vc/next" if base.startswith("/vc/next") else ""
    url = urlsplit(mail["url"])
    assert url.path == f"/ns/{ns}{portal}/members/appointment/{visit['id']}"
    browser = app.test_client()                       # a browser: no X-Sim-Namespace header
    followed = browser.get(f"{url.path}?{url.query}")
    assert followed.status_code == 302, followed.get_data(as_text=True)
    assert followed.headers["Location"] == f"/ns/{ns}{portal}/members/appointment/{visit['id']}"


def test_the_confirmation_link_in_the_default_namespace_has_no_prefix():
    from vsee_sim.api.visits.booking import portal_base
    from vsee_sim.core.tenancy import Ctx

    class _World:
        name = "default"

    assert portal_base(Ctx(world=_World(), db=None, base_url_source="http://h/vc/next/api_v3")) == "http://h/vc/next"
