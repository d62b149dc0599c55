"""EMR: wire shapes of requests and responses, declared once."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, NumericString, OutSchema, WireSchema


# -- requests -----------------------------------------------------------------
class SectionIn(WireSchema):
    """POST /users/:id/emr/:name: the section's shape is checked by ``rules.clean_entry``.

    Both fields are taken as sent (JSON, ``data[0][condition]=..`` form keys, or a JSON
    string in ``data``), so that a bad value is a 400 naming the exact place in it.
    """

    data = Anything(metadata={"description": "the section: a list of items or an object (GET /emr/schema)"})
    data_not_reported = Anything(metadata={"description": "true: the patient declines to declare any data"})


# -- responses ------------------------------------------------------------------
class ModifierOut(OutSchema):
    """Who last saved a section (``{}`` when that user no longer exists, as documented)."""

    id = NumericString()
    type = NumericString()
    subtype = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    title = fields.String()
    Suffix = fields.String()  # noqa: N815 (the documented key)
    photo = fields.String()


class SectionOut(OutSchema):
    data = Anything(metadata={"description": "a list of items, or an object"}, required=True)
    data_not_reported = fields.Boolean(required=True)
    modified = fields.Integer(required=True)
    modified_by = fields.Nested(ModifierOut, required=True)


class EmrOut(OutSchema):
    """The sections saved so far (a section never saved is absent)."""

    conditions = fields.Nested(SectionOut)
    surgeries = fields.Nested(SectionOut)
    allergies = fields.Nested(SectionOut)
    medications = fields.Nested(SectionOut)
    family_conditions = fields.Nested(SectionOut)
    social_history = fields.Nested(SectionOut)
    health_habits = fields.Nested(SectionOut)


class EmrSchemaOut(OutSchema):
    """GET /emr/schema: each section's body as a JSON Schema with the documented example."""

    conditions = Anything(required=True)
    surgeries = Anything(required=True)
    allergies = Anything(required=True)
    medications = Anything(required=True)
    family_conditions = Anything(required=True)
    social_history = Anything(required=True)
    health_habits = Anything(required=True)
