"""The inspector: a web page at ``/_sim/ui`` (and ``/ns/<name>/_sim/ui``) to see and steer a
namespace: namespaces, journal, outbox, clock, clinic board, webhooks, faults, snapshots.

Served by the simulator itself with every asset from this package (no internet), behind
the admin token when one is set (``security.py``). Installed with the control plane.

INTERFACE for a sub-package (the clinic board, ``vsee_sim/inspector/board/``)
----------------------------------------------------------------------------
- **Blueprint.** If ``vsee_sim.inspector.board`` exists, its ``blp`` (a plain
  ``flask.Blueprint``) is registered with ``url_prefix="/_sim/ui/api/board"``: a route
  ``@blp.get("")`` answers ``/_sim/ui/api/board`` and ``/ns/<name>/_sim/ui/api/board``.
  Views run in the URL's namespace, inside its transaction (SimFlask): the namespace is
  ``vsee_sim.control.common.world()``; ``vsee_sim.core.http.outside_transaction`` opts out.
  Answer ``{"data": ...}``; raise ``vsee_sim.core.errors.ApiError``s for errors (rendered as
  ``{"code", "message"}``).
- **Safety.** Every view carries ``@ui_read`` (GET: sign-in check) or ``@ui_action``
  (anything that changes state: sign-in and the ``X-CSRF-Token`` header), from
  ``vsee_sim.inspector.security``; put them below the route decorator.
- **Assets.** ``board.js`` and ``board.css`` go in ``vsee_sim/inspector/static/`` (served at
  ``<prefix>/_sim/ui/static/``); the page loads each that exists, after ``inspector.js`` and
  ``panels.js``. ``window.VseeInspector`` has the page's text-only DOM helpers (``el``,
  ``clear``, ``when``, ``say``, ``fail``, ``portalHref``...) if you want them.
  No inline script or style, no ``innerHTML`` of data (the CSP forbids inline script; every
  recorded value is untrusted): build DOM with ``textContent``.
- **Mounting.** Once the page is ready it calls ``window.VseeBoard.mount(section, api)``,
  ``section`` being ``<section id="board">``, and ``window.VseeBoard.show()`` (if defined)
  each time the Board tab is opened. ``api``:
  ``{ns, prefix, get(path) -> Promise<json>, post(path, body) -> Promise<json>, onClock(fn)}``
  where ``path`` is relative to ``<prefix>/_sim/ui/api`` (``api.get("/board")``);
  ``post`` sends JSON with the CSRF header; both resolve to the whole JSON answer
  (``{"data": ...}``) and reject with an ``Error`` whose ``status`` and ``body`` are the
  HTTP status and error body. ``onClock(fn)`` calls ``fn(clock)`` after every clock move.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vsee_sim.core.lazy import blueprint_on_first_use
from vsee_sim.inspector import security

BOARD = "vsee_sim.inspector.board"
BOARD_PREFIX = "/_sim/ui/api/board"
BOARD_ASSETS = (("board.js",), ("board.css",))
STATIC = Path(__file__).parent / "static"


def route_packages() -> dict[str, dict]:
    """The inspector's blueprints (``<package>.routes.blp``) with their registration options."""
    found = {"vsee_sim.inspector": {}}
    if importlib.util.find_spec(BOARD) is not None:
        found[BOARD] = {"url_prefix": BOARD_PREFIX}
    return found


def install(app, lazily: bool = True) -> None:
    """Register the inspector (and the board, when present) on an app with a control plane:
    its views (and what they import: most of the control plane's schemas and services,
    about 1.8 MiB) on the first request to /_sim/ui (vsee_sim/lazy_views.py)."""
    from vsee_sim.lazy_views import register_plain

    security.install(app)
    register_plain(app, route_packages(), lazily)
    app.extensions["vsee_sim.inspector.board_assets"] = tuple(
        tuple(name for name in names if (STATIC / name).is_file()) for names in BOARD_ASSETS)


__getattr__ = blueprint_on_first_use(__name__)  # vsee_sim.inspector.blp: routes.blp
__all__ = ["install"]
