"""Rooms API."""

from vsee_sim.api.rooms.routes import blp

__all__ = ["blp"]
