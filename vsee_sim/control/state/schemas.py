"""Control plane: wire shapes."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.core.wire import Anything, OutSchema, Text, WireSchema


class HealthOut(OutSchema):
    status = fields.String(required=True)
    version = fields.String(required=True)
    namespace = fields.String(required=True)
    namespaces = fields.Integer(required=True)
    namespaces_evicted = fields.Integer(required=True, metadata={
        "description": "forgotten as least recently used, since start"})
    namespaces_recreated = fields.Integer(metadata={
        "description": "evicted namespaces made again from the fixture when used again, since start (that "
                       "request's response carries X-Sim-Namespace-Recreated: evicted)"})
    max_namespaces = fields.Integer(metadata={"description": "VSEE_SIM_MAX_NAMESPACES (0: no bound)"})
    fixture = fields.String(required=True)
    seed = fields.Integer(required=True)
    shard = fields.String(allow_none=True, metadata={
        "description": "this process's shard name (vsee-sim serve --shard, VSEE_SIM_SHARD; also in the "
                       "X-Sim-Shard header of every response), null when it is not one of several shards"})
    write_version = fields.Integer(required=True)
    persisted_version = fields.Integer(required=True, allow_none=True)
    clock = fields.Dict(required=True)
    journal = fields.Dict(metadata={
        "description": "the request journal's bounds and use: body_bytes, namespace_bytes, total_bytes, "
                       "entries_per_namespace; bytes, entries, dropped_for_bytes"})
    snapshots = fields.Dict(metadata={"description": "snapshot bounds and use: bytes (every namespace), "
                                                     "namespace_bytes, total_bytes, per_namespace"})
    webhooks = fields.Dict(metadata={"description": "the sender pool: senders, connect_timeout, read_timeout "
                                                    "(s), waiters (requests that may wait on the delivery "
                                                    "log at once), queued, in_flight, attempts"})
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
    mode = fields.String(metadata={"description": "real | offset | frozen"}, required=True)
    offset = fields.Float(required=True)
    frozen_at = fields.Float(allow_none=True)
    now = fields.Float(required=True)


class NamespaceOut(OutSchema):
    namespace = fields.String(required=True)
    fixture = fields.String(required=True)
    seed = fields.Integer(required=True)
    accounts = fields.List(fields.String(), required=True)
    clock = fields.Nested(ClockOut, required=True)
    snapshots = fields.List(fields.String(), required=True)


class FreezeIn(WireSchema):
    at = Anything(metadata={"description": "unix seconds or ISO 8601 (default: now)",
                            "oneOf": [{"type": "number"}, {"type": "string"}]})


class AdvanceIn(WireSchema):
    seconds = fields.Float(required=True, allow_nan=False, metadata={"description": "may be negative"})


class SnapshotIn(WireSchema):
    name = Text(required=True)


class SnapshotOut(OutSchema):
    name = fields.String(required=True)
    created = fields.Integer(required=True, metadata={"description": "namespace clock, unix seconds"})
    records = fields.Integer(required=True)
    bytes = fields.Integer(metadata={
        "description": "what it takes in memory (compact JSON), counted against VSEE_SIM_SNAPSHOT_BYTES "
                       "and VSEE_SIM_SNAPSHOT_TOTAL_BYTES"})
