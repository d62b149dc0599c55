"""Users API: SSO, login, profile, tokens."""

from vsee_sim.api.users.routes import blp

__all__ = ["blp"]
