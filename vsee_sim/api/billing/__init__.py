"""Billing API."""

from vsee_sim.api.billing.routes import blp

__all__ = ["blp"]
