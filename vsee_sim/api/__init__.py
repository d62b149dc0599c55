"""The faithful surface: one package per documented area.

AREA_PACKAGES is the one list create_app registers, in this order (lazily: see
vsee_sim/lazy_views.py); ``AREAS`` gives their blueprints, importing every area.
"""

import importlib

AREA_PACKAGES = tuple(f"vsee_sim.api.{name}" for name in (
    "settings", "users", "accounts", "rooms", "intakes", "visits", "appointments",
    "emr", "erx", "billing", "notifications", "files"))


def __getattr__(name: str):
    if name == "AREAS":
        return [importlib.import_module(f"{package}.routes").blp for package in AREA_PACKAGES]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
