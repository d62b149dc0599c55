"""Intakes API."""

from vsee_sim.api.intakes.routes import blp

__all__ = ["blp"]
