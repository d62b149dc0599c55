"""Accounts: thin views."""

from __future__ import annotations

from vsee_sim.api.accounts import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx
from vsee_sim.core.wire import envelope

blp = SimBlueprint("accounts", __name__, url_prefix="/api_v3", description="Clinic Account API")


@blp.route("/accounts", methods=["GET"])
@blp.response(200, envelope(schemas.AccountBriefOut, many=True))
def list_accounts():
    """The clinic accounts [public access]."""
    return service.list_accounts(current_ctx())


@blp.route("/accounts/<code>", methods=["GET"])
@blp.response(200, envelope(schemas.AccountOut))
def get_account(code):
    """An account's settings, intake steps and signup schema; ``-`` is the current account."""
    return service.get_account(current_ctx(), code)
