"""/_sim/ui: the inspector's page, its sign-in and its JSON endpoints (thin views).

Plain Flask views (not flask-smorest): the UI's endpoints are not part of the public
/_sim OpenAPI document, like the portal's pages. Each runs in the namespace of its URL
(``/ns/<name>/_sim/ui/...``, or ``X-Sim-Namespace``), inside that namespace's
transaction (SimFlask) unless marked ``outside_transaction``. /_sim requests never enter
the journal (``control.traffic.hooks``), so the page watching a namespace leaves no trace.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, send_from_directory

from vsee_sim.control.common import sim_state
from vsee_sim.core.http import outside_transaction, parser
from vsee_sim.inspector import schemas, security, service
from vsee_sim.inspector.security import ui_action, ui_read

blp = Blueprint("inspector", __name__, template_folder="templates")
blp.after_request(security.not_sniffed)
STATIC = Path(__file__).parent / "static"
UI = security.UI_PATH
TABS = (("namespaces", "Namespaces"), ("journal", "Journal"), ("outbox", "Outbox"), ("clock", "Clock"),
        ("board", "Clinic board"), ("webhooks", "Webhooks"), ("faults", "Faults"), ("snapshots", "Snapshots"))
# The CSP of every inspector page: nothing inline, nothing from elsewhere, never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")


def _data(value):
    return jsonify({"data": value})


def _prefix() -> str:
    return request.environ.get("vsee_sim.prefix", "")


def _page(template: str, status: int = 200, **values):
    response = current_app.response_class(
        render_template(template, namespace=g.vsee_world.name, prefix=_prefix(), ui=security.ui_path(),
                        **values), status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _signin(message: str | None = None, status: int = 200):
    return _page("inspector/signin.html", status, message=message, signin_csrf=security.signin_csrf())


@blp.get(UI, strict_slashes=False)
def page():
    if not security.signed_in():
        return _signin()
    board = current_app.extensions.get("vsee_sim.inspector.board_assets", ((), ()))
    return _page("inspector/page.html", csrf=security.csrf_token(), tabs=TABS,
                 admin=bool(security.admin_token()), board_scripts=board[0], board_styles=board[1],
                 first=service.first_view(sim_state(), g.vsee_world))


@blp.post(f"{UI}/signin")
def signin():
    if not security.admin_token():
        return redirect(security.ui_path(), code=303)
    if not security.signin_csrf_ok(request.form.get(security.CSRF_FIELD)):
        return _signin("The form had expired: try again.", 403)
    if not security.token_matches(request.form.get("token")):
        return _signin("That is not the admin token.", 401)
    return security.set_session(redirect(security.ui_path(), code=303))


@blp.post(f"{UI}/signout")
@ui_action
def signout():
    return security.clear_session(_data(True))


@blp.get(f"{UI}/static/<path:filename>")
@outside_transaction
def static(filename: str):
    response = send_from_directory(STATIC, filename, max_age=600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- the JSON endpoints the page calls (api.get / api.post) ------------------------------------
API = f"{UI}/api"


@blp.get(f"{API}/overview")
@ui_read
def overview():
    return _data(service.overview(sim_state(), g.vsee_world))


@blp.get(f"{API}/namespaces")
@ui_read
def namespaces():
    return _data(service.namespaces(sim_state()))


@blp.post(f"{API}/namespaces/<name>/open")
@ui_action
def open_namespace(name):
    url = service.namespace_url(name)
    return security.set_session(_data({"url": url}), url[: -len(UI)])


@blp.post(f"{API}/namespaces/<name>/reset")
@outside_transaction
@ui_action
def reset_namespace(name):
    return _data(service.reset_namespace(sim_state(), name))


@blp.post(f"{API}/namespaces/<name>/drop")
@outside_transaction
@ui_action
def drop_namespace(name):
    return _data(service.drop_namespace(sim_state(), name))


@blp.get(f"{API}/journal")
@ui_read
def journal():
    args = parser.parse(schemas.JournalQuery(), request, location="query")
    return _data(service.journal(sim_state(), g.vsee_world, args))


@blp.get(f"{API}/journal/<int:entry_id>")
@ui_read
def journal_entry(entry_id):
    return _data(service.journal_entry(sim_state(), g.vsee_world, entry_id))


@blp.get(f"{API}/outbox")
@ui_read
def outbox():
    return _data(service.outbox(g.vsee_world))


@blp.get(f"{API}/clock")
@ui_read
def clock():
    return _data(service.clock(g.vsee_world))


@blp.post(f"{API}/clock")
@outside_transaction
@ui_action
def move_clock():
    args = parser.parse(schemas.ClockMove(), request, location="body")
    return _data(service.move_clock(sim_state(), g.vsee_world, args))


@blp.get(f"{API}/webhooks")
@ui_read
def webhooks():
    return _data(service.webhooks(g.vsee_world))


@blp.post(f"{API}/deliveries/<delivery_id>/retry")
@outside_transaction
@ui_action
def redeliver(delivery_id):
    return _data(service.redeliver(g.vsee_world, delivery_id))


@blp.get(f"{API}/faults")
@ui_read
def faults():
    return _data(service.faults(g.vsee_world))


@blp.post(f"{API}/faults")
@ui_action
def add_fault():
    args = parser.parse(schemas.FaultIn(), request, location="body")
    return _data(service.add_fault(g.vsee_world, args))


@blp.post(f"{API}/faults/<fault_id>/delete")
@ui_action
def delete_fault(fault_id):
    return _data(service.delete_fault(g.vsee_world, fault_id))


@blp.get(f"{API}/snapshots")
@ui_read
def snapshots():
    return _data(service.snapshots(g.vsee_world))


@blp.post(f"{API}/snapshots")
@ui_action
def save_snapshot():
    args = parser.parse(schemas.SnapshotIn(), request, location="body")
    return _data(service.save_snapshot(sim_state(), g.vsee_world, args["name"]))


@blp.post(f"{API}/snapshots/<name>/restore")
@ui_action
def restore_snapshot(name):
    return _data(service.restore_snapshot(g.vsee_world, name))


@blp.post(f"{API}/snapshots/<name>/delete")
@ui_action
def delete_snapshot(name):
    return _data(service.delete_snapshot(g.vsee_world, name))
