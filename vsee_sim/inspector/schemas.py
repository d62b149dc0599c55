"""The inspector's request shapes (the UI's JSON endpoints; not in any OpenAPI document).

Faults and snapshots take exactly what /_sim/faults and /_sim/snapshots take: the
control plane's schemas, declared once there.
"""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf, Range

from vsee_sim.control.state.schemas import SnapshotIn
from vsee_sim.control.traffic.schemas import FaultIn
from vsee_sim.control.traffic.schemas import JournalQuery as SimJournalQuery
from vsee_sim.core.wire import Anything, WireSchema

CLOCK_ACTIONS = ("freeze", "real", "advance", "to")


class JournalQuery(SimJournalQuery):
    after = fields.Integer(load_default=0, validate=Range(0),
                           metadata={"description": "only entries with a larger id (the live poll)"})


class ClockMove(WireSchema):
    action = fields.String(required=True, validate=OneOf(CLOCK_ACTIONS))
    seconds = fields.Float(allow_nan=False)
    at = Anything()


__all__ = ["CLOCK_ACTIONS", "ClockMove", "FaultIn", "JournalQuery", "SnapshotIn"]
