"""Start-up: a blueprint's views imported by the first request that needs one (issue 14).

Importing the API areas (their schemas, services and flask-smorest's decorators) was
about a third of ``vsee-sim serve``'s start-up, for views most runs call a few of.
``create_app`` adds each area's URL rules from ``route_table.py`` (the rules exactly as
registering the blueprint adds them) with a stand-in view; the first request to any of
an area's rules imports the area and registers its blueprint, whose real views then
replace the stand-ins (``app.view_functions``). Building the OpenAPI document, or
``load_all()``, loads every area first, in the table's order, so the document is the
same as an eagerly built app's.

Kept correct by construction: an area whose ``routes.py`` differs from the one the
table was made from (a SHA-1 of its source) is registered eagerly instead, and
tests/test_lazy_views.py checks the table is current. After changing a route:

    python -m vsee_sim.route_table_update     # rewrites vsee_sim/route_table.py
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import threading
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def source_digest(package: str) -> str:
    """SHA-1 of ``<package>/routes.py``, where an area's rules are declared."""
    path = PACKAGE_DIR.joinpath(*package.split(".")[1:], "routes.py")
    return hashlib.sha1(path.read_bytes()).hexdigest()


def rule_row(rule, view) -> tuple:
    """What ``add_url_rule`` needs to add ``rule`` again, and what the dispatcher reads
    of its view (``outside_transaction``: core/http.py); a seventh item, False, for a
    rule that also answers with a trailing slash (``strict_slashes=False``)."""
    row = (rule.rule, rule.endpoint, tuple(sorted(rule.methods or ())), rule.defaults,
           bool(getattr(rule, "provide_automatic_options", False)),
           bool(getattr(view, "outside_transaction", False)))
    return row if rule.strict_slashes is not False else (*row, False)


class _Registrar:
    """The app as a blueprint's registration sees it: its rules are already in the URL
    map, so ``add_url_rule`` only puts the real view in place of the stand-in, and
    ``blueprints`` is a copy, swapped in whole afterwards (a request thread may be
    iterating the app's)."""

    def __init__(self, app, rows: dict):
        self._app, self._rows = app, rows
        self.blueprints = dict(app.blueprints)

    def __getattr__(self, name):
        return getattr(self._app, name)

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        row = self._rows.get(endpoint)
        if row is None or row[0] != rule:
            raise RuntimeError(f"vsee_sim/route_table.py is out of date ({endpoint} {rule}): "
                               "run python -m vsee_sim.route_table_update")
        self._app.view_functions[endpoint] = view_func


class LazyViews:
    """The areas of one SimApi (or, with ``api`` None, plain Flask blueprints: the
    inspector's), registered lazily when the table allows (``add``)."""

    def __init__(self, app, api, table: dict, options: dict[str, dict] | None = None):
        self.app, self.api, self.table = app, api, table
        self.options = options or {}  # package -> register_blueprint's options (url_prefix)
        self.packages: list[str] = []
        self.loaded: set[str] = set()
        self.documented = False
        self.lock = threading.RLock()

    def current(self, packages: list[str]) -> bool:
        """Whether every package's rules can come from the table (no sources to read, as in
        an install that ships only bytecode: no)."""
        try:
            return all(p in self.table and self.table[p]["digest"] == source_digest(p) for p in packages)
        except OSError:
            return False

    def add(self, package: str) -> None:
        """Add ``package``'s rules with stand-in views (``current`` must be true of it)."""
        entry = self.table[package]
        self.packages.append(package)
        if self.api is not None:
            self.app.extensions["flask-smorest"]["blp_name_to_api"][entry["name"]] = self.api
        else:
            # A plain blueprint's own hooks (the inspector's nosniff header) must see every
            # request routed to it, an error before its view too: flask runs url value
            # preprocessors before any before_request, so load it there.
            self.app.url_value_preprocessors.setdefault(entry["name"], []).append(
                lambda endpoint, values: self.load(package))
        for rule, endpoint, methods, defaults, automatic_options, outside, *strict in entry["rules"]:
            self.app.add_url_rule(rule, endpoint, self._stand_in(package, endpoint, outside),
                                  methods=list(methods), defaults=defaults,
                                  provide_automatic_options=automatic_options,
                                  **({"strict_slashes": strict[0]} if strict else {}))

    def _stand_in(self, package: str, endpoint: str, outside: bool):
        def view(**kwargs):
            self.load(package)
            return self.app.view_functions[endpoint](**kwargs)

        view.outside_transaction = outside
        return view

    def load(self, package: str) -> None:
        """Import ``package`` and put its real views in place (once)."""
        if package in self.loaded:
            return
        with self.lock:
            if package in self.loaded:
                return
            blp = importlib.import_module(f"{package}.routes").blp
            rows = {row[1]: row for row in self.table[package]["rules"]}
            registrar = _Registrar(self.app, rows)
            blp.register(registrar, dict(self.options.get(package, {})))
            self.app.blueprints = registrar.blueprints
            self.loaded.add(package)

    def load_all(self) -> None:
        for package in self.packages:
            self.load(package)

    def document(self) -> None:
        """Before the OpenAPI document is built: every area loaded, queued for the
        document in the table's order (SimApi.register_blueprint's order when eager)."""
        with self.lock:
            if self.documented:
                return
            self.load_all()
            pending = self.api.__dict__.setdefault("_undocumented", [])
            for package in self.packages:
                blp = sys.modules[f"{package}.routes"].blp
                pending.append((blp, blp.name, None))
            self.documented = True


def register(app, api, packages, lazily: bool = True):
    """Register the blueprints of ``packages`` (each ``<package>.routes.blp``) on ``api``:
    lazily when the table is current for every one of them, else at once. Returns what must
    run before ``api``'s OpenAPI document is built (None: nothing)."""
    packages = list(packages)
    if lazily:
        from vsee_sim.route_table import TABLE

        views = LazyViews(app, api, TABLE)
        if views.current(packages):
            api.__dict__.setdefault("_undocumented", [])
            api._hook_spec()  # as SimApi.register_blueprint does first: views.document queues them
            for package in packages:
                views.add(package)
            app.extensions.setdefault("vsee_sim.lazy_views", []).append(views)
            return views.document
    for package in packages:
        api.register_blueprint(importlib.import_module(f"{package}.routes").blp)
    return None


def register_plain(app, blueprints: dict[str, dict], lazily: bool = True) -> None:
    """Register plain Flask blueprints (``<package>.routes.blp``, with their
    register_blueprint options): lazily when the table is current for all, else at once."""
    if lazily:
        from vsee_sim.route_table import TABLE

        views = LazyViews(app, None, TABLE, blueprints)
        if views.current(list(blueprints)):
            for package in blueprints:
                views.add(package)
            app.extensions.setdefault("vsee_sim.lazy_views", []).append(views)
            return
    for package, options in blueprints.items():
        app.register_blueprint(importlib.import_module(f"{package}.routes").blp, **options)


def load_all(app) -> None:
    """Every lazily registered view of ``app`` loaded (its blueprints registered)."""
    for views in app.extensions.get("vsee_sim.lazy_views", []):
        views.load_all()


def build_table(app, packages: list[str]) -> dict:
    """The table of an app whose ``packages`` were registered eagerly."""
    table = {}
    for package in packages:
        blp = importlib.import_module(f"{package}.routes").blp
        rows = [rule_row(rule, app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()
                if rule.endpoint.split(".", 1)[0] == blp.name]
        table[package] = {"name": blp.name, "digest": source_digest(package), "rules": rows}
    return table


def render_table(table: dict) -> str:
    lines = ['"""Generated by ``python -m vsee_sim.route_table_update``: do not edit.',
             "",
             "The URL rules of each API area and /_sim package as registering its blueprint adds",
             "them (vsee_sim/lazy_views.py).",
             '"""',
             "",
             "TABLE = {"]
    for package, entry in table.items():
        lines.append(f"    {package!r}: {{")
        lines.append(f"        'name': {entry['name']!r},")
        lines.append(f"        'digest': {entry['digest']!r},")
        lines.append("        'rules': [")
        lines.extend(f"            {row!r}," for row in entry["rules"])
        lines.append("        ],")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"
