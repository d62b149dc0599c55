"""Visits: thin views. Parse, one service call, return."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.api.visits import booking, schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_optional, token_required
from vsee_sim.core.wire import envelope

blp = SimBlueprint("visits", __name__, url_prefix="/api_v3", description="Visits and Appointment API")

VISIT = envelope(schemas.VisitOut)
NULLABLE_VISIT = envelope(fields.Nested(schemas.VisitOut, allow_none=True, required=True),
                          name="CurrentVisit")


@blp.route("/visits/add_walkin", methods=["POST"])
@token_required
@blp.arguments(schemas.WalkinIn, location="body")
@blp.response(200, VISIT)
def add_walkin(args):
    """Enter the room's waiting room: a walk-in visit, status 10 (pending)."""
    return service.add_walkin(current_ctx(), args)


@blp.route("/visits/add_econsult", methods=["POST"])
@token_required
@blp.arguments(schemas.EconsultIn, location="body")
@blp.response(200, VISIT)
def add_econsult(args):
    """An e-consult (type 3): a pending visit a provider answers later."""
    return service.add_econsult(current_ctx(), args)


@blp.route("/visits", methods=["POST"])
@token_required
@blp.arguments(schemas.BookIn, location="body")
@blp.response(200, VISIT)
def book(args):
    """Book an appointment (type 2, status 20) in a free slot; without provider_id, a free provider."""
    return booking.book(current_ctx(), args)


@blp.route("/appointments", methods=["POST"])
@token_required
@blp.arguments(schemas.BookIn, location="body")
@blp.response(200, VISIT)
def book_appointment(args):
    """The documented example's path for POST /visits."""
    return booking.book(current_ctx(), args)


@blp.route("/visits/close", methods=["POST"])
@token_required
@blp.arguments(schemas.CloseIn, location="body")
@blp.response(200, VISIT)
def close(args):
    """Close a visit: in progress -> 30 (completed); pending or confirmed -> 40 (cancelled)."""
    return service.close(current_ctx(), args)


@blp.route("/visits/inprogress", methods=["POST"])
@token_required
@blp.arguments(schemas.InProgressIn, location="body")
@blp.response(200, VISIT)
def inprogress(args):
    """The call begins: pending or confirmed -> 25 (in progress)."""
    return service.start(current_ctx(), args)


@blp.route("/visits/delete", methods=["POST"])
@token_required
@blp.arguments(schemas.DeleteIn, location="body")
@blp.response(200, VISIT)
def delete(args):
    """Cancel a visit (status 40)."""
    return service.delete(current_ctx(), args)


@blp.route("/visits", methods=["GET"])
@token_required
@blp.arguments(schemas.VisitsQuery, location="query")
@blp.response(200, envelope(schemas.VisitOut, many=True))
def list_visits(args):
    """Patients: their visits; providers: their rooms'; staff: the clinic's. Newest start first."""
    return service.list_visits(current_ctx(), args)


@blp.route("/visits/current", methods=["GET"])
@token_required
@blp.response(200, NULLABLE_VISIT)
def current():
    """The caller's visit in progress, else the walk-in they wait in, else null."""
    return service.current(current_ctx())


@blp.route("/visits/<visit_id>", methods=["GET"])
@token_required
@blp.response(200, VISIT)
def get_visit(visit_id):
    """One visit (patients: their own; providers: their rooms'; staff: any of the clinic)."""
    return service.get_visit(current_ctx(), visit_id)


@blp.route("/rooms/<code>/queue", methods=["GET"])
@token_optional
@blp.response(200, envelope(schemas.QueueOut))
def queue(code):
    """[public] The room's waiting room: length, capacity, average_visit_time, before_me."""
    return service.queue(current_ctx(), code)
