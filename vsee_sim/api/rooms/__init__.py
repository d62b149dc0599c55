"""Rooms API.

Exports blp only, imported on first use: importing one of the area's modules (its
service, from another area or the control plane) does not import its views.
"""

from vsee_sim.core.lazy import blueprint_on_first_use

__getattr__ = blueprint_on_first_use(__name__)
