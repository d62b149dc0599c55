"""/_sim events: the outbox (what the real service would send) and webhooks (visit events)."""

from vsee_sim.control.events.routes import blp

__all__ = ["blp"]
