"""The baseline for bench/run.py: a bare Flask app returning a small JSON dict.

Served by waitress with the same settings as ``vsee-sim serve`` (one process, 8 app
threads, no access log), so the ratio vsee-sim/baseline measures what the simulator
adds on top of Flask + waitress: routing through flask-smorest, tenancy, auth, the
store, marshmallow serialisation.

    cd bench && waitress-serve --listen=127.0.0.1:8001 --threads=8 baseline_app:app
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)

_USER = {"id": "201", "code": "54bdf165f02c4a0fbaac2603ac1f0144", "type": 200,
         "first_name": "Lemuel", "last_name": "Eveline", "active": True}


@app.get("/_sim/health")
def health():
    return jsonify({"data": {"status": "ok"}})


@app.get("/api_v3/me.json")
def me():
    return jsonify({"data": _USER})


@app.post("/api_v3/users/sso.json")
def sso():
    request.form  # read the body, as any form endpoint must  # noqa: B018
    return jsonify({"data": _USER})
