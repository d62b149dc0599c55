"""The portal's pages (DESIGN decision 11): thin views over ``service.py``.

One blueprint, registered under "", "/vc/next" and "/vc/stable" (``install``); with the
``/ns/<name>`` prefix BasePaths strips, every link and redirect keeps both prefixes the
visitor came in by (``link``). Views run inside the namespace's transaction
(SimFlask): a page that fails changes nothing. Errors are HTML pages with the error's
status, never JSON and never a traceback; the two small JSON endpoints the live pages
poll answer errors the same way (the script only looks at the status).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from vsee_sim.core.errors import ApiError
from vsee_sim.core.http import error_response, external_base, http_error, outside_transaction
from vsee_sim.core.tenancy import DEFAULT_NAMESPACE, Ctx
from vsee_sim.portal import service

log = logging.getLogger("vsee_sim.portal")

bp = Blueprint("portal", __name__, template_folder="templates")
PREFIXES = {"portal": "", "portal-next": "/vc/next", "portal-stable": "/vc/stable"}
SESSION_COOKIE = "vsee_sim_portal"
NONAV_COOKIE = "vsee_sim_nonav"
STATIC = Path(__file__).parent / "static"
_NOT_IN_COOKIE_NAME = re.compile(r"[^A-Za-z0-9._-]")
POLL_MS = 1500


def install(app) -> None:
    """Answer the portal under each of its base paths, with distinct endpoint names."""
    for name, prefix in PREFIXES.items():
        app.register_blueprint(bp, name=name, url_prefix=prefix or None)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _routing_error(err: HTTPException):
        """A browser lost outside the API gets an HTML page; API clients keep VSee's JSON body.

        (Routing errors belong to no blueprint, so the portal's own handlers never see them.)"""
        browser = request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
        if browser and not request.path.startswith(("/api_v3", "/_sim", "/docs")):
            page = _http_error(err)
            if getattr(err, "valid_methods", None):
                page.headers["Allow"] = ", ".join(err.valid_methods)
            return page
        return error_response(http_error(err))


# -- request helpers ---------------------------------------------------------------------------
def ns_prefix() -> str:
    return request.environ.get("vsee_sim.prefix", "")


def base() -> str:
    """/ns/<name> (if any) + /vc/next or /vc/stable (if any): where this visitor's portal lives."""
    return ns_prefix() + PREFIXES.get(request.blueprint or "portal", "")


def cookie_name(base_name: str) -> str:
    """Each namespace's cookies have names of their own (``<name>_<namespace>``; the default
    namespace's are plain): the default namespace's cookies have Path=/, so a browser sends
    them to every /ns/<name>/ page too, where the demo's tokens are just as valid."""
    world = g.get("vsee_world")
    namespace = world.name if world is not None else DEFAULT_NAMESPACE
    if namespace == DEFAULT_NAMESPACE:
        return base_name
    return f"{base_name}_{_NOT_IN_COOKIE_NAME.sub('_', namespace)}"


def session_value() -> str | None:
    """The session cookie of this namespace: the access token, if any."""
    return request.cookies.get(cookie_name(SESSION_COOKIE))


def link(endpoint: str, **values) -> str:
    # A routing error (an unknown page) belongs to no blueprint: link to the plain portal.
    return ns_prefix() + url_for(f"{request.blueprint or 'portal'}.{endpoint}", **values)


def ctx(token_value: str | None = None) -> Ctx:
    """The portal's context: the session cookie's user (or the token given), in its account."""
    found = g.get("vsee_portal_ctx")
    if found is None or token_value is not None:
        value = token_value if token_value is not None else session_value()
        found = service.ctx_for(g.vsee_world, value, host=request.host, base_url=external_base)
        g.vsee_portal_ctx = g.vsee_ctx = found   # current_ctx() answers the same
    return found


def go(url: str, status: int = 303):
    return redirect(url, code=status)


def form_ctx() -> Ctx:
    """A POSTed form's context, after its CSRF check (the field must match the session)."""
    found = ctx()
    service.check_csrf(session_value(), request.form.get("csrf"))
    return found


def render(template: str, *, status: int = 200, title: str, **values):
    response = current_app.response_class(render_template(template, title=title, **values), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def with_session(response, token: str, *, nonav: bool | None):
    path = ns_prefix() or "/"
    response.set_cookie(cookie_name(SESSION_COOKIE), token, path=path, httponly=True, samesite="Lax")
    if nonav:
        response.set_cookie(cookie_name(NONAV_COOKIE), "1", path=path, httponly=True, samesite="Lax")
    elif nonav is False:
        response.delete_cookie(cookie_name(NONAV_COOKIE), path=path)
    return response


@bp.app_context_processor  # app-wide: the error page of an unknown page renders outside the blueprint
def _common() -> dict:
    found = g.get("vsee_portal_ctx")
    user = found.user if found is not None else None
    return {
        "link": link, "static_url": lambda name: link("static", filename=name), "user": user,
        "nav": request.cookies.get(cookie_name(NONAV_COOKIE)) != "1", "poll_ms": POLL_MS,
        "csrf": service.csrf_for(session_value()),
        "is_patient": service.is_patient(user), "clinic_name": found.db.meta.get("name") if found else "",
        "when": service.when, "duration": service.duration,
    }


# -- errors: HTML pages with the error's status ------------------------------------------------
def error_page(status: int, message: str):
    try:
        return render("error.html", status=status, title=f"Error {status}", status_code=status,
                      message=message)
    except Exception:  # the error page itself must not fail
        log.exception("portal error page failed")
        html = (f"<!doctype html><title>Error {status}</title><h1>Error {status}</h1>"
                f"<p data-testid='error-message'>{escape(message)}</p>")
        return current_app.response_class(html, status=status, mimetype="text/html")


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    return error_page(err.status, err.message)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    messages = {404: "Sorry, this page is not available.", 405: "This page does not take that request."}
    return error_page(err.code or 500, messages.get(err.code) or err.description or "Error.")


@bp.errorhandler(Exception)
def _unexpected(err: Exception):
    log.exception("unhandled portal error on %s %s", request.method, request.path)
    return error_page(500, "Something went wrong on this page.")


# -- static files (outside the world's lock) ----------------------------------------------------
@bp.get("/portal-static/<path:filename>")
@outside_transaction
def static(filename: str):
    return send_from_directory(STATIC, filename, max_age=3600)


# -- the landing page: what this is, and where to go ---------------------------------------------------
@bp.get("/", strict_slashes=False)  # BasePaths drops a trailing slash: /vc/next/ arrives as /vc/next
def landing():
    world = g.get("vsee_world")
    return render("landing.html", title="vsee-sim", prefix=ns_prefix(),
                  namespace=world.name if world is not None else DEFAULT_NAMESPACE,
                  api_base=request.host_url.rstrip("/") + ns_prefix() + "/api_v3/",
                  portal_base=request.host_url.rstrip("/") + base())


# -- sign in, sign out ------------------------------------------------------------------------------
@bp.get("/auth")
def auth():
    """The SSO landing: ``?sso_token=<access token>&next=<path>[&disable_navigation=1]``."""
    found = ctx(request.args.get("sso_token") or "")
    user = service.sign_in(found)
    target = service.safe_next(request.args.get("next"), user)
    nonav = request.args.get("disable_navigation", "").strip().lower() in ("1", "true", "yes")
    return with_session(go(base() + target, 302), found.token["token"], nonav=nonav)


@bp.get("/logout")
def logout_page():
    """A signed-in visitor gets a sign-out button (a POST with the CSRF field): a link or an
    image on another site cannot sign anyone out."""
    signed_in = bool(session_value())
    return render("signed_out.html", title="Sign out" if signed_in else "Signed out", signed_in=signed_in)


@bp.post("/logout")
def logout():
    if session_value():
        service.check_csrf(session_value(), request.form.get("csrf"))
    response = render("signed_out.html", title="Signed out", signed_in=False)
    path = ns_prefix() or "/"
    response.delete_cookie(cookie_name(SESSION_COOKIE), path=path)
    response.delete_cookie(cookie_name(NONAV_COOKIE), path=path)
    return response


# -- the patient's pages ------------------------------------------------------------------------------
@bp.get("/u/clinic")
def clinic():
    view = service.clinic(ctx())
    return render("clinic.html", title="My clinic", **view)


@bp.post("/u/waiting")
def enter_waiting_room():
    found = form_ctx()
    form = request.form
    visit = service.enter_waiting_room(found, form.get("room_code"), form.get("reason_for_visit"),
                                       form.get("appointment_id") or None)
    return go(link("waiting", visit_id=visit["id"]))


@bp.get("/u/waiting/<visit_id>")
def waiting(visit_id: str):
    view = service.waiting(ctx(), visit_id)
    if not view["waiting"]:
        return go(link("inbrowser_calling", visit_id=visit_id), 302)
    return render("waiting.html", title="Waiting room", visit=view,
                  poll_url=link("visit_status", visit_id=visit_id),
                  next_url=link("inbrowser_calling", visit_id=visit_id))


@bp.post("/u/waiting/<visit_id>/leave")
def leave(visit_id: str):
    service.leave(form_ctx(), visit_id)
    return go(link("clinic"))


# -- the call stand-in and the appointment ---------------------------------------------------------------
def _call_page(visit_id: str, *, page: str):
    found = ctx()
    view = service.call(found, visit_id)
    if view["waiting"] and view["is_member"]:
        return go(link("waiting", visit_id=visit_id), 302)
    return render("call.html", title=f"Visit {view['id']}", visit=view, page=page,
                  poll_url=link("visit_status", visit_id=visit_id))


@bp.get("/visits/inbrowser_calling/<visit_id>")
def inbrowser_calling(visit_id: str):
    return _call_page(visit_id, page="inbrowser_calling")


@bp.get("/visits/start/<visit_id>")
def start_page(visit_id: str):
    return _call_page(visit_id, page="start")


@bp.get("/visits/status/<visit_id>")
def visit_status(visit_id: str):
    response = jsonify(service.visit_status(ctx(), visit_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/visits/start/<visit_id>")
def start(visit_id: str):
    service.start_visit(form_ctx(), visit_id)
    return go(link("start_page", visit_id=visit_id))


@bp.post("/visits/end/<visit_id>")
def end(visit_id: str):
    service.end_visit(form_ctx(), visit_id)
    back = request.form.get("return_to")
    return go(link("dashboard") if back == "dashboard" else link("start_page", visit_id=visit_id))


@bp.get("/members/appointment/<visit_id>")
def member_appointment(visit_id: str):
    """The one-time link (``?token=``) signs the patient in once; then the page shows the appointment."""
    token = request.args.get("token")
    if token is not None:
        access = service.redeem_link(ctx(), visit_id, token)
        response = go(link("member_appointment", visit_id=visit_id), 302)
        return with_session(response, access["token"], nonav=None)
    view = service.appointment(ctx(), visit_id)
    return render("appointment.html", title=f"Appointment {view['id']}", visit=view)


# -- the provider's dashboard -----------------------------------------------------------------------------
@bp.get("/providers/dashboard")
def dashboard():
    view = service.dashboard(ctx())
    return render("dashboard.html", title="Provider dashboard", poll_url=link("dashboard_status"), **view)


@bp.get("/providers/dashboard/status")
def dashboard_status():
    response = jsonify(service.dashboard_status(ctx()))
    response.headers["Cache-Control"] = "no-store"
    return response
