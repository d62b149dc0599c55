"""Base paths (WSGI): every documented base path of the API is one set of routes.

``/ns/<name>/`` picks the namespace; ``/vc/next/api_v3``, ``/vc/stable/api_v3`` and
``/cc/<clinic>/api_v3`` mean ``/api_v3``; a ``.json`` suffix is dropped; ``//`` is ``/``
and a trailing ``/`` is dropped. Routes are declared once, under ``/api_v3``.
"""

from __future__ import annotations

import re

from vsee_sim.core.tenancy import NAMESPACE_RE

API_PREFIX = "/api_v3"
_NS = re.compile(r"^/ns/([^/]+)(/.*)?$")
_SLASHES = re.compile(r"/{2,}")
_API = re.compile(r"^(/vc/(?:next|stable)|/cc/[^/]+)?/api_v3(/.*)?$")
BASE_PATHS = ("/api_v3", "/vc/next/api_v3", "/vc/stable/api_v3", "/cc/<clinic>/api_v3")


class BasePaths:
    """WSGI middleware mapping every documented base path onto ``/api_v3``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ["vsee_sim.original_path"] = environ.get("PATH_INFO", "")  # as sent (the journal's)
        # Clients join a base ending in "/" with paths starting with "/": "//me" means "/me".
        path = _SLASHES.sub("/", environ.get("PATH_INFO", "") or "/")
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        match = _NS.match(path)
        if match and NAMESPACE_RE.match(match.group(1)):
            environ["vsee_sim.namespace"] = match.group(1)
            environ["vsee_sim.prefix"] = f"/ns/{match.group(1)}"
            path = match.group(2) or "/"
        match = _API.match(path)
        if match:
            environ["vsee_sim.api_base"] = (match.group(1) or "") + API_PREFIX
            rest = match.group(2) or "/"
            if rest.endswith(".json"):
                rest = rest[: -len(".json")] or "/"
            path = API_PREFIX + rest
        environ["PATH_INFO"] = path
        return self.app(environ, start_response)
