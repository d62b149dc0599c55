"""The request's world, account and token, resolved once per request (``tenancy.py``)."""

from __future__ import annotations

from flask import g, request

from vsee_sim.core.basepaths import API_PREFIX
from vsee_sim.core.tenancy import Ctx, namespace_name, resolve

_TENANCY_HEADERS = tuple((name, "HTTP_" + name.upper().replace("-", "_"))
                         for name in ("X-ApiToken", "X-ApiKey", "X-ApiSecret", "X-AccountCode"))


def current_namespace() -> str:
    return namespace_name(request.headers.get("X-Sim-Namespace"), request.environ.get("vsee_sim.namespace"))


def external_base(api_base: str | None = None) -> str:
    """scheme://host + namespace prefix + API base path, as the client called us."""
    environ = request.environ
    prefix = environ.get("vsee_sim.prefix", "")
    base = api_base or environ.get("vsee_sim.api_base") or API_PREFIX
    # request.host_url would IRI-decode the whole URL on every call: build it directly.
    return f"{request.scheme}://{request.host}{prefix}{base}"


def current_ctx() -> Ctx:
    ctx_g = g._get_current_object()  # each access through Flask's proxies costs: bind once
    ctx = ctx_g.get("vsee_ctx")
    if ctx is None:
        req = request._get_current_object()
        world = ctx_g.get("vsee_world")
        if world is None:
            from flask import current_app

            world = current_app.extensions["vsee_sim"].worlds.get(current_namespace())
        # The four headers read from the WSGI environ: werkzeug's header view costs a few
        # microseconds a lookup. The Host is read only when no X-AccountCode names the account.
        environ = req.environ
        headers = {name: environ.get(key) for name, key in _TENANCY_HEADERS}
        ctx = resolve(world, headers=headers, host=lambda: req.host, base_url=external_base)
        ctx_g.vsee_ctx = ctx
    return ctx
