"""create_app(config): wires the core, the API areas, the control plane and the docs.

Nothing runs at import. ``config`` keys override the VSEE_SIM_* environment:
FIXTURE (name or path), SEED, DATA (a TinyDB file to persist to), FLUSH_INTERVAL,
MAX_BODY_BYTES, CONTROL, ADMIN_TOKEN, SIGNING_SECRET, CORS_ORIGINS, SHARD.
"""

from __future__ import annotations

import atexit
import gc
from dataclasses import dataclass

from flask_cors import CORS

from vsee_sim import __version__, openapi
from vsee_sim.config import Settings, load_fixture
from vsee_sim.core.http import (
    SECURITY_SCHEMES,
    BasePaths,
    SimApi,
    SimFlask,
    install_error_handlers,
)
from vsee_sim.core.persistence import DataFile
from vsee_sim.core.store import RECREATED_HEADER, Worlds, validate_fixture

INSPECTOR_PATH = "/_sim/ui"   # the inspector's pages and API: same-origin only, no CORS
VSEE_HEADERS = ["X-ApiToken", "X-ApiKey", "X-ApiSecret", "X-AccountCode", "X-Sim-Namespace",
                "X-Sim-Admin-Token", "Content-Type", "Authorization"]


def _cors_only_with_origin(app: SimFlask) -> None:
    """Skip flask-cors' per-response work when the request has no Origin (most CI traffic),
    and never give CORS to the inspector's pages.

    flask-cors does nothing for such requests anyway, but only after matching every
    resource pattern: about a tenth of a GET /me. The inspector (``/_sim/ui``) is a
    same-origin page whose cookie another localhost port would send too (same site):
    with CORS, any local page could read the journal it shows, recorded tokens included.
    """
    from flask import request

    hooks = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__module__", "").startswith("flask_cors"):
            def only_with_origin(response, _hook=hook):
                if "HTTP_ORIGIN" not in request.environ or request.path.startswith(INSPECTOR_PATH):
                    return response
                return _hook(response)

            hooks[i] = only_with_origin


def _say_recreated(app: SimFlask) -> None:
    """The first response from a namespace made again after its eviction says so (the
    client's state there is gone): ``X-Sim-Namespace-Recreated: evicted``."""
    from flask import g

    @app.after_request
    def say_recreated(response):
        world = g.get("vsee_world")
        if world is not None and world.recreated:
            reason = world.take_recreated()
            if reason:
                response.headers[RECREATED_HEADER] = reason
        return response


@dataclass
class SimState:
    settings: Settings
    worlds: Worlds
    datafile: DataFile | None = None
    ticker: object | None = None  # control.ticker.Ticker when the control plane runs one
    journal: object | None = None  # control.traffic.journal.Journal: the journals' byte bounds
    webhooks: object | None = None  # control.events.sending.Dispatcher: the webhook sender pool


GC_YOUNG_THRESHOLD = 20_000  # allocations between collections of the youngest generation


def create_app(config: dict | None = None) -> SimFlask:
    """The app; with ``FREEZE_GC`` (``vsee-sim serve``, one app per process) what start-up
    made is then moved out of the cyclic collector's sight (``gc.freeze``) and the collector,
    which the CLI switched off before its imports, switched on again, collecting the youngest
    objects every ``GC_YOUNG_THRESHOLD`` allocations rather than Python's 700: a request's
    own objects are then mostly freed (by their counts) before a collection sees them, so
    fewer of them are promoted to be walked again by a full collection with every record of
    every namespace (bench/RESULTS.md, "Garbage collection": 5.5% of a POST /rooms + GET
    /rooms/:code's CPU in the collector at Python's setting, 2.5% at 20000)."""
    enabled = gc.isenabled()
    gc.disable()  # start-up allocates objects that all live on: a collection finds no garbage
    try:
        return _create_app(config)
    finally:
        if config and config.get("FREEZE_GC"):
            gc.freeze()
            gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
            gc.enable()
        elif enabled:
            gc.enable()


def _create_app(config: dict | None) -> SimFlask:
    settings = Settings.from_env(config)
    validate_fixture(load_fixture(settings.fixture))  # fail fast on a bad fixture
    app = SimFlask("vsee_sim", static_folder=None)
    app.json.sort_keys = False
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="VSee Clinic API (vsee-sim)",
        API_VERSION="api_v3",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api_v3",
        OPENAPI_JSON_PATH="openapi",  # served as /api_v3/openapi.json through BasePaths
        API_SPEC_OPTIONS={
            "info": {"description": "A faithful, stateful simulator of the VSee Clinic API. "
                                    "Every route also answers under /vc/next/api_v3 and /vc/stable/api_v3, "
                                    "with or without a .json suffix.", "version": __version__},
            "servers": [{"url": "/"}],
        },
        SIM_API_TITLE="vsee-sim control plane",
        SIM_API_VERSION=__version__,
        SIM_OPENAPI_VERSION="3.0.3",
        SIM_OPENAPI_URL_PREFIX="/_sim",
        SIM_OPENAPI_JSON_PATH="openapi.json",
    )
    # With --data every namespace is kept: a persisted world must not vanish.
    secret = settings.signing_secret.encode() if settings.signing_secret else None
    worlds = Worlds(load_fixture, settings.fixture, settings.seed,
                    0 if settings.data else settings.max_namespaces, secret)
    state = SimState(settings, worlds)
    app.extensions["vsee_sim"] = state

    api = SimApi(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    from vsee_sim.api import AREA_PACKAGES
    from vsee_sim.lazy_views import register

    openapi.install(api, "api", prepare=register(app, api, AREA_PACKAGES, settings.lazy_views))

    if settings.control:
        from vsee_sim import control

        control.install(app, state)
        from vsee_sim import inspector

        inspector.install(app, settings.lazy_views)  # /_sim/ui: needs the control plane it shows

    from vsee_sim import docs_ui, portal

    portal.install(app)
    _say_recreated(app)
    app.register_blueprint(docs_ui.bp)
    CORS(app, origins=settings.cors_origins, allow_headers=VSEE_HEADERS,
         expose_headers=["Retry-After", RECREATED_HEADER, "X-Sim-Shard"], supports_credentials=True,
         max_age=600)
    _cors_only_with_origin(app)
    install_error_handlers(app)
    app.wsgi_app = BasePaths(app.wsgi_app)
    if settings.shard:
        from vsee_sim.sharding.edge import ShardHeader

        app.wsgi_app = ShardHeader(app.wsgi_app, settings.shard)

    if settings.data:
        state.datafile = DataFile(settings.data, worlds, settings.flush_interval)
        state.datafile.load()
        state.datafile.start()
        atexit.register(state.datafile.stop)
    return app
