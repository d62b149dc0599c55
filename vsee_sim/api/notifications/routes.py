"""Notifications: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.notifications import schemas, service  # noqa: F401
from vsee_sim.core.http import SimBlueprint

blp = SimBlueprint("notifications", __name__, url_prefix="/api_v3", description="Notifications API")
