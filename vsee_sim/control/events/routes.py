"""/_sim events: thin views. Documented at /_sim/openapi.json and in docs/sim/events.md."""

from __future__ import annotations

from vsee_sim.control.common import world
from vsee_sim.control.events import schemas, service
from vsee_sim.core.http import SimBlueprint, outside_transaction
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("sim-events", __name__, url_prefix="/_sim",
                   description="The outbox (emails and pushes the real service would send) and webhooks")


@blp.route("/outbox", methods=["GET"])
@blp.arguments(schemas.OutboxQuery, location="query")
@blp.response(200, envelope(schemas.OutboxItemOut, many=True))
def outbox(args):
    """What the real service would have sent (emails with codes and links, pushes), newest first."""
    return service.outbox(world(), args.get("to"), args.get("template"), args.get("channel"),
                          args.get("user_id"))


@blp.route("/outbox", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def clear_outbox():
    """Empty the outbox."""
    return service.clear_outbox(world())


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(schemas.WebhookIn, location="body")
@blp.response(200, envelope(schemas.WebhookOut))
def create_webhook(args):
    """Register a URL to be sent ``{"event", "data": <visit>}`` on visit events of this namespace."""
    return service.create_webhook(world(), args)


@blp.route("/webhooks", methods=["GET"])
@blp.response(200, envelope(schemas.WebhookOut, many=True))
def webhooks():
    """The namespace's webhooks, oldest first."""
    return service.webhooks(world())


@blp.route("/webhooks/deliveries", methods=["GET"])
@outside_transaction
@blp.arguments(schemas.DeliveryQuery, location="query")
@blp.response(200, envelope(schemas.DeliveryOut, many=True))
def deliveries(args):
    """The delivery log, newest first (``GET /_sim/webhooks/deliveries/<id>`` has the attempts).

    Webhooks are posted after the API response, by a pool of sender threads: ``?wait=5``
    first waits (at most 5 s) until everything due has been attempted and logged."""
    return service.deliveries(world(), args)


@blp.route("/webhooks/deliveries/<delivery_id>", methods=["GET"])
@blp.response(200, envelope(schemas.DeliveryDetailOut))
def delivery(delivery_id):
    """One delivery with its attempt log."""
    return service.get_delivery(world(), delivery_id)


@blp.route("/webhooks/deliveries/<delivery_id>/retry", methods=["POST"])
@outside_transaction
@blp.response(200, envelope(schemas.DeliveryDetailOut))
def retry(delivery_id):
    """Send a delivery again now (older ones of its webhook first); answers it once the attempt
    is logged (at most 15 s, else as it stands)."""
    return service.retry(world(), delivery_id)


@blp.route("/webhooks/<webhook_id>", methods=["GET"])
@blp.response(200, envelope(schemas.WebhookOut))
def webhook(webhook_id):
    """One webhook."""
    return service.get_webhook(world(), webhook_id)


@blp.route("/webhooks/<webhook_id>", methods=["DELETE"])
@blp.response(200, TRUE_ENVELOPE)
def delete_webhook(webhook_id):
    """Forget a webhook: nothing more is sent to it, and what it had not received yet is failed."""
    return service.delete_webhook(world(), webhook_id)
