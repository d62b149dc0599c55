"""Settings: the current account's settings tree, whole or by path."""

from __future__ import annotations

from typing import Any

from vsee_sim.api.settings import rules
from vsee_sim.core.tenancy import Ctx


def all_settings(ctx: Ctx) -> dict:
    return ctx.db.meta.get("settings") or {}


def setting(ctx: Ctx, path: str) -> Any:
    return rules.setting_at(all_settings(ctx), path)
