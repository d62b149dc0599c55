"""Rooms rules, pure: slug, code, name and domain checks, the new room, default hours.

Properties: each check accepts exactly the values of its documented alphabet and length
(returning them stripped), and refuses everything else with a BadRequest naming only
its field (docs/fidelity.md R3-R5, R12).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.rooms import rules
from vsee_sim.core.errors import BadRequest

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def refused(check, value, field: str) -> BadRequest:
    with pytest.raises(BadRequest) as err:
        check(value)
    assert err.value.status == 400
    assert list(err.value.errors) == [field] and field in err.value.message
    return err.value


# -- examples ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, cleaned", [
    ("provider00102", "provider00102"), (" room1 ", "room1"), ("UAT", "UAT"), ("a-b_c", "a-b_c"), ("x" * 64, "x" * 64),
])
def test_slug_accepted(value, cleaned):
    assert rules.clean_slug(value) == cleaned


@pytest.mark.parametrize("value", [None, "", "  ", "a b", "a/b", "a.b", "é", "x" * 65, "a?b"])
def test_slug_refused(value):
    refused(rules.clean_slug, value, "slug")


@pytest.mark.parametrize("value", ["b4vjj", "ceproom1", "example-room-code", "Dr_Who", "x" * 32])
def test_code_accepted(value):
    assert rules.clean_code(value) == value


@pytest.mark.parametrize("value", [None, "", " ", "bad code", "x" * 33, "a.b", "a+b"])
def test_code_refused(value):
    refused(rules.clean_code, value, "code")


@pytest.mark.parametrize("value", ["vclinic.vsee.me", "demo.vsee.me", "localhost:8000", "a", "api-x.example.com"])
def test_domain_accepted(value):
    assert rules.clean_domain(value) == value


@pytest.mark.parametrize("value", [None, "", "https://vclinic.vsee.me", "vclinic.vsee.me/path", "two words",
                                   ".leading", "trailing.", "x" * 300])
def test_domain_refused(value):
    refused(rules.clean_domain, value, "domain")


def test_name():
    assert rules.clean_name("  provider00102 room ") == "provider00102 room"
    refused(rules.clean_name, "   ", "name")
    refused(rules.clean_name, "n" * 256, "name")


def test_same_key_ignores_case_and_spaces():
    assert rules.same_key("ROOM1", " room1")
    assert not rules.same_key("room1", "room2")


def test_new_room_is_the_documented_shape():
    room = rules.new_room(room_id="171", code="b4vjj", slug="provider00102", name="provider00102 room",
                          domain="vclinic.vsee.me", account_code="vclinic", provider_ids=["85741"],
                          consultation_id="c1", now=1605728974, default=False)
    assert room["provider_ids"] == ["85741"] and room["created"] == room["modified"] == 1605728974
    assert room["visits"] == {"walkin": {"enabled": True}, "appointment": {"enabled": False}}
    assert room["payment"]["consultations"][0]["id"] == "c1"
    assert room["payment"]["consultations"][0]["duration"] == 15


def test_default_weekly_and_timezone():
    weekly = rules.default_weekly()
    assert list(weekly) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert weekly["mon"] == [["09:00", "17:00"]] and weekly["sun"] == []
    weekly["mon"].append(["x", "y"])
    assert rules.default_weekly()["mon"] == [["09:00", "17:00"]]    # a fresh value each time
    room = {"operation_settings": {"default_timezone": "America/Chicago"}}
    assert rules.schedule_timezone("America/New_York", room) == "America/New_York"
    assert rules.schedule_timezone(None, room) == "America/Chicago"
    assert rules.schedule_timezone("", {}) == "America/Los_Angeles"


def test_sec_usec():
    assert rules.sec_usec(1605728974) == {"sec": 1605728974, "usec": 0}
    assert rules.sec_usec(1605728974.177) == {"sec": 1605728974, "usec": 177000}
    assert rules.sec_usec(None) is None


# -- properties ---------------------------------------------------------------------------------
@given(st.text(max_size=80))
def test_slug_accepts_exactly_the_url_safe_alphabet(value):
    stripped = value.strip()
    if re.fullmatch(f"[{re.escape(SAFE)}]{{1,64}}", stripped):
        assert rules.clean_slug(value) == stripped
    else:
        refused(rules.clean_slug, value, "slug")


@given(st.text(alphabet=SAFE + " ./!é", max_size=40))
def test_code_accepts_exactly_1_to_32_safe_characters(value):
    stripped = value.strip()
    if re.fullmatch(f"[{re.escape(SAFE)}]{{1,32}}", stripped):
        assert rules.clean_code(value) == stripped
    else:
        refused(rules.clean_code, value, "code")


@given(st.text(max_size=300))
def test_domain_and_name_raise_nothing_but_bad_request(value):
    for check, field in ((rules.clean_domain, "domain"), (rules.clean_name, "name")):
        try:
            assert check(value) == value.strip()
        except BadRequest as err:
            assert list(err.errors) == [field]
