"""Request hooks: fire fault rules before a request, journal it after.

Both watch every request except /_sim, /docs and CORS preflights (OPTIONS), in the
request's own namespace. A fired rule's latency is real time (that is its point: a
client's timeouts and spinners see it); its status is raised as an ``ApiError``, so the
error body, CORS headers and the journal are the same as for any other error.

Cost (GET /me is the benchmark): the before hook finds the request's namespace (the
view reuses it, ``g.vsee_world``) and, with no fault rules there, does nothing more; the
after hook copies references to bytes already in memory (the request body, read before
the view when under 1 MiB so a form parser cannot consume it unrecorded, and the response
body), cut to the journal's body bound, into the journal (``journal.Journal``: bounded in
entries and in bytes). Decoding and JSON parsing wait until the journal is read.
"""

from __future__ import annotations

import logging
import time
from time import perf_counter

from flask import g, request

from vsee_sim.control.traffic import service
from vsee_sim.control.traffic.journal import Journal
from vsee_sim.core.errors import ApiError
from vsee_sim.core.tenancy import namespace_name

log = logging.getLogger("vsee_sim.control")

sleep = time.sleep  # a module attribute, so tests can watch the delays asked for


# The replay headers as WSGI environ keys (reading the environ directly is the cheap way).
_ENVIRON_HEADERS = tuple(
    (name, "CONTENT_TYPE" if name == "Content-Type" else "HTTP_" + name.upper().replace("-", "_"))
    for name in service.REPLAY_HEADERS)


def _watched(environ: dict) -> bool:
    if environ.get("REQUEST_METHOD") == "OPTIONS":
        return False
    path = environ.get("PATH_INFO", "")  # after BasePaths: /ns/<name> already taken off
    return not (path == "/_sim" or path.startswith("/_sim/") or path == "/docs" or path.startswith("/docs/"))


def install(app, state) -> None:
    settings = state.settings
    budget = state.journal = Journal(settings.journal_body_bytes, settings.journal_bytes,
                                     settings.journal_total_bytes)

    # Each hook binds the request and g once: every access through Flask's proxies costs.
    def namespace_world(environ: dict, ctx_g):
        world = ctx_g.get("vsee_world")
        if world is None:
            name = namespace_name(environ.get("HTTP_X_SIM_NAMESPACE"), environ.get("vsee_sim.namespace"))
            world = ctx_g.vsee_world = state.worlds.get(name)
        return world

    @app.before_request
    def _traffic_before():
        req = request._get_current_object()
        environ = req.environ
        if not _watched(environ):
            return None
        ctx_g = g._get_current_object()
        ctx_g.vsee_t0 = perf_counter()
        if environ.get("CONTENT_LENGTH"):
            _precache_body(req, environ)
        try:
            world = namespace_world(environ, ctx_g)
        except ApiError:  # a bad X-Sim-Namespace: the view says so
            return None
        rule = service.take_fault(world, req.method, req.path)
        if rule is None:
            return None
        ctx_g.vsee_fault = rule["id"]
        if rule.get("latency_ms"):
            sleep(rule["latency_ms"] / 1000)
        if rule.get("status"):
            raise service.fault_error(rule)
        return None

    @app.after_request
    def _traffic_after(response):
        ctx_g = g._get_current_object()
        t0 = ctx_g.__dict__.get("vsee_t0")
        if t0 is None:
            return response
        req = request._get_current_object()
        try:
            _record(budget, req, namespace_world(req.environ, ctx_g), response, t0,
                    ctx_g.__dict__.get("vsee_fault"))
        except ApiError:
            pass
        except Exception:  # the journal must never break a request
            log.exception("journal: could not record %s %s", req.method, req.path)
        return response


def _content_length(environ: dict) -> int | None:
    """The declared body length; 0 when there is none (no body, or a chunked one)."""
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _precache_body(req, environ: dict) -> None:
    """Keep the raw bytes of a small body: form parsing would consume the stream otherwise.

    werkzeug parses forms from the cached bytes when there are some, so the view reads
    the same body it would have read from the stream.
    """
    length = _content_length(environ)
    if not length or length > service.PRECACHE_LIMIT:
        return
    limit = req.max_content_length
    if limit is None or length <= limit:
        req.get_data(cache=True)


def _request_body(req, environ: dict) -> bytes | None:
    length = _content_length(environ)
    if not length and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""
    if length > service.PRECACHE_LIMIT:
        return None  # not kept: its stream may be consumed by the form parser
    try:
        return req.get_data(cache=True)
    except Exception:  # too large for the app (the view answered 413), or a broken stream
        return None


def _response_headers(response) -> dict[str, str]:
    """The answer's headers as the client saw them from Flask (Retry-After of a fault,
    Content-Type...), bounded: the first ``MAX_RESPONSE_HEADERS``, each value clipped."""
    listed = response.headers.to_wsgi_list()  # a list: no generator per header
    if len(listed) <= service.MAX_RESPONSE_HEADERS \
            and all(len(value) <= service.MAX_HEADER_VALUE for _, value in listed):
        return dict(listed)  # the common case, what the loop below makes of it
    kept: dict[str, str] = {}
    for name, value in listed:
        if len(kept) == service.MAX_RESPONSE_HEADERS:
            break
        kept[name] = value[:service.MAX_HEADER_VALUE]
    return kept


def _response_body(response) -> bytes | None:
    """The response's bytes as ``get_data()`` gives them; None for a streamed one (not kept)."""
    chunks = response.response
    if response.direct_passthrough:
        return None
    if type(chunks) is list and all(type(chunk) is bytes for chunk in chunks):  # noqa: E721
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # what get_data() would join
    return None if response.is_streamed else response.get_data()


def _record(budget: Journal, req, world, response, t0: float, fault: str | None) -> None:
    environ = req.environ
    body = _request_body(req, environ)
    kept_body, body_cut = budget.clip(body)
    kept_response, response_cut = budget.clip(_response_body(response))
    path = environ.get("vsee_sim.original_path")
    response_headers = _response_headers(response)
    response_type = response_headers.get("Content-Type")  # clipped only past 1 KiB: then read again
    if response_type is None or len(response_type) >= service.MAX_HEADER_VALUE:
        response_type = response.headers.get("Content-Type", "")
    budget.record(world, {
        "at": world.clock.ts(),
        "method": environ.get("REQUEST_METHOD", ""),
        "path": environ.get("SCRIPT_NAME", "") + (req.path if path is None else path),
        "api_path": req.path,
        "query": environ.get("QUERY_STRING", ""),
        "headers": {name: environ[key] for name, key in _ENVIRON_HEADERS if environ.get(key)},
        "body": kept_body,
        "body_truncated": body_cut or body is None,
        "status": response.status_code,
        "response": kept_response,
        "response_type": response_type,
        "response_headers": response_headers,
        "response_truncated": response_cut,
        "duration_ms": round((perf_counter() - t0) * 1000, 3),
        "fault": fault,
    })
