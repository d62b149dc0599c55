"""Swagger UI at /docs, from the swagger-ui-bundle package: works with no internet."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("docs_ui", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vsee-sim API docs</title>
<link rel="stylesheet" href="{base}/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{base}/docs/static/swagger-ui-bundle.js"></script>
<script src="{base}/docs/static/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  urls: [{{url: "{base}/api_v3/openapi.json", name: "VSee Clinic API (api_v3)"}},
         {{url: "{base}/_sim/openapi.json", name: "vsee-sim control plane (/_sim)"}}],
  dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
}});
</script></body></html>
"""


@bp.get("/docs")
@bp.get("/docs/")
def index():
    from flask import request
    from markupsafe import escape

    return Response(_PAGE.format(base=escape(request.environ.get("vsee_sim.prefix", ""))),
                    mimetype="text/html")


@bp.get("/docs/static/<path:filename>")
def static(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=3600)
