"""Errors rendered once, as VSee's ``{"code", "message", "errors"?}`` with the right status.

``ApiError`` (core/errors.py) is what services raise; werkzeug's HTTP errors (404, 405,
413...) and webargs' validation errors (400 naming the fields) become one here, and any
other exception is a 500 in the same body, never a traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from vsee_sim.core.errors import ApiError, BadRequest

log = logging.getLogger("vsee_sim")


class VseeError(Schema):
    """VSee's error body."""

    code = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()


def error_response(err: ApiError):
    response = jsonify(err.body())
    response.status_code = err.status
    for key, value in err.headers.items():
        response.headers[key] = value
    return response


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return out


def validation_error(messages: dict) -> BadRequest:
    by_location = messages if isinstance(messages, dict) else {}
    flat: dict[str, list[str]] = {}
    for value in by_location.values():
        flat.update(_flatten(value))
    flat = {("body" if k == "_schema" else k): v for k, v in flat.items()}
    missing = [k for k, v in flat.items() if v == ["Missing data for required field."]]
    if missing and len(missing) == len(flat):
        return BadRequest.missing(*missing)
    parts = [f"{name}: {' '.join(msgs)}" for name, msgs in flat.items()]
    return BadRequest("Invalid " + "; ".join(parts), errors=flat)


def http_error(error: HTTPException) -> ApiError:
    data = getattr(error, "data", None) or {}
    if error.code in (400, 422) and "messages" in data:
        return validation_error(data["messages"])
    messages = {
        404: "Sorry, this page is not available.",
        405: f"Method {request.method} is not allowed on {request.path}.",
        413: "Request body is too large.",
        500: "Internal server error.",
    }
    err = ApiError(data.get("message") or messages.get(error.code) or error.description)
    err.status = error.code or 500
    if error.code == 405 and getattr(error, "valid_methods", None):
        err.headers["Allow"] = ", ".join(error.valid_methods)
    return err


def install_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.after_request(frame_guard)

    @app.errorhandler(Exception)
    def _unexpected(error):  # the simulator must never answer with a traceback
        if isinstance(error, HTTPException):
            return error_response(http_error(error))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError("Internal server error."))


def frame_guard(response):
    """HTML pages (portal, /docs, error pages) may not be framed by another site."""
    if response.mimetype == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response
