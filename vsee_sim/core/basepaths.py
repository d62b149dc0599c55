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
_PREFIX_LEN = len(API_PREFIX)
BASE_PATHS = ("/api_v3", "/vc/next/api_v3", "/vc/stable/api_v3", "/cc/<clinic>/api_v3")


class BasePaths:
    """WSGI middleware mapping every documented base path onto ``/api_v3``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        original = environ.get("PATH_INFO", "")
        environ["vsee_sim.original_path"] = original  # as sent (the journal's)
        path = original or "/"
        # Clients join a base ending in "/" with paths starting with "/": "//me" means "/me".
        if "//" in path:
            path = _SLASHES.sub("/", path)
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        if path.startswith("/ns/"):
            match = _NS.match(path)
            if match and NAMESPACE_RE.match(match.group(1)):
                environ["vsee_sim.namespace"] = match.group(1)
                environ["vsee_sim.prefix"] = f"/ns/{match.group(1)}"
                path = match.group(2) or "/"
        if path.startswith(API_PREFIX) and (len(path) == _PREFIX_LEN or path[_PREFIX_LEN] == "/") \
                and "\n" not in path:  # what _API matches with no base before /api_v3, read directly
            base, rest = "", path[_PREFIX_LEN:] or "/"
        elif (path.startswith(("/vc/", "/cc/")) or "\n" in path) and (match := _API.match(path)):
            base, rest = match.group(1) or "", match.group(2) or "/"
        else:
            base = rest = None
        if rest is not None:
            environ["vsee_sim.api_base"] = base + API_PREFIX
            if rest.endswith(".json"):
                rest = rest[: -len(".json")] or "/"
            path = API_PREFIX + rest
        environ["PATH_INFO"] = path
        return self.app(environ, start_response)
