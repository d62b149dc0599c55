"""EMR: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.emr import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_required
from vsee_sim.core.wire import envelope

blp = SimBlueprint("emr", __name__, url_prefix="/api_v3", description="EMR API")


@blp.route("/users/<user_id>/emr", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.EmrOut))
def read_emr(user_id):
    """The patient's medical record (``-`` is the current user): the sections saved so far.

    The patient, a provider of a room the patient has a visit in, or clinic staff.
    """
    return service.read_emr(current_ctx(), user_id)


@blp.route("/users/<user_id>/emr/<name>", methods=["POST"])
@token_required
@blp.arguments(schemas.SectionIn, location="body")
@blp.response(200, envelope(schemas.SectionOut, name="SavedSection"))
def save_section(args, user_id, name):
    """Replace one section (conditions, surgeries, allergies, medications, family_conditions,
    social_history, health_habits): its shape is in GET /emr/schema.
    """
    return service.save_section(current_ctx(), user_id, name, args)


@blp.route("/emr/schema", methods=["GET"])
@blp.response(200, envelope(schemas.EmrSchemaOut))
def emr_schema():
    """Each section's body as a JSON Schema, with the documented example (our own addition)."""
    return service.emr_schema(current_ctx())
