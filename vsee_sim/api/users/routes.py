"""Users: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.users import schemas, service
from vsee_sim.core.http import SimBlueprint, api_key_required, current_ctx, token_optional, token_required
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("users", __name__, url_prefix="/api_v3", description="Users API")


@blp.route("/users/sso", methods=["POST"])
@api_key_required
@blp.arguments(schemas.SsoQuery, location="query", as_kwargs=True)
@blp.arguments(schemas.SsoIn, location="body")
@blp.response(200, envelope(schemas.SsoOut))
def sso(args, extra_fields=None):
    """Single sign-on for a patient (200), provider (400) or guest (600).

    Creates the user on the first call for a ``code`` and maps to it afterwards.
    ``?fields=vsee`` adds ``data.vsee``.
    """
    return service.sso(current_ctx(), args, extra_fields)


@blp.route("/users/login", methods=["POST"])
@blp.arguments(schemas.LoginIn, location="body")
@blp.response(200, envelope(schemas.LoginOut))
def login(args):
    """Log in by username/password (active users) or email/email_token (inactive users)."""
    return service.login(current_ctx(), args)


@blp.route("/me", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.UserOut))
def me():
    """The current user's profile."""
    return service.me(current_ctx())


@blp.route("/me", methods=["POST"])
@token_required
@blp.arguments(schemas.MeIn, location="body")
@blp.response(200, envelope(schemas.UserOut, name="UpdatedUser"))
def update_me(args):
    """Update the current user's profile (and password)."""
    return service.update_me(current_ctx(), args)


@blp.route("/users/logout", methods=["POST"])
@token_optional
@blp.arguments(schemas.LogoutIn, location="body")
@blp.response(200, TRUE_ENVELOPE)
def logout(args):
    """Destroy the given tokens (the caller's token when none is given)."""
    return service.logout(current_ctx(), args.get("tokens"))


@blp.route("/tokens/refresh", methods=["POST"])
@blp.arguments(schemas.RefreshIn, location="body")
@blp.response(200, envelope(schemas.RefreshOut))
def refresh(args):
    """A new access token for a live refresh token."""
    return service.refresh_token(current_ctx(), args["refresh_token"])


@blp.route("/users/reset_password", methods=["POST"])
@blp.arguments(schemas.EmailIn, location="body")
@blp.response(200, TRUE_ENVELOPE)
def reset_password(args):
    """Email a reset code (to the outbox); log in with it as email_token."""
    return service.reset_password(current_ctx(), args["email"])


@blp.route("/users/alive", methods=["POST"])
@token_required
@blp.arguments(schemas.AliveIn, location="body")
@blp.response(200, envelope(schemas.AliveOut))
def alive(args):
    """Heartbeat: only alive patients show on the provider dashboard."""
    return service.alive(current_ctx(), args.get("heartbeat"))


@blp.route("/users/activate", methods=["POST"])
@blp.arguments(schemas.ActivateIn, location="body")
@blp.response(200, TRUE_ENVELOPE)
def activate(args):
    """Check the eligibility file and email an activation code (to the outbox)."""
    return service.activate(current_ctx(), args)
