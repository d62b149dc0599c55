"""Emr API."""

from vsee_sim.api.emr.routes import blp

__all__ = ["blp"]
