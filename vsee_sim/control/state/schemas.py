"""Control plane: wire shapes."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import OutSchema, Text, WireSchema


class HealthOut(OutSchema):
    status = fields.String()
    version = fields.String()
    namespace = fields.String()
    namespaces = fields.Integer()
    namespaces_evicted = fields.Integer()
    fixture = fields.String()
    seed = fields.Integer()
    write_version = fields.Integer()
    persisted_version = fields.Integer()
    clock = fields.Dict()


class HealthQuery(WireSchema):
    wait_persisted = fields.Integer(metadata={
        "description": "with --data: answer only once this write_version is on disk (at most 10 s)"})


class ResetIn(WireSchema):
    fixture = Text(metadata={"description": "fixture name or path (default: the namespace's own)"})


class ResetOut(OutSchema):
    namespace = fields.String()
    fixture = fields.String()
    accounts = fields.List(fields.String())


class OutboxQuery(WireSchema):
    to = Text()
    template = Text()


class OutboxItemOut(OutSchema):
    id = fields.String()
    channel = fields.String()
    template = fields.String()
    to = fields.String()
    user_id = fields.String()
    account = fields.String()
    code = fields.String()
    subject = fields.String()
    body = fields.String()
    created = fields.Integer()
