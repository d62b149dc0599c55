"""/_sim state: thin views. Documented at /_sim/openapi.json."""

from __future__ import annotations

from flask import g, request

from vsee_sim.control.common import sim_state as _state
from vsee_sim.control.common import world
from vsee_sim.control.state import schemas, service
from vsee_sim.core.body import read_body
from vsee_sim.core.http import SimBlueprint, outside_transaction
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("sim-state", __name__, url_prefix="/_sim",
                   description="Namespaces, reset and seed, the clock, state export/import and snapshots")

_DOCUMENT = {"description": "A TinyDB JSON document: one table per namespace collection (the --data format)",
             "content": {"application/json": {"schema": {"type": "object"}}}}


@blp.route("/health", methods=["GET"])
@outside_transaction
@blp.arguments(schemas.HealthQuery, location="query")
@blp.response(200, envelope(schemas.HealthOut))
def health(args):
    """Liveness and state versions (``persisted_version`` catches up with ``write_version`` on flush).

    ``?wait_persisted=V`` waits (at most 10 s) until version V is on disk: a client can
    know a write is durable without polling.
    """
    state = _state()
    return service.health(state.worlds, g.vsee_world, state.datafile, args.get("wait_persisted"),
                          state.settings, state.journal, state.webhooks)


@blp.route("/reset", methods=["POST"])
@blp.arguments(schemas.ResetIn, location="body")
@blp.response(200, envelope(schemas.NamespaceOut))
def reset(args):
    """Put the namespace back to its fixture (or another fixture, by name), optionally with a new seed."""
    return service.reset(_state().worlds, world(), args.get("fixture"), args.get("seed"))


@blp.route("/seed", methods=["POST"])
@blp.arguments(schemas.SeedIn, location="body")
@blp.response(200, envelope(schemas.NamespaceOut))
def seed(args):
    """Load a fixture sent in the body into this namespace (replaces its whole state)."""
    return service.seed(_state().worlds, world(), args["fixture"], args.get("seed"))


@blp.route("/namespaces", methods=["GET"])
@blp.response(200, envelope(schemas.NamespaceOut, many=True))
def namespaces():
    """Every namespace this server holds (made on first use; the least recently used are forgotten)."""
    return service.namespaces(_state().worlds)


@blp.route("/namespaces/<name>", methods=["DELETE"])
@outside_transaction
@blp.response(200, TRUE_ENVELOPE)
def drop_namespace(name):
    """Forget a namespace; its next use makes it afresh from the fixture."""
    return service.drop_namespace(_state().worlds, name)


# -- the clock ------------------------------------------------------------------------------
@blp.route("/clock", methods=["GET"])
@blp.response(200, envelope(schemas.ClockOut))
def clock():
    """The namespace clock: real, offset (the wall clock shifted) or frozen."""
    return world().clock.to_dict()


@blp.route("/clock/freeze", methods=["POST"])
@blp.arguments(schemas.FreezeIn, location="body")
@blp.response(200, envelope(schemas.ClockOut))
def freeze(args):
    """Stop the clock, at ``at`` or now. What falls due by then runs at once."""
    g.vsee_tick = True
    return service.freeze(world(), args.get("at"))


@blp.route("/clock/advance", methods=["POST"])
@blp.arguments(schemas.AdvanceIn, location="body")
@blp.response(200, envelope(schemas.ClockOut))
def advance(args):
    """Move the clock by ``seconds`` (a frozen clock stays frozen). Token expiry, max wait,
    slots, one-time links, webhook retries and the autopilot all follow."""
    g.vsee_tick = True
    return service.advance(world(), args["seconds"])


@blp.route("/clock/real", methods=["POST"])
@blp.response(200, envelope(schemas.ClockOut))
def real():
    """Back to the wall clock."""
    g.vsee_tick = True
    return service.real(world())


# -- state: export, import, snapshots --------------------------------------------------------
@blp.route("/state", methods=["GET"])
@blp.doc(responses={"200": _DOCUMENT})
def export_state():
    """The whole namespace, unwrapped (no ``data`` envelope): save it to a file and POST it
    back later, to another namespace or to another server."""
    return service.export(world())


@blp.route("/state", methods=["POST"])
@blp.doc(requestBody={"required": True, **_DOCUMENT})
@blp.response(200, envelope(schemas.NamespaceOut))
def import_state():
    """Replace the namespace with an export of GET /_sim/state (checked first: a bad one changes nothing)."""
    document = read_body(request)   # strict JSON: NaN and Infinity are refused
    return service.import_document(world(), document)


@blp.route("/snapshots", methods=["GET"])
@blp.response(200, envelope(schemas.SnapshotOut, many=True))
def snapshots():
    """The namespace's named snapshots (in memory, kept through resets)."""
    return service.snapshots(world())


@blp.route("/snapshots", methods=["POST"])
@blp.arguments(schemas.SnapshotIn, location="body")
@blp.response(200, envelope(schemas.SnapshotOut))
def save_snapshot(args):
    """Save the namespace's whole state under a name (the same name replaces it).

    413 when it would pass a byte bound (``snapshots`` in ``GET /_sim/health``): nothing is dropped."""
    settings = _state().settings
    return service.save_snapshot(world(), args["name"], _state().worlds, settings.snapshot_bytes,
                                 settings.snapshot_total_bytes)


@blp.route("/snapshots/<name>/restore", methods=["POST"])
@blp.response(200, envelope(schemas.SnapshotOut))
def restore_snapshot(name):
    """Put the namespace back exactly as it was when the snapshot was saved (clock and ids too).

    Nothing runs on restore (no tick): an export right after it equals the one of the save."""
    return service.restore_snapshot(world(), name)


@blp.route("/snapshots/<name>", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def delete_snapshot(name):
    """Forget a snapshot."""
    return service.delete_snapshot(world(), name)
