"""Erx API."""

from vsee_sim.api.erx.routes import blp

__all__ = ["blp"]
