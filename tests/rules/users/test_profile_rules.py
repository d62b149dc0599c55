"""Users rules, pure: profile fields, password changes, eligibility, email candidates.

Every documented rule of POST /me (docs/fidelity.md U6, U7, U11) with examples it accepts
and refuses, and properties: clean_profile raises nothing but BadRequest, and the
BadRequest names exactly the fields that were bad.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsee_sim.api.users.rules import (
    PROFILE_FIELDS,
    TIMEZONES,
    US_STATES,
    clean_profile,
    eligible,
    email_candidates,
    password_change,
)
from vsee_sim.core.errors import BadRequest

TODAY = date(2024, 6, 15)


def refused(field: str, value, today: date = TODAY) -> BadRequest:
    with pytest.raises(BadRequest) as err:
        clean_profile({field: value}, today)
    assert err.value.status == 400
    assert list(err.value.errors) == [field], err.value.errors
    assert field in err.value.message
    return err.value


# -- accepted and refused, field by field ------------------------------------------------------------
@pytest.mark.parametrize("field, value, stored", [
    ("dob", "1983-10-02", "1983-10-02"),
    ("dob", "2024-06-15", "2024-06-15"),          # today is not the future
    ("dob", " 1960-01-01 ", "1960-01-01"),
    ("dob", "1900-01-01", "1900-01-01"),
    ("gender", "male", 1), ("gender", "female", 2), ("gender", "Male", 1), ("gender", "FEMALE", 2),
    ("gender", "1", 1), ("gender", "2", 2), ("gender", 1, 1), ("gender", 2, 2),
    ("state", "CA", "CA"), ("state", "al", "AL"), ("state", " dc ", "DC"), ("state", "WY", "WY"),
    ("timezone", "America/Los_Angeles", "America/Los_Angeles"), ("timezone", "UTC", "UTC"),
    ("timezone", "Pacific/Apia", "Pacific/Apia"),
    ("tos", "0", False), ("tos", "1", True), ("tos", 0, False), ("tos", 1, True),
    ("tos", "true", True), ("tos", "false", False), ("tos", True, True), ("tos", False, False),
    ("pcp_phone", "7123456789", "7123456789"), ("pcp_phone", "(712) 345-6789", "(712) 345-6789"),
    ("pcp_phone", "712-345-6789", "712-345-6789"),
    ("zip", "07123", "07123"), ("zip", "90027-1234", "90027-1234"), ("zip", "01234", "01234"),
    ("phone", "800-555-5555", "800-555-5555"), ("phone", "+84 90 123 4567", "+84 90 123 4567"),
    ("first_name", " An ", "An"), ("last_name", "Nguyen", "Nguyen"),
    ("email", "an+user1@vsee.com", "an+user1@vsee.com"),
    ("nationality", "Vietnamese", "Vietnamese"), ("city", "San Francisco", "San Francisco"),
    ("gps", {"lat": "10.5", "long": -20}, {"lat": 10.5, "long": -20.0}),
])
def test_accepted(field, value, stored):
    assert clean_profile({field: value}, TODAY) == {field: stored}


@pytest.mark.parametrize("field, value", [
    ("dob", "1990/01/01"), ("dob", "01-02-1990"), ("dob", "1990-1-2"), ("dob", "1990-02-30"),
    ("dob", "1990-13-01"), ("dob", "2024-06-16"), ("dob", "2999-01-01"), ("dob", "1899-12-31"),
    ("dob", "yesterday"), ("dob", 19900101),
    ("gender", "x"), ("gender", "other"), ("gender", 3), ("gender", "0"),
    ("state", "XX"), ("state", "California"), ("state", "C"), ("state", "PR"),
    ("timezone", "Mars/Base"), ("timezone", "america/los_angeles"), ("timezone", "Europe/Madrid"),
    ("timezone", "GMT"),
    ("tos", "2"), ("tos", "yes"), ("tos", 2), ("tos", "-1"),
    ("pcp_phone", "123"), ("pcp_phone", "71234567890"), ("pcp_phone", "712345678a"),
    ("pcp_phone", "712.345.678"),
    ("zip", "abc"), ("zip", "1234"), ("zip", "123456"), ("zip", "12345-12"),
    ("phone", "abc"), ("phone", "12"),
    ("first_name", " "), ("last_name", "x" * 256), ("first_name", ""), ("last_name", ""),
    ("email", "not-an-email"), ("email", ""),
    ("gps", {"lat": 91, "long": 0}), ("gps", {"lat": "a", "long": 0}), ("gps", "10,20"), ("gps", ""),
])
def test_refused(field, value):
    refused(field, value)


def test_future_dob_depends_on_today():
    assert clean_profile({"dob": "2025-01-01"}, date(2025, 1, 1)) == {"dob": "2025-01-01"}
    refused("dob", "2025-01-01", date(2024, 12, 31))


@pytest.mark.parametrize("field", ["nationality", "phone", "street_addr", "state", "zip", "city",
                                   "pcp_name", "pcp_phone", "timezone"])
def test_empty_string_clears_an_optional_field(field):
    assert clean_profile({field: ""}, TODAY) == {field: ""}


def test_absent_and_none_fields_are_left_alone():
    assert clean_profile({}, TODAY) == {}
    assert clean_profile({f: None for f in PROFILE_FIELDS}, TODAY) == {}
    assert clean_profile({"password": "x", "unknown": "y"}, TODAY) == {}


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(BadRequest) as err:
        clean_profile({"dob": "bad", "state": "XX", "zip": "1", "city": "ok"}, TODAY)
    assert set(err.value.errors) == {"dob", "state", "zip"}
    assert all(name in err.value.message for name in ("dob", "state", "zip"))


def test_lat_and_long_make_gps():
    assert clean_profile({"lat": 1.5, "long": "2"}, TODAY) == {"gps": {"lat": 1.5, "long": 2.0}}
    with pytest.raises(BadRequest) as err:
        clean_profile({"lat": 100, "long": 0}, TODAY)
    assert set(err.value.errors) == {"lat", "long"}
    with pytest.raises(BadRequest) as err:
        clean_profile({"lat": 10}, TODAY)
    assert err.value.errors == {"lat": ["send lat and long together."]}


# -- properties ----------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
field_names = st.sampled_from(PROFILE_FIELDS + ("lat", "long", "password", "other"))


@settings(max_examples=300, deadline=None)
@given(args=st.dictionaries(field_names, json_values, max_size=6),
       today=st.dates(date(2000, 1, 1), date(2100, 1, 1)))
def test_clean_profile_raises_only_bad_request_naming_sent_fields(args, today):
    try:
        out = clean_profile(args, today)
    except BadRequest as err:
        assert err.status == 400 and err.errors
        named = set(err.errors)
        allowed = set(args) | ({"gps"} if {"lat", "long"} <= set(args) else set())
        assert named <= allowed, (named, args)
        assert all(name in err.message for name in named)
    else:
        assert set(out) <= set(PROFILE_FIELDS)
        assert set(out) - {"gps"} <= set(args)


valid_values = {
    "first_name": st.text(alphabet="abcXYZ '-", min_size=1, max_size=20).filter(str.strip),
    "last_name": st.text(alphabet="abcXYZ '-", min_size=1, max_size=20).filter(str.strip),
    "dob": st.dates(date(1900, 1, 1), TODAY).map(date.isoformat),
    "gender": st.sampled_from(["male", "female", "1", "2", 1, 2]),
    "state": st.sampled_from(sorted(US_STATES)),
    "timezone": st.sampled_from(sorted(TIMEZONES)),
    "tos": st.sampled_from([0, 1, "0", "1", "true", "false", True, False]),
    "pcp_phone": st.from_regex(r"\A[0-9]{10}\Z"),
    "zip": st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"),
    "phone": st.from_regex(r"\A[0-9]{7,15}\Z"),
    "email": st.emails(),
}
invalid_values = {
    "first_name": st.just("   "),
    "last_name": st.text(min_size=256, max_size=300).filter(lambda t: len(t.strip()) > 255),
    "dob": st.text(max_size=12).filter(lambda t: not _is_past_date(t)),
    "gender": st.text(max_size=8).filter(lambda t: t.strip().lower() not in ("male", "female", "m", "f", "1", "2")),
    "state": st.text(max_size=4).filter(lambda t: t.strip().upper() not in US_STATES and t != ""),
    "timezone": st.text(max_size=30).filter(lambda t: t not in TIMEZONES and t != ""),
    "tos": st.text(max_size=6).filter(lambda t: t.strip().lower() not in ("0", "1", "true", "false")),
    "pcp_phone": st.from_regex(r"\A[0-9]{1,9}\Z") | st.from_regex(r"\A[0-9]{11,14}\Z"),
    "zip": st.from_regex(r"\A[0-9]{1,4}\Z") | st.from_regex(r"\A[a-z]{5}\Z"),
    "phone": st.from_regex(r"\A[0-9]{1,6}\Z") | st.from_regex(r"\A[a-z]{7,10}\Z"),
    "email": st.text(alphabet="abc.", min_size=1, max_size=10),
}


def _is_past_date(text: str) -> bool:
    try:
        return len(text.strip()) == 10 and date(1900, 1, 1) <= date.fromisoformat(text.strip()) <= TODAY
    except ValueError:
        return False


@settings(max_examples=150, deadline=None)
@given(data=st.data(), bad_field=st.sampled_from(sorted(invalid_values)))
def test_one_bad_field_among_good_ones_is_the_one_named(data, bad_field):
    good = data.draw(st.fixed_dictionaries({}, optional=valid_values), label="good")
    args = {**good, bad_field: data.draw(invalid_values[bad_field], label="bad")}
    if args[bad_field] == "" and bad_field in ("pcp_phone", "zip", "phone", "state", "timezone"):
        return  # "" clears these
    with pytest.raises(BadRequest) as err:
        clean_profile(args, TODAY)
    assert set(err.value.errors) == {bad_field}
    assert bad_field in err.value.message


@settings(max_examples=100, deadline=None)
@given(good=st.fixed_dictionaries({}, optional=valid_values))
def test_valid_profiles_pass_and_are_idempotent(good):
    once = clean_profile(good, TODAY)
    assert set(once) == set(good)
    assert clean_profile(once, TODAY) == once


# -- password_change --------------------------------------------------------------------------------------
def change(**kw):
    base = {"has_password": True, "via_email_token": False, "password": None, "old_password": None,
            "current": "111111"}
    return password_change(**{**base, **kw})


def test_no_password_no_change():
    assert change() is None
    assert change(has_password=False, current=None) is None


def test_first_password_alone():
    assert change(has_password=False, current=None, password="abcdef") == "abcdef"


def test_after_email_token_login_password_alone():
    assert change(via_email_token=True, password="newpass") == "newpass"


def test_resending_the_current_password_is_no_change():
    assert change(password="111111") is None


def test_change_needs_the_old_password():
    assert change(password="222222", old_password="111111") == "222222"
    with pytest.raises(BadRequest) as err:
        change(password="222222")
    assert list(err.value.errors) == ["old_password"]
    with pytest.raises(BadRequest) as err:
        change(password="222222", old_password="wrong!")
    assert list(err.value.errors) == ["old_password"]


def test_old_password_alone_is_refused():
    with pytest.raises(BadRequest) as err:
        change(old_password="111111")
    assert list(err.value.errors) == ["password"]


@given(short=st.text(max_size=5))
def test_short_passwords_are_refused_in_every_situation(short):
    for situation in ({}, {"has_password": False, "current": None}, {"via_email_token": True},
                      {"old_password": "111111"}):
        with pytest.raises(BadRequest) as err:
            change(password=short, **situation)
        assert list(err.value.errors) == ["password"]


@given(new=st.text(min_size=6, max_size=30), has=st.booleans(), via=st.booleans())
def test_a_password_set_without_old_is_stored_only_when_allowed(new, has, via):
    current = "111111" if has else None
    if not has or via:
        assert change(has_password=has, via_email_token=via, current=current, password=new) == new
    elif new == current:
        assert change(has_password=has, via_email_token=via, current=current, password=new) is None
    else:
        with pytest.raises(BadRequest):
            change(has_password=has, via_email_token=via, current=current, password=new)


# -- eligibility --------------------------------------------------------------------------------------------
RECORDS = [{"first_name": "An", "last_name": "Nguyen", "email": "an@vsee.com", "dob": "1983-10-02",
            "ssn": "1234"},
           {"first_name": "Jane", "last_name": "Doe", "dob": "1985-07-15", "ssn": ""}]
FIELDS = ["first_name", "last_name", "dob", "ssn"]


@pytest.mark.parametrize("given_, ok", [
    ({"first_name": "An", "last_name": "Nguyen"}, True),
    ({"first_name": "an", "last_name": " NGUYEN "}, True),
    ({"first_name": "An", "last_name": "Nguyen", "dob": "1983-10-02", "ssn": "1234"}, True),
    ({"first_name": "An", "last_name": "Nguyen", "ssn": 1234}, True),
    ({"first_name": "An", "last_name": "Doe"}, False),                 # fields of two records
    ({"first_name": "An", "last_name": "Nguyen", "dob": "1983-10-03"}, False),
    ({"first_name": "Jane", "last_name": "Doe", "ssn": ""}, True),     # empty means not sent
    ({"email": "an@vsee.com"}, False),                                 # no eligibility field sent
    ({}, False),
])
def test_eligible(given_, ok):
    assert eligible(RECORDS, given_, FIELDS) is ok


def test_eligible_with_no_records_is_false():
    assert eligible([], {"first_name": "An"}, FIELDS) is False


@given(record=st.fixed_dictionaries({f: st.text(alphabet="abcXYZ019", min_size=1, max_size=8) for f in FIELDS}),
       subset=st.sets(st.sampled_from(FIELDS), min_size=1))
def test_any_nonempty_subset_of_a_record_is_eligible(record, subset):
    assert eligible([record], {f: record[f].upper() for f in subset}, FIELDS)


# -- email candidates ----------------------------------------------------------------------------------------
def test_email_candidates():
    assert email_candidates("an+1@vsee.com") == ["an+1@vsee.com"]
    assert email_candidates("an 1@vsee.com") == ["an 1@vsee.com", "an+1@vsee.com"]
    assert email_candidates(" An+User1@VSee.com ") == ["an+user1@vsee.com"]


@given(local=st.text(alphabet="abc+", max_size=10))
def test_a_form_decoded_plus_is_found_again(local):
    email = f"a{local}@vsee.com"
    assert email.lower() in email_candidates(email.replace("+", " "))
    assert email_candidates(email)[0] == email.lower()
