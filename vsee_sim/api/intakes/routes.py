"""Intakes: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.intakes import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_optional, token_required
from vsee_sim.core.wire import envelope

blp = SimBlueprint("intakes", __name__, url_prefix="/api_v3", description="Intakes API")


@blp.route("/intakes", methods=["POST"])
@token_optional
@blp.arguments(schemas.IntakeIn, location="body")
@blp.response(200, envelope(schemas.IntakeOut))
def create_intake(args):
    """Create an intake (the documented ``data.id`` and the whole intake).

    Without a token the intake has no member until a patient uses it (docs/fidelity.md I1).
    """
    return service.create_intake(current_ctx(), args)


@blp.route("/intakes/<intake_id>", methods=["POST"])
@token_required
@blp.arguments(schemas.IntakeIn, location="body")
@blp.response(200, envelope(schemas.IntakeOut, name="UpdatedIntake"))
def update_intake(args, intake_id):
    """Update the fields sent; an unclaimed intake becomes the calling patient's."""
    return service.update_intake(current_ctx(), intake_id, args)


@blp.route("/intakes/<intake_id>", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.IntakeOut, name="IntakeView"))
def read_intake(intake_id):
    """The intake, with its attachments as file objects and its consultation."""
    return service.read_intake(current_ctx(), intake_id)
