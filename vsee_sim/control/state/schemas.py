"""Control plane: wire shapes."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, OutSchema, Text, WireSchema


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
    persistence = fields.Dict(metadata={
        "description": "with --data: file, log, interval, persisted (version on disk), last_saved_at, "
                       "last_folded_at, log_bytes, errors, failing, last_error {message, during, at}"})


class HealthQuery(WireSchema):
    wait_persisted = fields.Integer(metadata={
        "description": "with --data: answer only once this write_version is on disk (at most 10 s)"})


class ResetIn(WireSchema):
    fixture = Text(metadata={"description": "fixture name, e.g. demo or minimal (default: the namespace's)"})
    seed = fields.Integer(metadata={"description": "seed for this namespace's ids, tokens and fault draws "
                                                   "(default: the server's --seed)"})


class SeedIn(WireSchema):
    fixture = fields.Dict(required=True, metadata={
        "description": "a fixture: {\"default_account\": ..., \"accounts\": [...]} as in fixtures/demo.json"})
    seed = fields.Integer(metadata={"description": "seed for this namespace's ids, tokens and fault draws"})


class ClockOut(OutSchema):
    mode = fields.String(metadata={"description": "real | offset | frozen"})
    offset = fields.Float()
    frozen_at = fields.Float(allow_none=True)
    now = fields.Float()


class NamespaceOut(OutSchema):
    namespace = fields.String()
    fixture = fields.String()
    seed = fields.Integer()
    accounts = fields.List(fields.String())
    clock = fields.Nested(ClockOut)
    snapshots = fields.List(fields.String())


class FreezeIn(WireSchema):
    at = Anything(metadata={"description": "unix seconds or ISO 8601 (default: now)",
                            "oneOf": [{"type": "number"}, {"type": "string"}]})


class AdvanceIn(WireSchema):
    seconds = fields.Float(required=True, allow_nan=False, metadata={"description": "may be negative"})


class SnapshotIn(WireSchema):
    name = Text(required=True)


class SnapshotOut(OutSchema):
    name = fields.String()
    created = fields.Integer(metadata={"description": "namespace clock, unix seconds"})
    records = fields.Integer()
