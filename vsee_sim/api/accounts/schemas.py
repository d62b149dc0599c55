"""Accounts: wire shapes."""

from __future__ import annotations

from marshmallow import INCLUDE, fields

from vsee_sim.core.wire import OutSchema


class AccountBriefOut(OutSchema):
    code = fields.String()
    name = fields.String()


class AccountOut(OutSchema):
    """The account object: its documented keys, plus whatever else the clinic configured."""

    class Meta:
        unknown = INCLUDE
        ordered = True

    id = fields.String()
    code = fields.String()
    domain = fields.String()
    name = fields.String()
    portal_title = fields.String()
    privacy_id = fields.String()
    states = fields.Dict()
    files = fields.List(fields.Dict())
    waiting_room = fields.Dict()
