"""Settings: thin views."""

from __future__ import annotations

from vsee_sim.api.settings import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx

blp = SimBlueprint("settings", __name__, url_prefix="/api_v3", description="Settings API")


@blp.route("/settings", methods=["GET"])
@blp.response(200, schemas.SettingsEnvelope)
def all_settings():
    """The clinic's settings [public access]."""
    return service.all_settings(current_ctx())


@blp.route("/settings/<path:path>", methods=["GET"])
@blp.response(200, schemas.SettingEnvelope)
def setting(path):
    """One setting by path, any depth: ``/settings/visit/time/max_wait_time.json`` [public access]."""
    return service.setting(current_ctx(), path)
