"""Notifications and push endpoints: thin views. Parse, one service call, return."""

from __future__ import annotations

from marshmallow import fields

from vsee_sim.api.notifications import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_required
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("notifications", __name__, url_prefix="/api_v3", description="Push Notification API")


@blp.route("/endpoints", methods=["POST"])
@token_required
@blp.arguments(schemas.EndpointIn, location="body")
@blp.response(200, envelope(schemas.EndpointOut, name="Endpoint"))
def create_endpoint(args):
    """Register a push endpoint (device token or registration id) for the current user.

    The same key again updates that endpoint's type instead of adding one.
    """
    return service.create_endpoint(current_ctx(), args)


@blp.route("/endpoints", methods=["GET"])
@token_required
@blp.arguments(schemas.EndpointsQuery, location="query")
@blp.response(200, envelope(schemas.EndpointOut, many=True))
def list_endpoints(args):
    """The current user's push endpoints, of one type if given."""
    return service.list_endpoints(current_ctx(), args)


@blp.route("/endpoints/<endpoint_id>", methods=["GET"])
@token_required
@blp.response(200, envelope(schemas.EndpointOut, name="OneEndpoint"))
def show_endpoint(endpoint_id):
    """One of the current user's push endpoints (anyone else's is a 404)."""
    return service.show_endpoint(current_ctx(), endpoint_id)


@blp.route("/endpoints/<endpoint_id>", methods=["DELETE"])
@token_required
@blp.response(200, envelope(schemas.DeletedEndpointOut))
def delete_endpoint(endpoint_id):
    """Delete one of the current user's push endpoints: its id."""
    return service.delete_endpoint(current_ctx(), endpoint_id)


@blp.route("/notifications", methods=["GET"])
@token_required
@blp.arguments(schemas.NotificationsQuery, location="query")
@blp.response(200, envelope(schemas.NotificationOut, many=True))
def list_notifications(args):
    """The current user's notifications, newest first; page with ``limit`` and ``before``."""
    return service.list_notifications(current_ctx(), args)


@blp.route("/notifications/badge", methods=["GET"])
@token_required
@blp.response(200, envelope(fields.Integer(required=True), name="Badge"))
def badge():
    """How many of the current user's notifications are new and unread."""
    return service.badge(current_ctx())


@blp.route("/notifications/badge", methods=["POST"])
@token_required
@blp.response(200, TRUE_ENVELOPE)
def reset_badge():
    """Reset the badge: none of the current user's notifications is new any more."""
    return service.reset_badge(current_ctx())


@blp.route("/notifications/<notification_id>", methods=["PUT"])
@token_required
@blp.response(200, envelope(schemas.NotificationOut, name="Notification"))
def read_notification(notification_id):
    """Mark one of the current user's notifications read."""
    return service.read_notification(current_ctx(), notification_id)
