"""The Flask app class and the API document: each view in its namespace's transaction.

- ``SimFlask``: runs each view inside its namespace's transaction (all or nothing), and
  answers OPTIONS and 405 with the methods a path really has.
- ``SimApi``: flask-smorest's Api, rendering errors VSee's way (``http_errors.py``) and
  building the OpenAPI document when it is first asked for.
- ``LazyBuildRule``: URL rules whose builders are compiled on first use (start-up).
"""

from __future__ import annotations

import inspect
import threading
from types import FunctionType

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule

from vsee_sim.core.context import current_namespace
from vsee_sim.core.http_errors import VseeError, error_response, http_error
from vsee_sim.core.jsontext import FastEncoder
from vsee_sim.core.wire import JsonItems, install_openapi_conventions


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


_OUTSIDE_NAMESPACES = ("api-docs", "sim-api-docs", "docs_ui")  # endpoints of no namespace


class _NoSessions(SecureCookieSessionInterface):
    """No view keeps a Flask session (the inspector signs its own cookie): without a secret
    key every request shares one empty, read-only NullSession (writes still raise Flask's
    error) rather than having a new one made for it."""

    _null = NullSession()

    def open_session(self, app, request):
        return super().open_session(app, request) if app.secret_key else self._null


class SimFlask(Flask):
    """Runs each view inside its namespace's transaction: all or nothing.

    ``after_commit`` callables get the world once a view's transaction has committed,
    outside the world lock (the control plane posts webhooks there). A view that returns
    ``after_transaction(fn)`` has ``fn()`` make its response there too, once the lock is
    released: slow work on values read in the transaction (resizing an image) holds up
    no other request of the namespace.
    """

    url_rule_class = LazyBuildRule if _LAZY_BUILD_OK else Rule
    session_interface = _NoSessions()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_commit: list = []
        self._sync: dict = {}  # ensure_sync's answers
        self._encoder: tuple = (None, None)  # json_response's: (its settings, the encoder)

    def json_response(self, data, status: int = 200):
        """What ``jsonify(data)`` with ``status`` makes, the same bytes and headers, with an
        encoder made once for the app's JSON settings (``json.dumps`` makes one per call;
        ours lets orjson write the text when it is the same: ``core.jsontext``) and the body
        given to the response as bytes."""
        provider = self.json
        if type(provider) is not DefaultJSONProvider:
            response = provider.response(data.materialize() if type(data) is JsonItems else data)
            response.status_code = status
            return response
        settings = (provider.default, provider.ensure_ascii, provider.sort_keys, provider.compact, self.debug)
        known, encoder = self._encoder
        if known != settings:
            pretty = (provider.compact is None and self.debug) or provider.compact is False
            encoder = FastEncoder(default=provider.default, ensure_ascii=provider.ensure_ascii,
                                  sort_keys=provider.sort_keys, indent=2 if pretty else None,
                                  separators=None if pretty else (",", ":"))
            self._encoder = (settings, encoder)
        if type(data) is JsonItems:  # a list: per item
            body = (data.encode(encoder) + "\n").encode()
        else:
            body = encoder.encode_body(data)
        return self.response_class(body, status=status, mimetype=provider.mimetype)

    def dispatch_request(self):
        req, ctx_g = request._get_current_object(), g._get_current_object()  # the proxies once
        if req.routing_exception is not None:
            if isinstance(req.routing_exception, MethodNotAllowed):
                req.routing_exception.valid_methods = allowed_methods()
            return super().dispatch_request()
        rule = req.url_rule
        endpoint = rule.endpoint
        state = self.extensions.get("vsee_sim")
        if state is None or endpoint == "static" or endpoint.startswith(_OUTSIDE_NAMESPACES):
            return super().dispatch_request()
        # the traffic hook may have found the world already
        world = ctx_g.__dict__.get("vsee_world") or state.worlds.get(current_namespace())
        ctx_g.vsee_world = world
        view = self.view_functions[endpoint]
        if getattr(view, "outside_transaction", False):
            rv = super().dispatch_request()
            return rv.make() if isinstance(rv, AfterTransaction) else rv
        with world.transaction():
            # what Flask.dispatch_request does once routing has succeeded
            if getattr(rule, "provide_automatic_options", False) and req.method == "OPTIONS":
                rv = self.make_default_options_response()
            else:
                rv = self.ensure_sync(view)(**req.view_args)
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


def outside_transaction(view):
    """For a read-only view that may wait (health): it must not hold the world lock."""
    view.outside_transaction = True
    return view
