"""Notifications API."""

from vsee_sim.api.notifications.routes import blp

__all__ = ["blp"]
