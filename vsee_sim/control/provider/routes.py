"""/_sim/provider and /_sim/autopilot: thin views. Documented at /_sim/openapi.json.

The provider actions are the visits area's own (``visits.desk``), through this package's
``service.start/end/no_show``, which the inspector's clinic board calls too; the account is
X-AccountCode's, else the namespace's default. No token: the control plane acts as the provider it names.
"""

from __future__ import annotations

from vsee_sim.api.visits import desk
from vsee_sim.api.visits.present import present
from vsee_sim.control.provider import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("sim-provider", __name__, url_prefix="/_sim",
                   description="Provider actions (start, end, no-show), alive waiting patients, autopilot")

VISIT = envelope(schemas.VisitOut)
VISITS = envelope(schemas.VisitOut, many=True)
AUTOPILOT = envelope(schemas.AutopilotOut)


@blp.route("/provider/visits/<visit_id>/start", methods=["POST"])
@blp.arguments(schemas.ProviderActionIn, location="body")
@blp.response(200, VISIT)
def start(args, visit_id):
    """The provider starts the call: status 10/20 -> 25."""
    return service.start(current_ctx(), visit_id, args.get("provider_id"))


@blp.route("/provider/visits/<visit_id>/end", methods=["POST"])
@blp.arguments(schemas.ProviderActionIn, location="body")
@blp.response(200, VISIT)
def end(args, visit_id):
    """The provider ends the call: status 25 -> 30 (reason call_ended)."""
    return service.end(current_ctx(), visit_id, args.get("provider_id"))


@blp.route("/provider/visits/<visit_id>/no-show", methods=["POST"])
@blp.arguments(schemas.ProviderActionIn, location="body")
@blp.response(200, VISIT)
def no_show(args, visit_id):
    """The patient never joined: status 10/20/25 -> 40 (reason no_show)."""
    return service.no_show(current_ctx(), visit_id, args.get("provider_id"))


@blp.route("/provider/waiting", methods=["GET"])
@blp.arguments(schemas.WaitingQuery, location="query")
@blp.response(200, VISITS)
def waiting(args):
    """Pending walk-ins of alive patients (POST /users/alive), oldest first: the provider dashboard."""
    ctx = current_ctx()
    found = desk.waiting_alive(ctx, args.get("room_code"), args.get("provider_id"))
    return [present(ctx, visit) for visit in found]


@blp.route("/autopilot", methods=["PUT"])
@blp.arguments(schemas.AutopilotIn, location="body")
@blp.response(200, AUTOPILOT)
def configure(args):
    """Switch the account's autopilot on (or off): a provider picking up patients on the clock."""
    return service.configure(current_ctx(), args)


@blp.route("/autopilot", methods=["GET"])
@blp.response(200, AUTOPILOT)
def show():
    """The account's autopilot: config, next pick-up, calls in progress, stats, recent log."""
    return service.show(current_ctx())


@blp.route("/autopilot", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def remove():
    """Forget the account's autopilot (the calls it started stay in progress)."""
    return service.remove(current_ctx())
