"""Control plane /_sim: thin views. Documented at /_sim/openapi.json."""

from __future__ import annotations

from flask import g

from vsee_sim.control.common import sim_state as _state
from vsee_sim.control.state import schemas, service
from vsee_sim.core.http import SimBlueprint, outside_transaction
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("sim-state", __name__, url_prefix="/_sim",
                   description="Namespaces, reset and seed, the clock, state export/import and snapshots")


@blp.route("/health", methods=["GET"])
@outside_transaction
@blp.arguments(schemas.HealthQuery, location="query")
@blp.response(200, envelope(schemas.HealthOut))
def health(args):
    """Liveness and state versions (``persisted_version`` catches up with ``write_version`` on flush).

    ``?wait_persisted=V`` waits (at most 10 s) until version V is on disk: a client can
    know a write is durable without polling.
    """
    return service.health(_state().worlds, g.vsee_world, _state().datafile, args.get("wait_persisted"))


@blp.route("/reset", methods=["POST"])
@blp.arguments(schemas.ResetIn, location="body")
@blp.response(200, envelope(schemas.ResetOut))
def reset(args):
    """Put the namespace back to its fixture (or load another fixture, by name)."""
    return service.reset(_state().worlds, g.vsee_world, args.get("fixture"))


@blp.route("/outbox", methods=["GET"])
@blp.arguments(schemas.OutboxQuery, location="query")
@blp.response(200, envelope(schemas.OutboxItemOut, many=True))
def outbox(args):
    """What the real service would have sent (emails with codes), newest first."""
    return service.outbox(g.vsee_world, args.get("to"), args.get("template"))


@blp.route("/outbox", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def clear_outbox():
    """Empty the outbox."""
    return service.clear_outbox(g.vsee_world)
