"""Files: thin views. Parse, one service call, return."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app

from vsee_sim.api.files import images, rules, schemas, service
from vsee_sim.core.http import SimBlueprint, after_transaction, current_ctx, token_optional, token_required
from vsee_sim.core.wire import TRUE_ENVELOPE, envelope

blp = SimBlueprint("files", __name__, url_prefix="/api_v3", description="Files API")

_BINARY = {"200": {"description": "The file's bytes (a resized image is image/png).",
                   "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}


@blp.route("/files", methods=["POST"])
@token_required
@blp.arguments(schemas.FileIn, location="body", content_type="multipart/form-data")
@blp.response(200, envelope(schemas.FileOut, name="File"))
def create_file(args):
    """Upload a file (multipart ``file`` and ``meta.category``); optional target user or visit.

    Over ``MAX_FILE_BYTES`` (10 MiB) is a 413; a ``user_avatar`` that is not an image is a 400.
    """
    limit = int(current_app.config.get("MAX_FILE_BYTES") or rules.DEFAULT_MAX_FILE_BYTES)
    return service.create_file(current_ctx(), args, limit=limit)


@blp.route("/files", methods=["GET"])
@token_required
@blp.arguments(schemas.FileListQuery, location="query")
@blp.response(200, envelope(schemas.FileOut, many=True))
def list_files(args):
    """The files you may see, by ``target_id``, ``target_type`` and ``category``."""
    return service.list_files(current_ctx(), args)


@blp.route("/files/<file_id>", methods=["POST"])
@token_required
@blp.arguments(schemas.RenameIn, location="body")
@blp.response(200, envelope(schemas.FileOut, name="RenamedFile"))
def rename_file(args, file_id):
    """Rename a file you uploaded (only ``name`` can change)."""
    return service.rename_file(current_ctx(), file_id, args)


@blp.route("/files/<file_id>", methods=["DELETE"])
@token_required
@blp.response(200, TRUE_ENVELOPE)
def delete_file(file_id):
    """Delete a file you uploaded."""
    return service.delete_file(current_ctx(), file_id)


@blp.route("/files/<file_id>", methods=["GET"])
@token_optional
@blp.arguments(schemas.DownloadQuery, location="query")
@blp.doc(responses=_BINARY)
def download_file(args, file_id):
    """The file's bytes, with ``auth_code`` and ``time`` from a ``fullpath`` (or a token that may see it).

    ``size=WxH`` resizes an image to a PNG of exactly that size (W*H at most 2048*2048);
    other files ignore it, and so does an image too large to decode
    (``X-Sim-Not-Resized`` says why). The resize happens outside the namespace lock.
    """
    found = service.download(current_ctx(), file_id, args)  # checks and bytes, under the lock
    return after_transaction(lambda: _send(images.render(found)))  # the resize, outside it


def _send(found: images.Download) -> Response:
    response = Response(found.data, content_type=found.content_type)
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(found.name, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if found.note:
        response.headers["X-Sim-Not-Resized"] = found.note
    return response
