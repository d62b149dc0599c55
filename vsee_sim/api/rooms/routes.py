"""Rooms: thin views. Parse, one service call, return."""

from __future__ import annotations

from vsee_sim.api.rooms import schemas, service
from vsee_sim.core.http import SimBlueprint, current_ctx, token_required
from vsee_sim.core.wire import envelope

blp = SimBlueprint("rooms", __name__, url_prefix="/api_v3", description="Rooms API")


@blp.route("/rooms", methods=["GET"])
@blp.response(200, envelope(schemas.RoomOut, many=True))
def list_rooms():
    """The clinic's rooms [public access]."""
    return service.list_rooms(current_ctx())


@blp.route("/rooms", methods=["POST"])
@token_required
@blp.arguments(schemas.RoomIn, location="body")
@blp.response(200, envelope(schemas.RoomOut, name="CreatedRoom"))
def create_room(args):
    """Create a waiting room (providers and staff); a provider joins the room created.

    A slug or code already used in the clinic is a 400.
    """
    return service.create_room(current_ctx(), args)


@blp.route("/rooms/<code>", methods=["GET"])
@blp.response(200, envelope(schemas.RoomOut, name="Room"))
def show_room(code):
    """One room [public access]."""
    return service.show_room(current_ctx(), code)


@blp.route("/rooms/<code>/providers", methods=["GET"])
@blp.response(200, envelope(schemas.RoomProviderOut, many=True))
def room_providers(code):
    """The room's providers [public access]."""
    return service.room_providers(current_ctx(), code)


@blp.route("/rooms/<code>/providers/<provider_id>", methods=["GET"])
@blp.response(200, envelope(schemas.RoomProviderDetailOut))
def room_provider(code, provider_id):
    """One provider of the room [public access]."""
    return service.room_provider(current_ctx(), code, provider_id)


@blp.route("/users/<user_id>/rooms", methods=["POST"])
@token_required
@blp.arguments(schemas.UserRoomIn, location="body")
@blp.response(200, envelope(schemas.UserRoomOut, many=True))
def add_user_room(args, user_id):
    """Associate a room with a user (``-`` is the current user): the user's rooms.

    Providers join the room; patients are associated with it. ``default`` makes it the
    user's default room.
    """
    return service.add_user_room(current_ctx(), user_id, args)
