"""Settings API."""

from vsee_sim.api.settings.routes import blp

__all__ = ["blp"]
