"""The inspector's safety: the admin sign-in and CSRF, for every /_sim/ui endpoint.

- **Sign-in.** With ``VSEE_SIM_ADMIN_TOKEN`` set, the page shows a sign-in form; the
  token is POSTed in the form body (never in a URL, never logged: /_sim requests are
  not journaled) and compared in constant time. What the browser keeps is not the
  token but a session value derived from it (HMAC-SHA256), in an HttpOnly,
  SameSite=Strict cookie whose Path is the UI (``<prefix>/_sim/ui``): no API request
  carries it. Opening another namespace's UI (``/ns/<name>/_sim/ui``) sets the cookie for
  that path too (``open_cookie``). Changing the admin token signs everyone out.
- **CSRF.** Every state-changing endpoint (``ui_action``) wants ``X-CSRF-Token``: an
  HMAC of the session under a per-process secret, given to the page in a meta tag
  (another site can neither read it nor send a custom header without CORS allowing it).
  With no admin token the session is the constant ``open``: the CSRF check still runs.
- ``ui_read``: the sign-in check only, for GETs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import wraps

from flask import current_app, request

from vsee_sim.core.errors import Forbidden, Unauthorized

COOKIE = "vsee_sim_ui"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
UI_PATH = "/_sim/ui"
_SECRET_KEY = "vsee_sim.inspector.secret"
_OPEN = "open"


def install(app) -> None:
    """A per-process CSRF secret (pages of another process, e.g. another shard, sign anew)."""
    app.extensions.setdefault(_SECRET_KEY, secrets.token_bytes(32))


def not_sniffed(response):
    """An after_request of the UI's blueprints: every answer is what its Content-Type says,
    so a recorded body served as JSON never becomes a page."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def admin_token() -> str | None:
    return current_app.extensions["vsee_sim"].settings.admin_token or None


def session_for(token: str) -> str:
    """What the cookie holds for an admin token: derived, so the token itself is not kept."""
    return hmac.new(token.encode(), b"vsee-sim inspector session", hashlib.sha256).hexdigest()


def token_matches(given: str | None) -> bool:
    token = admin_token()
    return bool(token) and hmac.compare_digest((given or "").encode(), token.encode())


def signed_in() -> bool:
    token = admin_token()
    if not token:
        return True
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_for(token).encode())


def _session() -> str:
    token = admin_token()
    return session_for(token) if token else _OPEN


def csrf_token() -> str:
    secret = current_app.extensions[_SECRET_KEY]
    return hmac.new(secret, _session().encode(), hashlib.sha256).hexdigest()


def signin_csrf() -> str:
    """The sign-in form's token (it guards the form only: it grants nothing)."""
    return hmac.new(current_app.extensions[_SECRET_KEY], b"sign-in", hashlib.sha256).hexdigest()


def signin_csrf_ok(given: str | None) -> bool:
    return hmac.compare_digest((given or "").encode(), signin_csrf().encode())


def csrf_ok(given: str | None) -> bool:
    return hmac.compare_digest((given or "").encode(), csrf_token().encode())


def ui_path(prefix: str | None = None) -> str:
    """``<prefix>/_sim/ui``: the cookie's Path and the page's address."""
    if prefix is None:
        prefix = request.environ.get("vsee_sim.prefix", "")
    return prefix + UI_PATH


class SignInRequired(Unauthorized):
    default_message = "Sign in to the inspector first (the admin token, VSEE_SIM_ADMIN_TOKEN)."


def require_sign_in() -> None:
    if not signed_in():
        raise SignInRequired()


def require_csrf() -> None:
    if not csrf_ok(request.headers.get(CSRF_HEADER)):
        raise Forbidden(f"The {CSRF_HEADER} header is missing or wrong: reload the inspector.")


def ui_read(view):
    """For a UI endpoint that only reads: signed in (when an admin token is set)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        require_sign_in()
        return view(*args, **kwargs)

    return wrapper


def ui_action(view):
    """For every UI endpoint that changes state: signed in, and the CSRF header."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        require_sign_in()
        require_csrf()
        return view(*args, **kwargs)

    return wrapper


def set_session(response, prefix: str | None = None):
    token = admin_token()
    if token:
        response.set_cookie(COOKIE, session_for(token), path=ui_path(prefix), httponly=True,
                            samesite="Strict", secure=request.is_secure)
    return response


def clear_session(response):
    response.delete_cookie(COOKIE, path=ui_path(), httponly=True, samesite="Strict")
    return response


__all__ = ["CSRF_HEADER", "csrf_token", "signed_in", "ui_action", "ui_read"]
