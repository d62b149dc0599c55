"""/_sim/journal and /_sim/faults: thin views."""

from __future__ import annotations

from vsee_sim.control.common import sim_state, world
from vsee_sim.control.traffic import schemas, service
from vsee_sim.core.http import SimBlueprint
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("sim-traffic", __name__, url_prefix="/_sim",
                   description="The request journal and fault injection (errors, latency)")


@blp.route("/journal", methods=["GET"])
@blp.arguments(schemas.JournalQuery, location="query")
@blp.response(200, envelope(schemas.JournalEntryOut, many=True))
def journal(args):
    """Recent requests of this namespace, newest first (at most 500 kept, bounded in bytes too:
    ``journal`` in ``GET /_sim/health``)."""
    return service.journal(sim_state().journal, world(), args["limit"], args.get("method"), args.get("path"),
                           args.get("status"))


@blp.route("/journal", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def clear_journal():
    """Forget the recorded requests (ids keep increasing)."""
    return service.clear_journal(sim_state().journal, world())


@blp.route("/faults", methods=["GET"])
@blp.response(200, envelope(schemas.FaultOut, many=True))
def list_faults():
    """Fault rules, in creation order (the order they are tried in)."""
    return service.list_faults(world())


@blp.route("/faults", methods=["POST"])
@blp.arguments(schemas.FaultIn, location="body")
@blp.response(200, envelope(schemas.FaultOut))
def create_fault(args):
    """Add a rule: answer matching requests with an error status, a delay, or both."""
    return service.create_fault(world(), args)


@blp.route("/faults", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def clear_faults():
    """Remove every fault rule."""
    return service.clear_faults(world())


@blp.route("/faults/<fault_id>", methods=["GET"])
@blp.response(200, envelope(schemas.FaultOut))
def get_fault(fault_id):
    """One rule with its counters."""
    return service.get_fault(world(), fault_id)


@blp.route("/faults/<fault_id>", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def delete_fault(fault_id):
    """Remove one rule."""
    return service.delete_fault(world(), fault_id)
