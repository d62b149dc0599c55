"""Users: SSO, login, profile, tokens, heartbeat, activation.

Deviations from VSee, and choices where the documentation is silent
(each with its reason in docs/fidelity.md):
- SSO maps a known ``code`` to its user and returns the stored record unchanged
  ("will map to and return existing user record"); a guest SSO always creates a guest.
- Every SSO and login issues a new token pair; earlier tokens stay valid until they
  expire or are logged out.
- ``POST /me`` with ``password`` alone is accepted for a first password, after an
  email-token login, or when it equals the current password (the documented example).
- Unknown email on reset_password is a 404 (the real service may answer true).
- Activation codes are 6 digits and go to the outbox (``GET /_sim/outbox``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from vsee_sim.api.files import service as files
from vsee_sim.api.users import rules
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from vsee_sim.core.tenancy import Ctx


# -- views of records -------------------------------------------------------------
def user_view(ctx: Ctx, user: dict) -> dict:
    """A user as the API shows it: the stored record with the photo as a signed URL."""
    photo = user.get("photo")
    view = dict(user)
    view["photo"] = files.signed_url(ctx, photo, "320x240") if photo and files.get_file(ctx, photo) else None
    return view


def token_view(access: dict, refresh: dict | None) -> dict:
    out = {k: access.get(k) for k in ("user_id", "token", "expiry", "created")}
    if refresh is not None:
        out["refresh_token"] = {k: refresh.get(k) for k in ("user_id", "token", "expiry", "created")}
    return out


def _today(ctx: Ctx) -> date:
    return datetime.fromtimestamp(ctx.clock.now(), tz=UTC).date()


# -- tokens ---------------------------------------------------------------------------
def issue_tokens(ctx: Ctx, user: dict, *, via: str = "password") -> tuple[dict, dict]:
    """A new access token and the refresh token that renews it."""
    refresh = ctx.world.tokens.insert({
        "token": ctx.ids.hex32(), "user_id": user["id"], "kind": "refresh",
        "expiry": rules.token_expiries(ctx.now)[1], "created": ctx.now, "account": ctx.db.code,
    })
    return _access_token(ctx, user, refresh, via), refresh


def _access_token(ctx: Ctx, user: dict, refresh: dict, via: str) -> dict:
    """``via`` (password, sso, email_token, refresh) decides what POST /me may do."""
    return ctx.world.tokens.insert({
        "token": ctx.ids.hex32(), "user_id": user["id"], "kind": "access",
        "expiry": rules.token_expiries(ctx.now)[0], "created": ctx.now, "account": ctx.db.code,
        "refresh": refresh["token"], "via": via,
    })


def refresh_token(ctx: Ctx, value: str) -> dict:
    token = ctx.world.tokens.get(value.strip())
    if not rules.token_is_live(token, ctx.clock.now(), "refresh"):
        raise Unauthorized("Invalid or expired refresh token.")
    ctx = ctx.for_account_of(token)
    user = ctx.db.users.get(token["user_id"]) if token["account"] == ctx.db.code else None
    if user is None:
        raise Unauthorized("Invalid or expired refresh token.")
    access = _access_token(ctx, user, token, "refresh")
    view = user_view(ctx, user)
    view["name"] = f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip()
    # The documented refresh example spells gender out ("Female"), unlike /me (2).
    view["gender"] = {1: "Male", 2: "Female"}.get(user.get("gender"))
    out = token_view(access, token)
    out.update(user_type=str(user.get("type")), user=view)
    return out


def logout(ctx: Ctx, tokens: list[str] | None) -> bool:
    """Destroy the given tokens (access or refresh), else the caller's X-ApiToken.

    Holding a token is what allows destroying it, so no other credential is needed;
    unknown tokens are ignored: logging out twice is not an error.
    """
    values = tokens or ([ctx.raw_token.strip()] if ctx.raw_token else [])
    for value in values:
        token = ctx.world.tokens.get(value)
        if token is not None and token["account"] == ctx.for_account_of(token).db.code:
            ctx.world.tokens.delete(value)
    return True


# -- SSO and login ----------------------------------------------------------------------
def sso(ctx: Ctx, args: dict, extra_fields: str | None = None) -> dict:
    """The caller's X-ApiKey is checked before this runs (routes: api_key_required)."""
    extra_fields = extra_fields or args.get("extra_fields")
    kind = args.get("type", rules.PATIENT)
    if kind not in rules.SSO_TYPES:
        raise BadRequest.field("type", "use 200 (patient), 400 (provider) or 600 (guest).")
    profile = rules.clean_profile(args, _today(ctx))
    # A guest has no identity in the portal: every guest SSO is a new guest.
    code = "" if kind == rules.GUEST else (args.get("code") or "").strip()
    user = None
    if kind != rules.GUEST:
        if not code:
            raise BadRequest.missing("code")
        user = ctx.db.users.find_one("code", code)
        if user is not None and user.get("type") != kind:
            raise BadRequest.field("code", f"already belongs to a user of type {user.get('type')}.")
    if user is None:
        user = _create_user(ctx, kind, code or ctx.ids.hex32(), profile, args)
    access, refresh = issue_tokens(ctx, user, via="sso")
    out = user_view(ctx, user)
    out["token"] = token_view(access, refresh)
    if extra_fields and "vsee" in extra_fields.split(","):
        out["vsee"] = {"id": user.get("vseeid"), "token": ctx.ids.hex32()}
    return out


def _create_user(ctx: Ctx, kind: int, code: str, profile: dict, args: dict, *,
                 require_names: bool = True) -> dict:
    missing = [f for f in ("first_name", "last_name") if not profile.get(f)]
    if missing and require_names:
        raise BadRequest.missing(*missing)
    if code and ctx.db.users.find_one("code", code):
        raise BadRequest.field("code", "is already taken.")
    if kind != rules.GUEST and profile.get("email") and ctx.db.users.find_one(
            "email", profile["email"], fold=True):
        raise BadRequest.field("email", f"{profile['email']} is already used by another user.")
    username = ctx.ids.hex32()
    now = ctx.now
    record = {
        "id": ctx.ids.next_number("users"), "code": code, "type": kind,
        "subtype": (args.get("subtype") or "482") if kind == rules.PROVIDER else (args.get("subtype") or ""),
        "username": username, "vseeid": f"{ctx.db.meta.get('vseeid_prefix', 'vsee')}+{username}",
        "first_name": None, "last_name": None, "email": None, "dob": None, "gender": None,
        "phone": None, "active": True, "tos": False, "photo": None, "password": None,
        "title": args.get("title") or "", "suffix": args.get("suffix") or "",
        "created": now, "modified": now, **profile,
    }
    return ctx.db.users.insert(record)


def _user_by_email(ctx: Ctx, email: str) -> dict | None:
    for candidate in rules.email_candidates(email):
        user = ctx.db.users.find_one("email", candidate, fold=True)
        if user is not None:
            return user
    return None


def login(ctx: Ctx, args: dict) -> dict:
    if args.get("username") or args.get("password"):
        missing = [f for f in ("username", "password") if not args.get(f)]
        if missing:
            raise BadRequest.missing(*missing)
        # MySQL's default collation compares usernames without case; so do we.
        user = ctx.db.users.find_one("username", args["username"], fold=True)
        if user is None or not user.get("password") or user["password"] != args["password"]:
            raise Unauthorized("Invalid username or password.")
        if not user.get("active", True):
            raise Forbidden("This user is not active yet: log in with email and email_token.")
        via = "password"
    elif args.get("email") or args.get("email_token"):
        missing = [f for f in ("email", "email_token") if not args.get(f)]
        if missing:
            raise BadRequest.missing(*missing)
        user = _user_by_email(ctx, args["email"])
        if user is None or not user.get("email_token") or user["email_token"] != args["email_token"].strip():
            raise Unauthorized("Invalid email or email_token.")
        via = "email_token"
    else:
        raise BadRequest.missing("username", "password")
    access, refresh = issue_tokens(ctx, user, via=via)
    out = token_view(access, refresh)
    out.update(user_type=str(user.get("type")), user=user_view(ctx, user))
    return out


# -- profile ----------------------------------------------------------------------------------
def me(ctx: Ctx) -> dict:
    return user_view(ctx, ctx.require_user())


def update_me(ctx: Ctx, args: dict) -> dict:
    user = ctx.require_user()
    changes = rules.clean_profile(args, _today(ctx))
    new_password = rules.password_change(
        has_password=bool(user.get("password")), via_email_token=ctx.token.get("via") == "email_token",
        password=args.get("password"), old_password=args.get("old_password"), current=user.get("password"))
    if new_password is not None:
        changes.update(password=new_password, active=True, email_token=None)
        # The email-token session has done its job: further changes need old_password.
        ctx.world.tokens.update(ctx.token["token"], via="password")
    if "photo" in args:
        changes["photo"] = _photo(ctx, user, args["photo"])
    changes["modified"] = ctx.now
    return user_view(ctx, ctx.db.users.update(user["id"], **changes))


def _photo(ctx: Ctx, user: dict, file_id: str) -> str | None:
    file_id = (file_id or "").strip()
    if not file_id:
        return None
    record = files.get_file(ctx, file_id)
    if record is None:
        raise BadRequest.field("photo", f"file {file_id} not found: upload it with POST /files first.")
    owners = {str(record.get("creator_id")), str(record.get("target_id"))}
    if user["id"] not in owners:
        raise BadRequest.field("photo", f"file {file_id} is not yours.")
    return file_id


def reset_password(ctx: Ctx, email: str) -> bool:
    rules.clean_email(email.replace(" ", "+"))
    user = _user_by_email(ctx, email)
    if user is None:
        raise NotFound(f"No user with email {email.replace(' ', '+')}.")
    code = ctx.ids.digits(6)
    ctx.db.users.update(user["id"], email_token=code, modified=ctx.now)
    _send(ctx, "reset_password", user, code)
    return True


def alive(ctx: Ctx, heartbeat: int | None) -> dict:
    user = ctx.require_user()
    beat = rules.clean_heartbeat(heartbeat)
    now = ctx.now
    ctx.db.users.update(user["id"], last_connected=now, heartbeat=beat)
    return {"last_connected": now, "heartbeat": beat}


def connected(ctx: Ctx, user: dict) -> None:
    """The user just reached us in a critical workflow (entering the waiting room): a
    keep-alive that keeps their heartbeat (docs/fidelity.md Q3)."""
    ctx.db.users.update(user["id"], last_connected=ctx.now)


def is_alive(user: dict | None, now: int) -> bool:
    """Alive (last_connected + heartbeat >= now): only alive patients reach the provider."""
    return rules.is_alive(user, now)


def activate(ctx: Ctx, args: dict) -> bool:
    email = rules.clean_email(args["email"].replace(" ", "+"))
    given = rules.clean_profile({k: args[k] for k in ("first_name", "last_name", "dob") if args.get(k)},
                                _today(ctx))
    if args.get("ssn"):
        given["ssn"] = rules.clean_ssn4(args["ssn"])
    records = ctx.db.meta.get("eligibility") or []
    fields = rules.eligibility_fields(ctx.db.meta.get("profile", {}))
    if records and not rules.eligible(records, {**given, "email": email}, fields):
        checked = [f for f in fields if f in given] or fields
        raise BadRequest("No eligible member matches the details given.",
                         errors={f: ["No eligibility record matches."] for f in checked})
    user = _user_by_email(ctx, email)
    if user is not None and user.get("active") and user.get("password"):
        raise BadRequest.field("email", "this user is already active: log in with username and password.")
    code = ctx.ids.digits(6)
    if user is None:
        user = _create_user(ctx, rules.PATIENT, ctx.ids.hex32(), {**given, "email": email}, {},
                            require_names=False)
        user = ctx.db.users.update(user["id"], username=email, active=False, email_token=code)
    else:
        user = ctx.db.users.update(user["id"], email_token=code, modified=ctx.now)
    _send(ctx, "activation", user, code)
    return True


def _send(ctx: Ctx, template: str, user: dict, code: str) -> None:
    subjects = {"activation": "Your activation code", "reset_password": "Reset your password"}
    send_email(ctx, template, user, code=code, subject=subjects[template],
               body=f"Your code is {code}. Log in with your email and this code (email_token).")


def send_email(ctx: Ctx, template: str, user: dict, *, subject: str, body: str, **extra) -> dict:
    """What the real service would email: kept in the namespace outbox (GET /_sim/outbox)."""
    return ctx.world.outbox.insert({
        "id": ctx.ids.uuid(), "channel": "email", "template": template, "to": user.get("email"),
        "user_id": user["id"], "account": ctx.db.code, "created": ctx.now, "subject": subject, "body": body,
        **extra,
    })


def full_name(user: dict | None) -> str:
    """"First Last", as VSee's ``full_name`` fields show a person (blank parts left out)."""
    return " ".join(p for p in ((user or {}).get("first_name"), (user or {}).get("last_name")) if p)


# -- roles, for other areas' permission checks -----------------------------------------
def is_staff(user: dict | None) -> bool:
    """Admins (100) and API users (160) act on the whole account (DESIGN decision 14)."""
    return bool(user) and int(user.get("type") or 0) in (rules.ADMIN, rules.API_USER)


def is_provider(user: dict | None) -> bool:
    return bool(user) and int(user.get("type") or 0) == rules.PROVIDER


def is_patient(user: dict | None) -> bool:
    """Members (200) and guests (600) are the patient side."""
    return bool(user) and int(user.get("type") or 0) in (rules.PATIENT, rules.GUEST)


# -- profile rules other areas share (intakes: location, phone) -------------------------
def us_states() -> frozenset[str]:
    """The 50 states and DC, as POST /me accepts them."""
    return rules.US_STATES


def clean_phone(value, name: str = "phone") -> str:
    """A phone number of 7 to 15 digits; 400 naming ``name`` otherwise."""
    return rules.clean_phone(value, name)
