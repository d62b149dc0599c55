"""/_sim/provider and /_sim/autopilot: the provider's side of a visit, for tests and demos."""

from vsee_sim.control.provider.routes import blp

__all__ = ["blp"]
