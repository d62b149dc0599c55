"""/_sim events: the outbox (what the real service would send) and webhooks (visit events).

Exports blp only, imported on first use (its hooks are imported at start, its views on
the first request to one: vsee_sim/lazy_views.py).
"""


def __getattr__(name: str):
    if name == "blp":
        from vsee_sim.control.events.routes import blp

        return blp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
