"""/_sim state: health, reset, seed, namespaces, clock, export/import and snapshots.

Exports blp only, imported on first use (its hooks are imported at start, its views on
the first request to one: vsee_sim/lazy_views.py).
"""


def __getattr__(name: str):
    if name == "blp":
        from vsee_sim.control.state.routes import blp

        return blp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
