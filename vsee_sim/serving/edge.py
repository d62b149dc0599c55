"""The WSGI edge around the Flask app: what the HTTP server does not do itself.

- ``Limits``: a URL longer than ``MAX_URL`` bytes gets 414 in VSee's error body (the
  server's own limit on the whole head, answered 431, is far above it).
- ``AccessLog``: one line per request, with the namespace it went to.
- ``error_body``: VSee's error body, shared with the server's own refusals (server.py).
"""

from __future__ import annotations

import json
import logging
import time

access = logging.getLogger("vsee_sim.access")

MAX_URL = 8190  # bytes of path and query, as gunicorn's limit_request_line
MESSAGES = {
    400: "The request could not be read.",
    408: "The request did not arrive in time: send the whole request, headers and body, at once.",
    413: "Request body is too large.",
    414: f"The request URL is too long (at most {MAX_URL} bytes).",
    431: "The request headers are too large.",
    500: "The server could not answer this request.",
}


def error_body(status: int, message: str | None = None) -> bytes:
    """VSee's error body, as bytes."""
    return json.dumps({"code": status, "message": message or MESSAGES.get(status, "Bad request.")}).encode()


def _reason(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


class Limits:
    """414 for a URL past ``MAX_URL``, before the app sees it (with ``headers``)."""

    def __init__(self, app, headers: list[tuple[str, str]] = ()):
        self.app = app
        self.headers = list(headers)

    def __call__(self, environ, start_response):
        url = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "") + environ.get("QUERY_STRING", "")
        if len(url) > MAX_URL:
            body = error_body(414)
            start_response(f"414 {_reason(414)}", [("Content-Type", "application/json"),
                                                  ("Content-Length", str(len(body))), *self.headers])
            return [body]
        return self.app(environ, start_response)


class AccessLog:
    """``<client> "<request line>" <status> <bytes> <ms>ms ns=<namespace>``, once the body is sent."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        try:
            yield from result
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
            self._line(environ, seen, started)

    @staticmethod
    def _line(environ, seen, started) -> None:
        url = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        namespace = (environ.get("vsee_sim.namespace") or environ.get("HTTP_X_SIM_NAMESPACE") or "default")
        if len(url) > 300:
            url = url[:300] + "..."
        access.info('%s "%s %s %s" %s %s %dms ns=%s', environ.get("REMOTE_ADDR", "-"),
                    environ.get("REQUEST_METHOD"), url, environ.get("SERVER_PROTOCOL"),
                    seen.get("status", "-"), seen.get("length", "-"),
                    (time.perf_counter() - started) * 1000, namespace[:64])
