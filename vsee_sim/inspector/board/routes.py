"""The clinic board's endpoints under /_sim/ui/api/board (thin views).

Registered by the inspector (``vsee_sim.inspector.install``) with that prefix, so they
answer in the namespace of the URL (``/ns/<name>/_sim/ui/api/board``) inside its
transaction, stay out of the OpenAPI documents (plain Flask views) and out of the
journal (/_sim is never journaled). Reads want the inspector's sign-in, actions its CSRF
header too (``vsee_sim.inspector.security``).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from vsee_sim.core.http import current_ctx, parser
from vsee_sim.inspector import security
from vsee_sim.inspector.board import schemas, service
from vsee_sim.inspector.security import ui_action, ui_read

blp = Blueprint("inspector-board", __name__)
blp.after_request(security.not_sniffed)


@blp.get("")
@ui_read
def board():
    """The account's rooms: queue, visits by status, today's timeline."""
    args = parser.parse(schemas.BoardQuery(), request, location="query")
    ctx = service.for_account(current_ctx(), args.get("account"))
    return jsonify({"data": service.board(ctx, args.get("room"), args["limit"])})


@blp.post("/<visit_id>/<any(start, end, noshow):button>")
@ui_action
def act(visit_id, button):
    """Start, End or No-show: /_sim/provider's action on the visit."""
    args = parser.parse(schemas.ActionIn(), request, location="body")
    ctx = service.for_account(current_ctx(), args.get("account"))
    return jsonify({"data": service.act(ctx, visit_id, button, args.get("provider_id"))})
