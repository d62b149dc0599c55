"""Appointments API."""

from vsee_sim.api.appointments.routes import blp

__all__ = ["blp"]
