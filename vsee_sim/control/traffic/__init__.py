"""/_sim traffic: the request journal and fault injection (errors, latency)."""

from vsee_sim.control.traffic.routes import blp

__all__ = ["blp"]
