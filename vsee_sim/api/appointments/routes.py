"""Appointments: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.appointments import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx
from vsee_sim.core.wire import envelope

blp = SimBlueprint("appointments", __name__, url_prefix="/api_v3", description="Appointments API")


@blp.route("/availability", methods=["GET"])
@blp.arguments(schemas.AvailabilityQuery, location="query")
@blp.response(200, envelope(schemas.AvailabilityOut, name="Availability"))
@blp.doc(security=[{"ApiToken": []}, {"ApiKey": [], "ApiSecret": []}])
def availability(args):
    """Providers' slots in a room, by the documented start/end/duration table.

    With a live X-ApiToken nothing else is required. Without one, X-ApiKey,
    X-ApiSecret, room_code, start, end and consultation_id are all required.
    Booked slots are listed with slot_booked 1; past slots with slot_available 0.
    """
    return service.availability(current_ctx(), args)
