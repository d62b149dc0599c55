"""Users: pure rules for profile fields, passwords, tokens and eligibility.

Values in, decision out: no Flask, no store. Each check raises ``BadRequest.field``
naming the field, so the message a client reads says what to fix.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from vsee_sim.core.errors import BadRequest
from vsee_sim.core.tokens import token_is_live  # noqa: F401 - the users area's token rule

PATIENT, PROVIDER, GUEST, ADMIN, API_USER = 200, 400, 600, 100, 160
SSO_TYPES = {PATIENT: "patient", PROVIDER: "provider", GUEST: "guest"}
ACCESS_TTL = 86400          # seconds, as in the documented examples (expiry - created)
REFRESH_TTL = 2592000
DEFAULT_HEARTBEAT = 300
MIN_PASSWORD = 6

US_STATES = frozenset([
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI",
    "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN",
    "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
])

# The documented timezone list of POST /me.
TIMEZONES = frozenset([
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Mazatlan",
    "America/Guatemala", "America/Mexico_City", "America/Regina", "America/Bogota",
    "America/Caracas", "America/Asuncion", "America/Halifax", "America/Santiago",
    "America/St_Johns", "America/Buenos_Aires", "America/Godthab", "America/Montevideo",
    "America/Sao_Paulo", "America/Noronha", "Atlantic/Azores", "Atlantic/Cape_Verde",
    "Europe/London", "UTC", "Europe/Berlin", "Europe/Prague",
    "Europe/Paris", "Europe/Warsaw", "Africa/Windhoek", "Africa/Johannesburg",
    "Asia/Beirut", "Europe/Bucharest", "Europe/Istanbul", "Asia/Damascus",
    "Asia/Jerusalem", "Africa/Cairo", "Europe/Kiev", "Asia/Amman",
    "Europe/Minsk", "Asia/Baghdad", "Asia/Riyadh", "Asia/Tehran",
    "Europe/Moscow", "Asia/Dubai", "Asia/Yerevan", "Asia/Baku",
    "Asia/Kabul", "Asia/Karachi", "Asia/Kolkata", "Asia/Colombo",
    "Asia/Kathmandu", "Asia/Yekaterinburg", "Asia/Dhaka", "Asia/Rangoon",
    "Asia/Novosibirsk", "Asia/Ho_Chi_Minh", "Asia/Jakarta", "Asia/Krasnoyarsk",
    "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Australia/Perth",
    "Asia/Irkutsk", "Asia/Tokyo", "Asia/Seoul", "Australia/Darwin",
    "Australia/Adelaide", "Australia/Brisbane", "Pacific/Guam", "Asia/Yakutsk",
    "Australia/Sydney", "Australia/Hobart", "Asia/Vladivostok", "Pacific/Fiji",
    "Asia/Magadan", "Pacific/Auckland", "Pacific/Tongatapu", "Pacific/Apia",
])

_DOB = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9+\-(). ]+$")
_SSN4 = re.compile(r"^\d{4}$")
_TEXT_LIMIT = 255


def clean_dob(value: str, today: date) -> str:
    if not isinstance(value, str) or not _DOB.match(value.strip()):
        raise BadRequest.field("dob", "use the format yyyy-mm-dd.")
    try:
        born = date.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest.field("dob", f"{value} is not a date.") from None
    if born > today:
        raise BadRequest.field("dob", "must not be in the future.")
    if born.year < 1900:
        raise BadRequest.field("dob", "must be after 1900-01-01.")
    return born.isoformat()


def clean_gender(value) -> int:
    """VSee stores 1 (male) and 2 (female); POST /me documents male/female."""
    text = str(value).strip().lower()
    mapping = {"male": 1, "m": 1, "1": 1, "female": 2, "f": 2, "2": 2}
    if text not in mapping:
        raise BadRequest.field("gender", "use male or female (or 1 / 2).")
    return mapping[text]


def clean_state(value: str, name: str = "state") -> str:
    code = str(value).strip().upper()
    if code not in US_STATES:
        raise BadRequest.field(name, "use a 2-letter US state code such as CA or AL.")
    return code


def clean_timezone(value: str) -> str:
    if not isinstance(value, str) or value not in TIMEZONES:
        raise BadRequest.field("timezone", f"{value} is not in the documented timezone list.")
    return value


def clean_tos(value) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise BadRequest.field("tos", "use 0 (not accepted) or 1 (accepted).")


def clean_phone(value: str, name: str = "phone") -> str:
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if not _PHONE_CHARS.match(text) or not 7 <= len(digits) <= 15:
        raise BadRequest.field(name, "use a phone number of 7 to 15 digits.")
    return text


def clean_pcp_phone(value: str) -> str:
    digits = re.sub(r"\D", "", str(value))
    if len(digits) != 10 or not _PHONE_CHARS.match(str(value).strip()):
        raise BadRequest.field("pcp_phone", "use a 10-digit phone number.")
    return str(value).strip()


def clean_zip(value: str) -> str:
    text = str(value).strip()
    if not _ZIP.match(text):
        raise BadRequest.field("zip", "use a 5-digit ZIP code such as 07123.")
    return text


def clean_email(value: str, name: str = "email") -> str:
    text = str(value).strip()
    if not _EMAIL.match(text):
        raise BadRequest.field(name, f"{text or 'an empty value'} is not an email address.")
    return text


def clean_text(value, name: str, *, required: bool = False) -> str:
    text = str(value).strip()
    if required and not text:
        raise BadRequest.field(name, "must not be empty.")
    if len(text) > _TEXT_LIMIT:
        raise BadRequest.field(name, f"must be at most {_TEXT_LIMIT} characters.")
    return text


def clean_ssn4(value) -> str:
    text = str(value).strip()
    if not _SSN4.match(text):
        raise BadRequest.field("ssn", "use the last 4 digits of the SSN.")
    return text


def clean_gps(value) -> dict:
    if not isinstance(value, dict) or value.get("lat") is None or value.get("long") is None:
        raise BadRequest.field("gps", "send lat and long together.")
    try:
        lat, lng = float(value["lat"]), float(value["long"])
    except (TypeError, ValueError, OverflowError):
        raise BadRequest.field("gps", "lat and long must be numbers.") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # also refuses nan
        raise BadRequest.field("gps", "lat must be within ±90 and long within ±180.")
    return {"lat": lat, "long": lng}


_CLEANERS = {
    "first_name": lambda v, today: clean_text(v, "first_name", required=True),
    "last_name": lambda v, today: clean_text(v, "last_name", required=True),
    "dob": clean_dob,
    "gender": lambda v, today: clean_gender(v),
    "nationality": lambda v, today: clean_text(v, "nationality"),
    "tos": lambda v, today: clean_tos(v),
    "phone": lambda v, today: clean_phone(v),
    "street_addr": lambda v, today: clean_text(v, "street_addr"),
    "state": lambda v, today: clean_state(v),
    "zip": lambda v, today: clean_zip(v),
    "city": lambda v, today: clean_text(v, "city"),
    "pcp_name": lambda v, today: clean_text(v, "pcp_name"),
    "pcp_phone": lambda v, today: clean_pcp_phone(v),
    "timezone": lambda v, today: clean_timezone(v),
    "email": lambda v, today: clean_email(v),
    "gps": lambda v, today: clean_gps(v),
}
PROFILE_FIELDS = tuple(_CLEANERS)


def clean_profile(args: dict, today: date) -> dict:
    """Validate and normalise the profile fields present in ``args``.

    Empty strings clear optional text fields; they are refused where a value is needed.
    """
    out, errors = {}, {}
    for name, cleaner in _CLEANERS.items():
        if name not in args or args[name] is None:
            continue
        value = args[name]
        if value == "" and name not in ("first_name", "last_name", "dob", "gender", "tos", "email", "gps"):
            out[name] = ""
            continue
        try:
            out[name] = cleaner(value, today)
        except BadRequest as err:  # collect them all: one round trip tells every field to fix
            errors.update(err.errors or {})
    sent = [f for f in ("lat", "long") if args.get(f) is not None]
    if sent and "gps" not in out and "gps" not in errors:
        try:
            out["gps"] = clean_gps({"lat": args.get("lat"), "long": args.get("long")})
        except BadRequest as err:  # named after what the caller sent
            for name in sent:
                errors[name] = (err.errors or {}).get("gps", [err.message])
    if errors:
        raise BadRequest("Invalid " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                         errors=errors)
    return out


def password_change(*, has_password: bool, via_email_token: bool, password: str | None,
                    old_password: str | None, current: str | None) -> str | None:
    """The new password to store, or None when none is being set.

    First password (or after an email-token login): ``password`` alone.
    Otherwise ``old_password`` must match; re-sending the current password alone
    is accepted as no change (the documented POST /me example does exactly that).
    """
    if password is None:
        if old_password is not None:
            raise BadRequest.field("password", "send the new password with old_password.")
        return None
    if len(password) < MIN_PASSWORD:
        raise BadRequest.field("password", f"must be at least {MIN_PASSWORD} characters.")
    if not has_password or via_email_token:
        return password
    if old_password is None:
        if password == current:
            return None
        raise BadRequest.field("old_password", "is required to change the password.")
    if old_password != current:
        raise BadRequest.field("old_password", "does not match the current password.")
    return password


@lru_cache(maxsize=4)
def token_expiries(now: int) -> tuple[int, int]:
    """(access expiry, refresh expiry) of a pair issued at ``now``. Cached: the tokens issued
    in one second share two ints instead of holding their own (memory per SSO user)."""
    return now + ACCESS_TTL, now + REFRESH_TTL


def clean_heartbeat(value) -> int:
    if value is None:
        return DEFAULT_HEARTBEAT
    if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 86400:
        raise BadRequest.field("heartbeat", "use a number of seconds between 10 and 86400.")
    return value


def is_alive(user: dict | None, now: int) -> bool:
    """Is this user "alive" (POST /users/alive): last_connected + heartbeat >= now.

    Only alive patients show on the provider dashboard (the documentation); a user who
    never connected is not alive, and a missing heartbeat is the default 300 s.
    """
    last = (user or {}).get("last_connected")
    if last is None or isinstance(last, bool):
        return False
    heartbeat = (user or {}).get("heartbeat") or DEFAULT_HEARTBEAT
    return int(last) + int(heartbeat) >= now


def eligible(records: list[dict], given: dict, fields: list[str]) -> bool:
    """Does one eligibility record match every eligibility field the caller sent?"""
    sent = {f: str(given[f]).strip().lower() for f in fields if given.get(f) not in (None, "")}
    if not sent:
        return False
    return any(all(str(r.get(f, "")).strip().lower() == v for f, v in sent.items()) for r in records)


def eligibility_fields(profile: dict) -> list[str]:
    """Fields the account's ``signup_activate`` schema checks against the eligibility file."""
    found: list[str] = []
    stack: list = [profile]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            schema = node.get("schema")
            if node.get("code") == "signup_activate" and isinstance(schema, dict):
                found.extend(k for k, v in schema.items() if isinstance(v, dict) and "eligibility" in v)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found or ["first_name", "last_name", "dob", "ssn"]


def email_candidates(email: str) -> list[str]:
    """A form-encoded ``an+1@vsee.com`` arrives as ``an 1@vsee.com``: try both."""
    email = email.strip()
    out = [email.lower()]
    if " " in email:
        out.append(email.replace(" ", "+").lower())
    return out
