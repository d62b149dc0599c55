"""A package that exports its views' blueprint only when asked (vsee_sim/lazy_views.py).

Each API area and /_sim package ends its ``__init__`` with
``__getattr__ = blueprint_on_first_use(__name__)``: importing one of its modules (its
service, from another area or the control plane) does not import its views.
"""

from __future__ import annotations

import importlib


def blueprint_on_first_use(package: str):
    """A module ``__getattr__`` giving ``<package>.routes.blp`` as ``<package>.blp``."""

    def __getattr__(name: str):
        if name == "blp":
            return importlib.import_module(f"{package}.routes").blp
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
