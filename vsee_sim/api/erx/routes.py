"""eRx: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.erx import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_required
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("erx", __name__, url_prefix="/api_v3", description="ePrescribe API")


@blp.route("/users/<user_id>/erx/prescriptions", methods=["GET"])
@token_required
@blp.arguments(schemas.PrescriptionsQuery, location="query")
@blp.response(200, envelope(schemas.PrescriptionOut, many=True))
def list_prescriptions(args, user_id):
    """The patient's prescriptions with this ``status`` ("Current" by default)."""
    return service.list_prescriptions(current_ctx(), user_id, args)


@blp.route("/users/<user_id>/erx/pharmacies", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.PharmacyOut, many=True))
def list_pharmacies(user_id):
    """The patient's saved pharmacies, the default first."""
    return service.list_pharmacies(current_ctx(), user_id)


@blp.route("/users/<user_id>/erx/pharmacies", methods=["POST"])
@token_required
@blp.arguments(schemas.PharmacyIn, location="body")
@blp.response(200, TRUE_ENVELOPE)
def save_pharmacy(args, user_id):
    """Save the patient's chosen pharmacy: it becomes the default; the same code again updates it."""
    return service.save_pharmacy(current_ctx(), user_id, args)


@blp.route("/users/<user_id>/erx/pharmacies/<code>", methods=["DELETE"])
@token_required
@blp.response(200, TRUE_ENVELOPE)
def delete_pharmacy(user_id, code):
    """Remove a saved pharmacy (404 when that code is not saved)."""
    return service.delete_pharmacy(current_ctx(), user_id, code)
