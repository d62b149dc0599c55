"""vsee-sim: a faithful, stateful simulator of the VSee Clinic API (api_v3)."""

__version__ = "0.1.0"
