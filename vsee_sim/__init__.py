"""vsee-sim: a faithful, stateful simulator of the VSee Clinic API (api_v3)."""

from vsee_sim import lazy_imports

__version__ = "0.1.0"

lazy_imports.install()  # before any module of ours imports marshmallow (see lazy_imports.py)
