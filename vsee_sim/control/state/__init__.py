"""/_sim state: health, reset, seed, namespaces, clock, export/import and snapshots."""

from vsee_sim.control.state.routes import blp

__all__ = ["blp"]
