"""Swagger UI at /docs, from the swagger-ui-bundle package: works with no internet.

The page has no inline script: ``docs_static/vsee-docs.js`` (shipped with the package)
starts Swagger UI from a JSON data block, and adds what fits the simulator:
- a namespace chooser: every request Swagger UI sends carries ``X-Sim-Namespace``
  (under ``/ns/<name>/docs`` the chooser starts on that namespace);
- the demo clinic's documented credentials (an operation's ``x-demo-credentials``),
  sent for each security scheme you have not authorized;
- /_sim's admin token (``X-Sim-Admin-Token``) in Authorize, from the /_sim document.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory
from markupsafe import escape
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("docs_ui", __name__)
STATIC = Path(__file__).parent / "docs_static"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vsee-sim API docs</title>
<link rel="stylesheet" href="{base}/docs/static/swagger-ui.css">
<link rel="stylesheet" href="{base}/docs/sim/vsee-docs.css"></head>
<body>
<form id="vsee-namespace" class="vsee-namespace">
<label for="vsee-namespace-name">Namespace (<code>X-Sim-Namespace</code>)</label>
<input id="vsee-namespace-name" name="namespace" value="{namespace}" placeholder="default"
       pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{{0,63}}" autocomplete="off" spellcheck="false">
<span class="vsee-hint">every “Try it out” request goes to this isolated world
(created from the fixture on first use)</span>
</form>
<div id="swagger-ui"></div>
<script type="application/json" id="vsee-docs-config">{config}</script>
<script src="{base}/docs/static/swagger-ui-bundle.js"></script>
<script src="{base}/docs/static/swagger-ui-standalone-preset.js"></script>
<script src="{base}/docs/sim/vsee-docs.js"></script>
</body></html>
"""


@bp.get("/docs")
@bp.get("/docs/")
def index():
    base = request.environ.get("vsee_sim.prefix", "")   # "/ns/<name>": a checked namespace name
    namespace = base[len("/ns/"):] if base.startswith("/ns/") else ""
    config = {
        "urls": [{"url": f"{base}/api_v3/openapi.json", "name": "VSee Clinic API (api_v3)"},
                 {"url": f"{base}/_sim/openapi.json", "name": "vsee-sim control plane (/_sim)"}],
        "namespace": namespace,
    }
    # a JSON data block: "<" escaped so nothing in it can close the script element
    text = json.dumps(config).replace("<", "\\u003c")
    return Response(_PAGE.format(base=escape(base), namespace=escape(namespace), config=text),
                    mimetype="text/html")


@bp.get("/docs/static/<path:filename>")
def static(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=3600)


@bp.get("/docs/sim/<path:filename>")
def sim_static(filename: str):
    return send_from_directory(STATIC, filename, max_age=600)
