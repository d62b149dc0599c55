"""The portal's use cases: who is signed in, and what each page shows and does.

No Flask here: ``routes.py`` reads the request and renders; this module works on a
``Ctx`` built for the portal's cookie (not the X-ApiToken header) and calls the API
areas' services, so a page changes exactly the state the API reports.

Fidelity limits (the real portal is a whole web application; this is its stand-in):
- Only the pages the documented workflows name exist; they show what a test or a demo
  needs to see (ids, names, statuses, times in UTC), not VSee's layout.
- The session is the API access token itself, kept in an HttpOnly cookie: it ends when
  the token expires on the namespace clock or is logged out through the API.
- A patient entering the waiting room from the portal gets an intake made for them
  (reason as typed, the room chosen), as the real portal's intake form would.
- The call page is a stand-in: no audio or video, only the visit's state and controls.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

from vsee_sim.api.intakes import service as intakes
from vsee_sim.api.rooms import service as rooms
from vsee_sim.api.users import service as users
from vsee_sim.api.visits import booking, desk, rules
from vsee_sim.api.visits import service as visits
from vsee_sim.api.visits.present import present
from vsee_sim.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from vsee_sim.core.store import World
from vsee_sim.core.tenancy import Ctx, live_token

PATIENT_HOME = "/u/clinic"
PROVIDER_HOME = "/providers/dashboard"
UPCOMING = (rules.PENDING, rules.CONFIRMED, rules.IN_PROGRESS)


# -- who is signed in ---------------------------------------------------------------------
def host_account(world: World, host: str | None) -> str | None:
    """``<clinic>.vseepreview.com`` (the portal's host) or ``api-<clinic>.`` names the account."""
    label = (host or "").split(":")[0].split(".")[0].lower()
    label = label[len("api-"):] if label.startswith("api-") else label
    return label if label in world.accounts else None


def ctx_for(world: World, token_value: str | None, *, host: str | None, base_url) -> Ctx:
    """The context of a portal request: the cookie's live token, its account (else the host's)."""
    token = live_token(world, token_value)
    code = token["account"] if token else (host_account(world, host) or world.default_account)
    db = world.account(code)
    if db is None:
        raise NotFound(f"Account {code} not found.")
    if token is not None and db.users.get(token["user_id"]) is None:
        token = None
    return Ctx(world=world, db=db, token=token, base_url_source=base_url, raw_token=token_value)


def signed_in(ctx: Ctx) -> dict:
    """The signed-in user, or a 401 that says how to sign in."""
    if ctx.user is None:
        raise Unauthorized("You are not signed in, or your session has expired. "
                           "Sign in through <portal>/auth?sso_token=<token>&next=<page>.")
    return ctx.user


def sign_in(ctx: Ctx) -> dict:
    """/auth: the sso_token must be a live access token of a user of this clinic."""
    if ctx.user is None:
        raise Unauthorized("This sign-in link is invalid or has expired: get a new token from "
                           "POST /api_v3/users/sso.")
    return ctx.user


def landing(user: dict) -> str:
    """Where /auth goes without ``next``: the patient's clinic page or the provider's dashboard."""
    return PATIENT_HOME if users.is_patient(user) else PROVIDER_HOME


def safe_next(value: str | None, user: dict) -> str:
    """``next`` must be a path on this portal: never another host (no open redirect)."""
    if not value:
        return landing(user)
    parts = urlsplit(value)
    if (not value.startswith("/") or value.startswith(("//", "/\\")) or parts.scheme or parts.netloc
            or any(ord(ch) < 32 or ch == "\\" for ch in value)):
        raise BadRequest.field("next", "must be a path of this portal, such as /u/clinic.")
    return value


def csrf_for(token_value: str | None) -> str:
    """The forms' token: derived from the session's secret, so another site cannot forge it."""
    return hashlib.sha256(f"vsee-sim-portal:{token_value or ''}".encode()).hexdigest()[:32]


def check_csrf(token_value: str | None, sent: str | None) -> None:
    if not token_value or sent != csrf_for(token_value):
        raise Forbidden("This form has expired or did not come from this portal: reload the page.")


def require_patient(ctx: Ctx) -> dict:
    user = signed_in(ctx)
    if not users.is_patient(user):
        raise Forbidden("This page is for patients; providers use /providers/dashboard.")
    return user


def require_provider(ctx: Ctx) -> dict:
    user = signed_in(ctx)
    if not (users.is_provider(user) or users.is_staff(user)):
        raise Forbidden("This page is for providers and clinic staff.")
    return user


# -- views of records -------------------------------------------------------------------------
def is_patient(user: dict | None) -> bool:
    return users.is_patient(user)


def when(ts) -> str:
    """A unix time as the pages show it (UTC: the namespace clock has no zone)."""
    try:
        return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return "not set"


def duration(seconds) -> str:
    """Seconds as "42 s", "5 min" or "1 h 5 min" (portal.js formats the same way)."""
    seconds = max(0, int(seconds or 0))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def person_name(ctx: Ctx, user_id) -> str:
    user = ctx.db.users.get(str(user_id)) if user_id else None
    return users.full_name(user) or (f"User {user_id}" if user_id else "")


def visit_row(ctx: Ctx, visit: dict) -> dict:
    """A visit as the portal's lists show it (light: no eRx, no call logs)."""
    room = ctx.db.rooms.find_one("code", visit.get("room_code")) if visit.get("room_code") else None
    intake = ctx.db.intakes.get(visit.get("intake_id")) if visit.get("intake_id") else None
    status = int(visit.get("status") or 0)
    return {
        "id": visit["id"], "status": status, "status_name": rules.STATUSES.get(status, "unknown"),
        "type": int(visit.get("type") or 0), "waiting": rules.is_waiting(visit),
        "start": visit.get("start"), "end": visit.get("end"), "created": visit.get("created"),
        "actual_start": visit.get("actual_start"), "member_id": visit.get("member_id"),
        "room_code": visit.get("room_code"), "room_name": (room or {}).get("name") or visit.get("room_code"),
        "provider_id": visit.get("provider_id"), "provider_name": person_name(ctx, visit.get("provider_id")),
        "member_name": person_name(ctx, visit.get("member_id")),
        "reason_for_visit": (intake or {}).get("reason_for_visit") or "",
        "waited": max(0, ctx.now - int(visit.get("created") or ctx.now)),
    }


def _visit(ctx: Ctx, user: dict, visit_id: str) -> dict:
    visit = ctx.db.visits.get(str(visit_id))
    if visit is None:
        raise NotFound(f"Visit {visit_id} not found.")
    if not visits.can_see(ctx, user, visit):
        raise Forbidden(f"You may not see visit {visit_id}.")
    return visit


# -- the patient's pages ----------------------------------------------------------------------
def clinic(ctx: Ctx) -> dict:
    """/u/clinic: the patient's upcoming visits and the rooms open for walk-ins."""
    user = require_patient(ctx)
    visits.expire_waiting(ctx)
    mine = [v for v in ctx.db.visits.find("member_id", user["id"]) if int(v.get("status") or 0) in UPCOMING]
    mine.sort(key=lambda v: (int(v.get("start") or 0), rules.queue_key(v)))
    return {"user": user, "visits": [visit_row(ctx, v) for v in mine], "rooms": open_rooms(ctx, user)}


def open_rooms(ctx: Ctx, user: dict) -> list[dict]:
    """Rooms taking walk-ins now (not closed, walk-ins enabled); the patient's default first."""
    found = []
    for room in ctx.db.rooms.all():
        try:
            visits.room_open(room, "walkin")
        except BadRequest:
            continue
        found.append({"code": room["code"], "name": room.get("name") or room["code"],
                      "providers": len(room.get("provider_ids") or [])})
    found.sort(key=lambda r: r["code"] != user.get("default_room"))
    return found


def enter_waiting_room(ctx: Ctx, room_code: str | None, reason: str | None,
                       appointment_id: str | None = None) -> dict:
    """A walk-in as the patient, through the API's own add_walkin (with an intake made for it)."""
    user = require_patient(ctx)
    args: dict = {}
    if appointment_id:
        appointment = _visit(ctx, user, appointment_id)
        args["visit_id"] = appointment["id"]
        room_code = appointment.get("room_code")
        if appointment.get("intake_id"):
            return visits.add_walkin(ctx, args)
    if not (room_code or "").strip():
        raise BadRequest.missing("room_code")
    intake = intakes.create_intake(ctx, {"room_code": room_code.strip(), "type": 1,
                                         "reason_for_visit": (reason or "").strip() or "Walk-in visit"})
    return visits.add_walkin(ctx, {**args, "room_code": room_code.strip(), "intake_id": intake["id"]})


def waiting(ctx: Ctx, visit_id: str) -> dict:
    """/u/waiting/<id>: the patient's place in the queue; a keep-alive on every look."""
    user = require_patient(ctx)
    visits.expire_waiting(ctx)
    visit = _visit(ctx, user, visit_id)
    if visit.get("member_id") != user["id"]:
        raise Forbidden(f"Visit {visit_id} is another patient's.")
    users.alive(ctx, None)
    row = visit_row(ctx, visit)
    row["queue"] = visits.queue(ctx, visit["room_code"]) if row["waiting"] else None
    return row


def leave(ctx: Ctx, visit_id: str) -> dict:
    """The patient leaves the waiting room: POST /visits/close's cancel (reason patientexitroom)."""
    user = require_patient(ctx)
    visit = _visit(ctx, user, visit_id)
    if not rules.is_waiting(visit):
        raise BadRequest(f"Visit {visit_id} is not waiting (status {rules.describe(int(visit['status']))}).")
    return visits.close(ctx, {"id": visit["id"]})


# -- every signed-in user ------------------------------------------------------------------------
def call(ctx: Ctx, visit_id: str) -> dict:
    """/visits/inbrowser_calling/<id> and /visits/start/<id>: the call stand-in."""
    user = signed_in(ctx)
    visits.expire_waiting(ctx)
    visit = _visit(ctx, user, visit_id)
    row = visit_row(ctx, visit)
    shown = present(ctx, visit)
    row.update(meeting_id=(shown.get("meeting") or {}).get("meeting_id"),
               provider_side=users.is_provider(user) or users.is_staff(user),
               is_member=visit.get("member_id") == user["id"])
    row["can_start"] = row["provider_side"] and row["status"] in (rules.PENDING, rules.CONFIRMED)
    row["can_end"] = row["provider_side"] and row["status"] == rules.IN_PROGRESS
    row["can_check_in"] = (row["is_member"] and row["type"] == rules.SCHEDULED
                           and row["status"] == rules.CONFIRMED and not visit.get("related_walkin_id"))
    return row


def visit_status(ctx: Ctx, visit_id: str) -> dict:
    """What the live pages poll: status, queue place; records the poller's keep-alive."""
    user = signed_in(ctx)
    visits.expire_waiting(ctx)
    visit = _visit(ctx, user, visit_id)
    users.alive(ctx, None)
    row = visit_row(ctx, visit)
    mine = row["waiting"] and row["member_id"] == user["id"]
    queue = visits.queue(ctx, visit["room_code"]) if mine else None
    return {"id": row["id"], "status": row["status"], "status_name": row["status_name"],
            "waiting": row["waiting"], "waited": row["waited"], "version": str(row["status"]),
            **({k: queue[k] for k in ("before_me", "waiting_time", "length")} if queue else {})}


def appointment(ctx: Ctx, visit_id: str) -> dict:
    """/members/appointment/<id>: the appointment as its patient (or its provider) sees it."""
    return call(ctx, visit_id)


def redeem_link(ctx: Ctx, visit_id: str, token: str | None) -> dict:
    """The one-time link: valid once (booking.use_one_time_link says when); signs the member in.

    Returns the new access token of the appointment's patient.
    """
    visit = booking.use_one_time_link(ctx, str(visit_id), (token or "").strip())
    member = ctx.db.users.get(visit.get("member_id"))
    if member is None:
        raise NotFound(f"The patient of visit {visit_id} no longer exists.")
    access, _refresh = users.issue_tokens(ctx, member, via="one_time_link")
    return access


# -- the provider's dashboard ---------------------------------------------------------------------
def _waiting_alive(ctx: Ctx, user: dict) -> tuple[list[dict], int]:
    """The walk-ins waiting for this provider (staff: everyone's) whose patient is alive,
    oldest first (visits.waiting_alive), and how many more wait offline."""
    staff = users.is_staff(user)
    alive = desk.waiting_alive(ctx) if staff else desk.waiting_alive(ctx, provider_id=user["id"])
    codes = {room["code"] for room in rooms.provider_rooms(ctx, user["id"])}
    waiting = [v for v in ctx.db.visits.find("status", rules.PENDING) if rules.is_waiting(v) and (
        staff or (v.get("room_code") in codes and v.get("provider_id") in (None, "", user["id"])))]
    return alive, max(0, len(waiting) - len(alive))


def dashboard(ctx: Ctx) -> dict:
    """/providers/dashboard: waiting patients who are online, calls in progress, appointments."""
    user = require_provider(ctx)
    visits.expire_waiting(ctx)
    users.alive(ctx, None)
    staff = users.is_staff(user)

    def mine(status: int) -> list[dict]:
        found = [v for v in ctx.db.visits.find("status", status)
                 if staff or v.get("provider_id") == user["id"]]
        return sorted(found, key=lambda v: (int(v.get("start") or 0), rules.queue_key(v)))

    alive, offline = _waiting_alive(ctx, user)
    appointments = [v for v in mine(rules.CONFIRMED)
                    if int(v.get("type") or 0) == rules.SCHEDULED and int(v.get("end") or 0) >= ctx.now]
    view = {"user": user, "waiting": [visit_row(ctx, v) for v in alive], "offline": offline,
            "in_progress": [visit_row(ctx, v) for v in mine(rules.IN_PROGRESS)],
            "appointments": [visit_row(ctx, v) for v in appointments[:50]]}
    view["version"] = _version(view)
    return view


def _version(view: dict) -> str:
    """Changes when a list of the dashboard changes: the page reloads itself then."""
    parts = [f"{name}:{','.join(r['id'] for r in view[name])}" for name in ("waiting", "in_progress",
                                                                           "appointments")]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def dashboard_status(ctx: Ctx) -> dict:
    view = dashboard(ctx)
    return {"version": view["version"], "waiting_count": len(view["waiting"]),
            "in_progress_count": len(view["in_progress"])}


def _actor(ctx: Ctx, visit_id: str) -> dict | None:
    """The provider acting: the signed-in provider; for staff, the visit's own provider."""
    user = require_provider(ctx)
    _visit(ctx, user, visit_id)
    return user if users.is_provider(user) else None


def start_visit(ctx: Ctx, visit_id: str) -> dict:
    """The provider's Start (10/20 -> 25), the visits area's provider-side use case."""
    return desk.provider_start(ctx, str(visit_id), _actor(ctx, visit_id))


def end_visit(ctx: Ctx, visit_id: str) -> dict:
    """The provider's End (25 -> 30, reason call_ended)."""
    return desk.provider_end(ctx, str(visit_id), _actor(ctx, visit_id))
