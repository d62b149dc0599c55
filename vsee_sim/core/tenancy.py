"""Which world, which account, which user: resolved once per request.

Account (DESIGN decision 5): X-AccountCode if given; else the ``api-<code>.`` part of
the Host; else the token's account; else the API key's account; else the namespace's
default account. A token or API key of another account than the one named is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from vsee_sim.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from vsee_sim.core.store import AccountDB, World
from vsee_sim.core.tokens import token_is_live

NAMESPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HOST_ACCOUNT = re.compile(r"^api-([A-Za-z0-9_-]+)\.")
DEFAULT_NAMESPACE = "default"


@dataclass
class Ctx:
    """What a service needs to know about the request it serves."""

    world: World
    db: AccountDB
    token: dict | None = None
    api_key: dict | None = None
    base_url_source: Callable[[], str] | str = "http://localhost"
    # What the request sent, as sent (a bad token or key is not an error everywhere).
    raw_token: str | None = None
    raw_api_key: str | None = None
    raw_api_secret: str | None = None
    key_account: str | None = None     # the account the X-ApiKey belongs to, if any
    account_named: bool = False        # by X-AccountCode or the api-<code>. host

    @property
    def base_url(self) -> str:
        """scheme://host + API base path, for URLs we hand out (computed when first needed)."""
        if callable(self.base_url_source):
            self.base_url_source = self.base_url_source()
        return self.base_url_source

    @property
    def clock(self):
        return self.world.clock

    @property
    def ids(self):
        return self.world.ids

    @property
    def now(self) -> int:
        return self.world.clock.ts()

    @property
    def user(self) -> dict | None:
        if self.token is None:
            return None
        return self.db.users.get(self.token["user_id"])

    def require_user(self) -> dict:
        user = self.user
        if user is None:
            raise Unauthorized("A valid X-ApiToken header is required.")
        return user

    def for_account_of(self, token: dict) -> Ctx:
        """The context to act on a token sent in the body (refresh, logout).

        When the request named no account (header or host), the token's own account is
        the one meant (DESIGN decision 5); a named account is kept.
        """
        if token["account"] == self.db.code or self.account_named:
            return self
        db = self.world.account(token["account"])
        return self if db is None else replace(self, db=db, token=None, api_key=None)

    def user_id(self, given: str | None) -> str:
        """``-`` (or nothing) means the current user (VSee's convention for ``:id``)."""
        if given in (None, "", "-"):
            return self.require_user()["id"]
        return str(given)


def namespace_name(header: str | None, prefix: str | None) -> str:
    name = prefix or header or DEFAULT_NAMESPACE
    if not NAMESPACE_RE.match(name):
        raise BadRequest.field("X-Sim-Namespace", "use 1-64 letters, digits, '.', '_' or '-'.")
    return name


def live_token(world: World, value: str | None) -> dict | None:
    """The access token record if it exists and has not expired on the namespace clock."""
    token = world.tokens.get(value.strip()) if value else None
    return token if token_is_live(token, world.clock.now(), "access") else None


def api_key_record(world: World, key: str | None) -> tuple[str, dict] | None:
    if not key:
        return None
    for code, db in world.accounts.items():
        for record in db.meta.get("api_keys", []):
            if record.get("key") == key:
                return code, record
    return None


def resolve(world: World, *, headers, host: Callable[[], str] | str,
            base_url: Callable[[], str] | str) -> Ctx:
    """The request's context from its X-ApiToken, X-ApiKey, X-ApiSecret and X-AccountCode
    (``headers``: any mapping with ``get``). ``host`` may be a callable: it is called only
    when the Host can name the account (no X-AccountCode)."""
    raw_token, raw_key = headers.get("X-ApiToken"), headers.get("X-ApiKey")
    token = live_token(world, raw_token)
    key_hit = api_key_record(world, raw_key)

    code = (headers.get("X-AccountCode") or "").strip()
    if not code:
        match = _HOST_ACCOUNT.match((host() if callable(host) else host) or "")
        if match and match.group(1) in world.accounts:
            code = match.group(1)
    named = bool(code)
    if not code and token:
        code = token["account"]
    if not code and key_hit:
        code = key_hit[0]
    code = code or world.default_account
    db = world.account(code)
    if db is None:
        raise NotFound(f"Account {code} not found.")
    if token and token["account"] != code:
        token = None  # a token of another clinic is not valid here
    api_key = key_hit[1] if key_hit and key_hit[0] == code else None
    return Ctx(world=world, db=db, token=token, api_key=api_key, base_url_source=base_url,
               raw_token=raw_token, raw_api_key=raw_key, raw_api_secret=headers.get("X-ApiSecret"),
               key_account=key_hit[0] if key_hit else None, account_named=named)


def check_api_key(ctx: Ctx, *, secret_required: bool = False) -> dict:
    """X-ApiKey must name this account's key; X-ApiSecret is checked when sent."""
    raw_key = ctx.raw_api_key
    if not raw_key:
        raise Unauthorized("The X-ApiKey header is required.")
    if ctx.api_key is None:
        if ctx.key_account:
            raise Forbidden(f"This API key does not belong to account {ctx.db.code}.")
        raise Unauthorized("Invalid API key.")
    secret = ctx.raw_api_secret
    if secret_required and not secret:
        raise Unauthorized("The X-ApiSecret header is required.")
    if secret is not None and secret != ctx.api_key.get("secret"):
        raise Forbidden("Invalid API secret.")
    return ctx.api_key
