"""The clinic board's inputs, declared once (the board's answer is the service's plain dict:
the UI's endpoints are not part of the /_sim OpenAPI document)."""

from __future__ import annotations

from marshmallow import fields, validate

from vsee_sim.core.wire import NumericString, Text, WireSchema
from vsee_sim.inspector.board import rules


class BoardQuery(WireSchema):
    room = Text()                    # one room's board (default: every room of the account)
    account = Text()                 # another account of the namespace (default: its default account)
    limit = fields.Integer(load_default=rules.DEFAULT_LIMIT, validate=validate.Range(
        min=1, max=rules.MAX_LIMIT, error="use a number of cards per column from {min} to {max}."))


class ActionIn(WireSchema):
    provider_id = NumericString()    # the acting provider (default: the visit's, else its room's first)
    account = Text()
