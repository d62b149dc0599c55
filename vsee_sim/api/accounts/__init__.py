"""Clinic Account API."""

from vsee_sim.api.accounts.routes import blp

__all__ = ["blp"]
