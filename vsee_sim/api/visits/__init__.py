"""Visits API."""

from vsee_sim.api.visits.routes import blp

__all__ = ["blp"]
