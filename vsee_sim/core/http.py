"""The HTTP edge shared by every area, one import for the areas: what each module holds.

- ``basepaths.py``: ``BasePaths`` (WSGI): ``/ns/<name>/`` picks the namespace;
  ``/vc/next/api_v3``, ``/vc/stable/api_v3`` and ``/cc/<clinic>/api_v3`` mean ``/api_v3``;
  a ``.json`` suffix is dropped. Routes are declared once, under ``/api_v3``.
- ``blueprint.py``: ``SimBlueprint`` and its webargs ``parser`` (the ``body`` location reads
  JSON, form, multipart or empty bodies alike, ``body.py``; validation is a 400, not a 422),
  the auth decorators and the security schemes.
- ``http_errors.py``: every error rendered once, as VSee's ``{"code", "message", "errors"?}``.
- ``simflask.py``: ``SimFlask`` (each view in its namespace's transaction), ``SimApi`` (the
  OpenAPI document, built when first asked for).
- ``context.py``: ``current_ctx()``, the request's world, account and token (``tenancy.py``).
"""

from __future__ import annotations

from vsee_sim.core.basepaths import API_PREFIX, BASE_PATHS, BasePaths
from vsee_sim.core.blueprint import (
    SECURITY_SCHEMES,
    SimBlueprint,
    SimParser,
    api_key_required,
    parser,
    token_optional,
    token_required,
)
from vsee_sim.core.context import current_ctx, current_namespace, external_base
from vsee_sim.core.http_errors import (
    VseeError,
    error_response,
    frame_guard,
    http_error,
    install_error_handlers,
    validation_error,
)
from vsee_sim.core.simflask import (
    AfterTransaction,
    LazyBuildRule,
    SimApi,
    SimFlask,
    after_transaction,
    allowed_methods,
    outside_transaction,
)

__all__ = [
    "API_PREFIX", "BASE_PATHS", "SECURITY_SCHEMES", "AfterTransaction", "BasePaths", "LazyBuildRule",
    "SimApi", "SimBlueprint", "SimFlask", "SimParser", "VseeError", "after_transaction",
    "allowed_methods", "api_key_required", "current_ctx", "current_namespace", "error_response",
    "external_base", "frame_guard", "http_error", "install_error_handlers", "outside_transaction",
    "parser", "token_optional", "token_required", "validation_error",
]
