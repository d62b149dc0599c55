"""Visits API.

Exports blp only, imported on first use: importing one of the area's modules (its
service, from another area or the control plane) does not import its views.
"""


def __getattr__(name: str):
    if name == "blp":
        from vsee_sim.api.visits.routes import blp

        return blp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
