"""Accounts: the clinics of a namespace, and the current one.

GET /accounts/:code serves the account's configured profile (intake steps, signup
schema, waiting room...) as the fixture holds it; ``-`` is the current account.
"""

from __future__ import annotations

from vsee_sim.core.errors import NotFound
from vsee_sim.core.tenancy import Ctx


def list_accounts(ctx: Ctx) -> list[dict]:
    return [{"code": db.code, "name": db.meta.get("name", db.code)} for db in ctx.world.accounts.values()]


def get_account(ctx: Ctx, code: str) -> dict:
    db = ctx.db if code in ("-", "") else ctx.world.account(code)
    if db is None:
        raise NotFound(f"Account {code} not found.")
    profile = dict(db.meta.get("profile") or {})
    profile.setdefault("id", db.meta.get("id"))
    profile["code"] = db.code
    profile.setdefault("name", db.meta.get("name", db.code))
    profile.setdefault("domain", db.meta.get("domain"))
    return profile
