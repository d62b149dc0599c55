"""Files API."""

from vsee_sim.api.files.routes import blp

__all__ = ["blp"]
