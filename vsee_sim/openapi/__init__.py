"""The OpenAPI documents, finished in one place.

flask-smorest writes each document from the views' decorators (``core/blueprint.py``;
``core/simflask.py`` builds it lazily); ``install`` wraps that so every document served
(/api_v3/openapi.json, /_sim/openapi.json, /docs, ``vsee-sim openapi print``) is then finished once by
``document.finish``: operationIds by one rule, security, the namespace and account
headers, VSee's error responses, the documented content types and the demo clinic's
examples (``operations.py``). The result is cached: the views do not change after start.
"""

from __future__ import annotations

import copy
import threading

from vsee_sim.openapi.document import finish

__all__ = ["install", "finish"]


def install(api, document: str, prepare=None) -> None:
    """Finish ``api``'s document (``"api"`` for /api_v3, ``"sim"`` for /_sim) when it is built;
    ``prepare()``, when given, runs first (lazily registered views: vsee_sim/lazy_views.py)."""
    spec = api.spec
    build = spec.to_dict
    lock = threading.Lock()
    cache: dict = {}

    def finished() -> dict:
        if prepare is not None:
            prepare()
        with lock:
            if "doc" not in cache or api.__dict__.get("_undocumented"):
                cache["doc"] = finish(build(), api._app, document)
            return copy.deepcopy(cache["doc"])

    spec.to_dict = finished
