"""The HTTP edge shared by every area: base paths, body parsing, errors, auth.

- ``BasePaths`` (WSGI): ``/ns/<name>/`` picks the namespace; ``/vc/next/api_v3``,
  ``/vc/stable/api_v3`` and ``/cc/<clinic>/api_v3`` mean ``/api_v3``; a ``.json``
  suffix is dropped. Routes are declared once, under ``/api_v3``.
- ``parser``: webargs parser whose ``body`` location reads JSON, form, multipart or
  empty bodies alike (``body.py``), and whose validation status is 400, not 422.
- ``SimApi``: renders every error once, as VSee's ``{"code", "message", "errors"?}``.
- ``current_ctx()``: the request's world, account and token (``tenancy.py``).
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
from functools import wraps
from types import FunctionType

from flask import Flask, g, jsonify, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule

from vsee_sim.core.body import read_body
from vsee_sim.core.errors import ApiError, BadRequest
from vsee_sim.core.tenancy import NAMESPACE_RE, Ctx, check_api_key, namespace_name, resolve
from vsee_sim.core.wire import install_openapi_conventions

log = logging.getLogger("vsee_sim")

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


# -- request parsing ------------------------------------------------------------
class SimParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


parser = SimParser()


@parser.location_loader("body")
def _load_body(req, schema):
    return read_body(req)


class SimBlueprint(Blueprint):
    ARGUMENTS_PARSER = parser
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "body": "application/json",
    }

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        """Kept for ``register_views_in_doc``: flask-smorest deep-copies each view's doc (its
        schemas included) as the view is declared, about a fifth of the start-up for a
        document that is built later, if ever (SimApi builds it on first use)."""
        self.__dict__.setdefault("_docs_to_store", []).append((endpoint, obj, parameters, tags, options))

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        for endpoint, obj, params, tags, options in self.__dict__.pop("_docs_to_store", []):
            super()._store_endpoint_docs(endpoint, obj, params, tags, **options)
        return super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)

    def arguments(self, schema, *, location="json", required=None, **kwargs):
        """A body is required in the document only if the schema has a required field."""
        # One schema instance per route: webargs would build (and deep-copy) one per request.
        instance = schema() if isinstance(schema, type) else schema
        if required is None:
            required = location != "body" or any(f.required for f in instance.fields.values())
        return super().arguments(instance, location=location, required=required, **kwargs)

    def _prepare_arguments_doc(self, doc, doc_info, *, api, spec, **kwargs):
        doc = super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        # A body may be sent as JSON or as a form: say both.
        content = doc.get("requestBody", {}).get("content", {})
        if "application/json" in content and "application/x-www-form-urlencoded" not in content:
            content["application/x-www-form-urlencoded"] = dict(content["application/json"])
        if len(content) > 1 and doc["requestBody"].get("required"):
            # openapi-python-client 0.29 generates a module that fails to import (NameError:
            # Unset, its issue #1451) for a required body with two content types. Still true:
            # a request without a body is answered (a 400 naming the missing field).
            doc["requestBody"]["required"] = False
        return doc


# -- errors -------------------------------------------------------------------------
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


class SimApi(Api):
    """flask-smorest's Api, rendering errors VSee's way and building the OpenAPI document lazily.

    flask-smorest documents every view when its blueprint is registered, which costs a
    third of the start-up with twelve areas; here the views are documented the first time
    the document is asked for (``spec.to_dict()``: /openapi.json, /docs, ``vsee-sim
    openapi print``), so a CI container is healthy sooner.
    """

    ERROR_SCHEMA = VseeError

    def _register_responses(self):
        """Deferred to the first build of the document (``_hook_spec``), where it runs first,
        as it would have here: the document is the same, the start-up a tenth shorter."""
        self.__dict__["_responses_pending"] = True

    def _register_pending_responses(self) -> None:
        if self.__dict__.pop("_responses_pending", False):
            super()._register_responses()

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        install_openapi_conventions(self.ma_plugin.converter)  # lists, nullable objects (core/wire.py)

    def handle_http_exception(self, error):
        return error_response(http_error(error))

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        pending = self.__dict__.setdefault("_undocumented", [])
        if not pending:
            self._hook_spec()
        pending.append((blp, name, parameters))

    def _hook_spec(self) -> None:
        spec, to_dict = self.spec, self.spec.to_dict
        lock = threading.Lock()

        def documented_to_dict():
            with lock:
                self._register_pending_responses()
                while self._undocumented:
                    blp, name, parameters = self._undocumented.pop(0)
                    blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
                    spec.tag({"name": name, "description": blp.description})
            return to_dict()

        spec.to_dict = documented_to_dict


def install_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.after_request(frame_guard)

    @app.errorhandler(Exception)
    def _unexpected(error):  # the simulator must never answer with a traceback
        if isinstance(error, HTTPException):
            return error_response(http_error(error))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError("Internal server error."))


# -- request context ----------------------------------------------------------------
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
        # the Host is read only when no X-AccountCode names the account
        ctx = resolve(world, headers=req.headers, host=lambda: req.host, base_url=external_base)
        ctx_g.vsee_ctx = ctx
    return ctx


class LazyBuildRule(Rule):
    """A URL rule whose URL builders are compiled on first use.

    werkzeug compiles two builders (generated Python source) for every rule as it is
    added: about 70 ms of start-up for our ~150 rules, for builders only the portal's
    url_for ever calls. Measured: create_app 0.099 s -> 0.027 s once imported. werkzeug's
    ``_compile_builder`` is private, so this falls back to the plain rule if it changes
    (see ``SimFlask.url_rule_class``)."""

    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:  # two threads may both compile: the same function, no harm
                compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build


def _lazy_build_supported() -> bool:
    builder = getattr(Rule, "_compile_builder", None)
    return builder is not None and "append_unknown" in inspect.signature(builder).parameters


_LAZY_BUILD_OK = _lazy_build_supported()


class SimFlask(Flask):
    """Runs each view inside its namespace's transaction: all or nothing.

    ``after_commit`` callables get the world once a view's transaction has committed,
    outside the world lock (the control plane posts webhooks there). A view that returns
    ``after_transaction(fn)`` has ``fn()`` make its response there too, once the lock is
    released: slow work on values read in the transaction (resizing an image) holds up
    no other request of the namespace.
    """

    url_rule_class = LazyBuildRule if _LAZY_BUILD_OK else Rule

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_commit: list = []
        self._sync: dict = {}  # ensure_sync's answers

    def dispatch_request(self):
        req, ctx_g = request._get_current_object(), g._get_current_object()  # the proxies once
        if isinstance(req.routing_exception, MethodNotAllowed):
            req.routing_exception.valid_methods = allowed_methods()
        endpoint = req.endpoint
        if req.routing_exception is not None or endpoint in (None, "static"):
            return super().dispatch_request()
        state = self.extensions.get("vsee_sim")
        if state is None or endpoint.startswith(("api-docs", "sim-api-docs", "docs_ui")):
            return super().dispatch_request()
        world = ctx_g.get("vsee_world") or state.worlds.get(current_namespace())  # a hook may have found it
        ctx_g.vsee_world = world
        if getattr(self.view_functions[endpoint], "outside_transaction", False):
            return super().dispatch_request()
        with world.transaction():
            rv = super().dispatch_request()
        for hook in self.after_commit:
            hook(world)
        return rv.make() if isinstance(rv, AfterTransaction) else rv

    def ensure_sync(self, func):
        """Flask asks this of every hook and view on every request (eight or more times),
        and inspect's coroutine check is about 3% of a request's time: the answer for a
        function never changes, so it is kept (for plain functions, which are declared
        once: a bounded table)."""
        found = self._sync.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if type(func) is FunctionType and len(self._sync) < 10_000:
                self._sync[func] = found
        return found

    def make_default_options_response(self):
        response = self.response_class()
        response.allow.update(allowed_methods())
        return response


class AfterTransaction:
    """A view's response made after its transaction, outside the world lock (see SimFlask)."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def after_transaction(make) -> AfterTransaction:
    """Return this from a view: ``make()`` builds the response once the namespace lock is
    released. It must use only values the view read under the lock, never the store."""
    return AfterTransaction(make)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods() -> list[str]:
    """The methods this path answers, for ``Allow`` (OPTIONS and 405).

    werkzeug counts every rule that matches the path: ``/visits/add_walkin`` (POST) is also
    ``/visits/<visit_id>`` (GET), which would answer it with a 404. A path that a fixed rule
    names is answered by fixed rules only, so only their methods count.
    """
    adapter = _request_ctx_adapter()
    found: dict[str, Rule] = {}
    for method in _METHODS:
        try:
            rule, _ = adapter.match(request.path, method=method, return_rule=True)
        except HTTPException:
            continue
        found[method] = rule
    if any(not rule.arguments for rule in found.values()):
        found = {m: rule for m, rule in found.items() if not rule.arguments}
    return sorted({*found, "OPTIONS"})


def _request_ctx_adapter():
    from flask import current_app

    return current_app.url_map.bind_to_environ(request.environ)


def frame_guard(response):
    """HTML pages (portal, /docs, error pages) may not be framed by another site."""
    if response.mimetype == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def outside_transaction(view):
    """For a read-only view that may wait (health): it must not hold the world lock."""
    view.outside_transaction = True
    return view


# -- auth decorators ------------------------------------------------------------------
def token_required(func):
    """The caller must send a live X-ApiToken (401 otherwise)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        current_ctx().require_user()
        return func(*args, **kwargs)

    wrapper._apidoc = getattr(func, "_apidoc", {})
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", []).append({"ApiToken": []})
    return wrapper


def api_key_required(func):
    """The caller must send this account's X-ApiKey (X-ApiSecret checked when sent)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        check_api_key(current_ctx())
        return func(*args, **kwargs)

    wrapper._apidoc = getattr(func, "_apidoc", {})
    # X-ApiKey alone, or with its X-ApiSecret (checked when sent)
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", []).extend(
        [{"ApiKey": [], "ApiSecret": []}, {"ApiKey": []}])
    return wrapper


def token_optional(func):
    """Documents a public view that also reads X-ApiToken when one is sent (nothing is checked)."""
    func._apidoc = getattr(func, "_apidoc", {})
    func._apidoc.setdefault("manual_doc", {})["security"] = [{"ApiToken": []}, {}]
    return func


# X-AccountCode is no credential: it names the clinic, and is documented as a header
# parameter of every api_v3 operation (vsee_sim/openapi).
SECURITY_SCHEMES = {
    "ApiToken": {"type": "apiKey", "in": "header", "name": "X-ApiToken",
                 "description": "The user's access token (from POST /users/sso or /users/login); "
                                "it lives 86400 s. The demo clinic's documented tokens never expire."},
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-ApiKey",
               "description": "The clinic's API key (demo clinic: vclinic_api_key)."},
    "ApiSecret": {"type": "apiKey", "in": "header", "name": "X-ApiSecret",
                  "description": "The clinic's API secret, checked when sent "
                                 "(demo clinic: vclinic_api_secret)."},
}
