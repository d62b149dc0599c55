"""Request context: ``:id`` of ``-`` is the current user, everywhere."""

from __future__ import annotations

import pytest

from vsee_sim.config import load_fixture
from vsee_sim.core.errors import Unauthorized
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import resolve


def ctx_for(headers: dict):
    world = World("t", load_fixture("demo"), 1)
    return resolve(world, headers=headers, host="localhost", base_url="http://localhost/api_v3")


def test_dash_and_nothing_mean_the_current_user():
    ctx = ctx_for({"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"})
    assert ctx.user_id("-") == ctx.user_id(None) == ctx.user_id("") == "201"
    assert ctx.user_id("575") == "575"


def test_dash_without_a_token_is_a_401():
    with pytest.raises(Unauthorized):
        ctx_for({}).user_id("-")


def test_account_from_the_host_then_the_token_then_the_default():
    world = World("t", load_fixture("demo"), 1)
    by_host = resolve(world, headers={}, host="api-vclinic.vseepreview.com", base_url="")
    assert by_host.db.code == "vclinic" and by_host.account_named is True
    by_default = resolve(world, headers={}, host="localhost", base_url="")
    assert by_default.db.code == "vclinic" and by_default.account_named is False
