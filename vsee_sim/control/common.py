"""Shared by every /_sim package: the admin token, the app state, the request's world."""

from __future__ import annotations

import hmac

from flask import current_app, g, request

from vsee_sim.core.errors import Unauthorized
from vsee_sim.core.store import World

ADMIN_HEADER = "X-Sim-Admin-Token"
UI = "/_sim/ui"  # the inspector (vsee_sim.inspector.security): a sign-in cookie, not this header


def sim_state():
    """The app's ``SimState``: settings, worlds, datafile."""
    return current_app.extensions["vsee_sim"]


def world() -> World:
    """The namespace of this /_sim request (``X-Sim-Namespace`` or ``/ns/<name>``)."""
    return g.vsee_world


def install(app, state) -> None:
    if not state.settings.admin_token:
        return  # nothing to check: no hook on every request

    @app.before_request
    def _admin_token():
        """With VSEE_SIM_ADMIN_TOKEN set, /_sim wants it (health and the document excepted)."""
        token = state.settings.admin_token
        path = request.path
        if (token and path.startswith("/_sim") and path not in ("/_sim/health", "/_sim/openapi.json")
                and not (path == UI or path.startswith(UI + "/"))  # the inspector signs in its own way
                and request.method != "OPTIONS"
                and not hmac.compare_digest(request.headers.get(ADMIN_HEADER, "").encode(), token.encode())):
            raise Unauthorized(f"The {ADMIN_HEADER} header is required for /_sim.")
