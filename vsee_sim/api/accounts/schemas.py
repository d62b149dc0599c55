"""Accounts: wire shapes."""

from __future__ import annotations

from marshmallow import INCLUDE, fields

from vsee_sim.core.wire import OutSchema


class AccountBriefOut(OutSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class AccountOut(OutSchema):
    """The account object: its documented keys, plus whatever else the clinic configured.

    A clinic's account object is open-ended (intake steps, signup schema, portal texts):
    keys not declared here are passed through as stored, after the declared ones
    (``additionalProperties: true`` in the document; other responses send only their fields).
    """

    class Meta(OutSchema.Meta):
        unknown = INCLUDE

    id = fields.String(required=True)
    code = fields.String(required=True)
    domain = fields.String(required=True)
    name = fields.String(required=True)
    portal_title = fields.String()
    privacy_id = fields.String()
    states = fields.Dict()
    files = fields.List(fields.Dict())
    waiting_room = fields.Dict(required=True)

    def dump(self, obj, *, many=None):
        many = self.many if many is None else many
        if many:
            return [self.dump(o, many=False) for o in obj]
        out = super().dump(obj, many=False)
        if isinstance(obj, dict):
            out.update({k: v for k, v in obj.items() if k not in out and not k.startswith("_")})
        return out
