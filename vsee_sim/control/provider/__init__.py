"""/_sim/provider and /_sim/autopilot: the provider's side of a visit, for tests and demos.

Exports blp only, imported on first use (its hooks are imported at start, its views on
the first request to one: vsee_sim/lazy_views.py).
"""

from vsee_sim.core.lazy import blueprint_on_first_use

__getattr__ = blueprint_on_first_use(__name__)
