"""The portal's pages through Flask's test client: sign-in, pages, access rules, state changes.

Every page is read as HTML (title, h1, data-testid); every change a page makes is checked
through the API (GET /api_v3/visits/<id>), as an integrating client would see it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from clinic import PATIENT_201, PATIENT_575, PROVIDER_826, PROVIDER_85741, auth
from portal_helpers import Page, sso

MONDAY_0815_PDT = 1470669300          # the documented slot (provider 826 works then in ceproom1)
PREFIXES = ["", "/vc/next", "/vc/stable"]


@pytest.fixture()
def new_client(app, ns):
    """Another browser (its own cookies) in this test's namespace."""

    def make():
        other = app.test_client()
        other.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
        return other

    return make


def sign_in(client, token: str, base: str = "/vc/next", next_: str | None = "/u/clinic", **extra):
    query = f"sso_token={token}" + (f"&next={quote(next_, safe='/')}" if next_ is not None else "")
    query += "".join(f"&{k}={v}" for k, v in extra.items())
    return client.get(f"{base}/auth?{query}")


def get(client, path: str) -> Page:
    return Page(client.get(path))


def api_visit(client, visit_id: str, token: str = PROVIDER_826) -> dict:
    response = client.get(f"/api_v3/visits/{visit_id}", headers=auth(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def session_cookie(client, path: str = "/"):
    ns = client.environ_base.get("HTTP_X_SIM_NAMESPACE")  # each namespace's cookie has its own name
    return client.get_cookie(f"vsee_sim_portal_{ns}" if ns else "vsee_sim_portal", path=path)


def enter(client, base: str = "/vc/next", room: str = "ceproom1", reason: str = "Sore throat") -> str:
    """Enter the waiting room from /u/clinic's form: the new visit's id."""
    page = get(client, f"{base}/u/clinic")
    r = client.post(f"{base}/u/waiting", data={"csrf": page.csrf, "room_code": room, "reason_for_visit": reason})
    assert r.status_code == 303, r.get_data(as_text=True)
    match = re.fullmatch(rf"{re.escape(base)}/u/waiting/(\d+)", r.headers["Location"])
    assert match, r.headers["Location"]
    return match.group(1)


def assert_error_page(page: Page, status: int, *words: str) -> None:
    assert page.status == status, page.html
    assert page.response.mimetype == "text/html"
    assert page.h1 == f"Error {status}" and page.title.startswith(f"Error {status}")
    for word in words:
        assert word in page.text("error-message")
    assert "Traceback" not in page.html


# -- /auth ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("base", PREFIXES)
def test_auth_sets_the_session_cookie_and_redirects_under_the_same_prefix(client, ns, base):
    data = sso(client, code=f"auth{len(base)}")
    r = sign_in(client, data["token"]["token"], base)
    assert r.status_code == 302 and r.headers["Location"] == f"{base}/u/clinic"
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith(f"vsee_sim_portal_{ns}="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie + ";"
    page = get(client, r.headers["Location"])
    assert page.status == 200 and page.h1 == "My clinic"
    assert data["id"] in page.text("patient-name")
    assert page.links and all(link.startswith(f"{base}/") for link in page.links), page.links


def test_auth_under_a_namespace_prefix_keeps_both_prefixes(app, ns):
    browser = app.test_client()            # no namespace header: the URL alone names it
    data = sso(browser, code="nsuser", prefix=f"/ns/{ns}")
    r = sign_in(browser, data["token"]["token"], f"/ns/{ns}/vc/stable")
    assert r.status_code == 302 and r.headers["Location"] == f"/ns/{ns}/vc/stable/u/clinic"
    assert "Path=/ns/" + ns in next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("vsee_sim_portal"))
    page = get(browser, r.headers["Location"])
    assert page.status == 200 and data["id"] in page.text("patient-name")
    assert all(link.startswith(f"/ns/{ns}/vc/stable/") for link in page.links), page.links
    # the user lives in that namespace only: the default namespace does not know the token
    assert_error_page(Page(sign_in(app.test_client(), data["token"]["token"], "/vc/next")), 401)


def test_auth_without_next_lands_by_role(client):
    patient = sso(client, code="rolep")
    assert sign_in(client, patient["token"]["token"], next_=None).headers["Location"] == "/vc/next/u/clinic"
    provider = sso(client, kind=400, code="roled")
    r = sign_in(client, provider["token"]["token"], next_=None)
    assert r.headers["Location"] == "/vc/next/providers/dashboard"
    assert get(client, r.headers["Location"]).h1 == "Provider dashboard"


def test_auth_follows_next_with_its_query_as_the_documented_call_link(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    r = sign_in(client, PATIENT_575, next_=f"/visits/inbrowser_calling/{visit['id']}?from=portal")
    assert r.headers["Location"] == f"/vc/next/visits/inbrowser_calling/{visit['id']}?from=portal"
    # a waiting patient is taken on to the waiting room
    r = client.get(r.headers["Location"])
    assert r.status_code == 302 and r.headers["Location"] == f"/vc/next/u/waiting/{visit['id']}"


@pytest.mark.parametrize("token", ["0" * 32, "not-a-token", ""])
def test_auth_with_an_unknown_token_is_a_401_page_and_no_cookie(client, token):
    r = sign_in(client, token)
    assert_error_page(Page(r), 401, "invalid or has expired")
    assert not any(c.startswith("vsee_sim_portal") for c in r.headers.getlist("Set-Cookie"))
    assert session_cookie(client) is None


def test_auth_with_an_expired_or_logged_out_token_is_a_401_page(client, world):
    token = sso(client, code="expiring")["token"]["token"]
    world.clock.freeze(world.clock.ts() + 86401)             # the access token lives 86400 s
    assert_error_page(Page(sign_in(client, token)), 401)
    world.clock.real()
    other = sso(client, code="leaving")["token"]["token"]
    assert client.post("/api_v3/users/logout", headers=auth(other)).status_code == 200
    assert_error_page(Page(sign_in(client, other)), 401)


@pytest.mark.parametrize("next_", ["https://evil.example/u/clinic", "//evil.example/u/clinic", "/\\evil.example",
                                   "javascript:alert(1)", "u/clinic", "/u/clinic\r\nX-Bad: 1"])
def test_next_must_be_a_local_path(client, next_):
    r = sign_in(client, PATIENT_201, next_=next_)
    assert_error_page(Page(r), 400, "next")
    assert "Location" not in r.headers and session_cookie(client) is None


def test_a_session_ends_with_its_token(client, world):
    token = sso(client, code="session")["token"]["token"]
    sign_in(client, token)
    assert get(client, "/vc/next/u/clinic").status == 200
    world.clock.freeze(world.clock.ts() + 86401)
    assert_error_page(get(client, "/vc/next/u/clinic"), 401, "not signed in")


def test_sign_out_clears_the_session(client):
    sign_in(client, PATIENT_201)
    form = get(client, "/vc/next/logout")
    assert form.status == 200 and form.has("logout-button") and session_cookie(client) is not None
    r = client.post("/vc/next/logout", data={"csrf": form.csrf})
    assert r.status_code == 200 and session_cookie(client) is None
    assert_error_page(get(client, "/vc/next/u/clinic"), 401)


def test_sign_out_needs_the_form_so_another_site_cannot_sign_anyone_out(client):
    sign_in(client, PATIENT_201)
    assert get(client, "/vc/next/logout").status == 200          # a cross-site link or <img>
    for form in ({}, {"csrf": "0" * 32}):                         # a cross-site form post
        assert client.post("/vc/next/logout", data=form).status_code == 403
    assert get(client, "/vc/next/u/clinic").status == 200         # still signed in


def test_portal_pages_and_docs_cannot_be_framed(client):
    sign_in(client, PATIENT_201)
    for path in ("/vc/next/u/clinic", "/vc/next/logout", "/docs", "/vc/next/u/nowhere"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.mimetype == "text/html", path
        assert r.headers["X-Frame-Options"] == "DENY", path
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'", path


# -- every page: HTML, offline, titled ------------------------------------------------------------------
def test_pages_need_a_session(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    for path in ("/u/clinic", "/providers/dashboard", f"/u/waiting/{visit['id']}",
                 f"/visits/inbrowser_calling/{visit['id']}", f"/visits/start/{visit['id']}",
                 f"/visits/status/{visit['id']}", f"/members/appointment/{visit['id']}"):
        assert_error_page(get(client, f"/vc/next{path}"), 401)


def test_pages_have_a_title_an_h1_and_no_external_resource(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    sign_in(client, PATIENT_575)
    for path in ("/u/clinic", f"/u/waiting/{visit['id']}", "/visits/inbrowser_calling/7727",
                 "/members/appointment/7727", "/visits/inbrowser_calling/nope"):
        page = get(client, f"/vc/next{path}")
        assert page.title and page.h1, path
        assert not any(re.match(r"(https?:)?//", link) for link in page.links), (path, page.links)
    css = client.get("/vc/next/portal-static/portal.css")
    assert css.status_code == 200 and "body" in css.get_data(as_text=True)
    assert client.get("/vc/next/portal-static/nothing.css").status_code == 404


# -- the patient's clinic and waiting room ----------------------------------------------------------------
def test_clinic_lists_the_patients_upcoming_visits_only(client):
    sign_in(client, PATIENT_201)            # demo: 7730 in progress, 7728 completed
    page = get(client, "/vc/next/u/clinic")
    assert page.has("visit-7730") and not page.has("visit-7728")
    assert "in progress (25)" in page.text("visit-7730")
    assert page.attr("join-7730", "href") == "/vc/next/visits/inbrowser_calling/7730"
    sign_in(client, PATIENT_575)            # demo: 7727 booked, 14 waiting
    page = get(client, "/vc/next/u/clinic")
    assert {"visit-14", "visit-7727"} <= set(page.testids("visit-"))
    assert "confirmed (20)" in page.text("visit-7727") and "pending (10)" in page.text("visit-14")
    assert page.attr("join-14", "href") == "/vc/next/u/waiting/14"
    assert "ceproom1" in page.text("walkin-room")


def test_entering_the_waiting_room_makes_a_walkin_the_api_reports(client, clinic):
    token = sso(client, code="walker")["token"]["token"]
    sign_in(client, token)
    before = clinic.queue("ceproom1")["length"]
    visit_id = enter(client, reason="Sore throat")
    visit = api_visit(client, visit_id, token)
    assert (visit["status"], visit["type"], visit["room_code"]) == (10, 1, "ceproom1")
    assert visit["intake"]["reason_for_visit"] == "Sore throat"
    page = get(client, f"/vc/next/u/waiting/{visit_id}")
    assert page.status == 200 and page.h1 == "Waiting room" and page.text("visit-id") == visit_id
    queue = clinic.queue("ceproom1", token)
    assert page.text("before-me") == str(queue["before_me"]) == str(before)
    assert page.text("queue-length") == str(before + 1)
    assert page.attr("page-waiting", "data-poll-url") == f"/vc/next/visits/status/{visit_id}"


def test_a_form_without_its_csrf_field_changes_nothing(client, clinic):
    sign_in(client, PATIENT_201)
    before = clinic.queue("ceproom1")["length"]
    for form in ({"room_code": "ceproom1"}, {"room_code": "ceproom1", "csrf": "0" * 32}):
        assert_error_page(Page(client.post("/vc/next/u/waiting", data=form)), 403, "form")
    assert clinic.queue("ceproom1")["length"] == before


def test_a_closed_room_is_not_offered_and_refused(client, world):
    world.account("vclinic").rooms.update(
        world.account("vclinic").rooms.find_one("code", "room1")["id"],
        operation_settings={"is_closed": True, "close_msg": "Closed for lunch"})
    sign_in(client, PATIENT_201)
    page = get(client, "/vc/next/u/clinic")
    assert "(room1)" not in page.text("walkin-room") and "ceproom1" in page.text("walkin-room")
    r = client.post("/vc/next/u/waiting", data={"csrf": page.csrf, "room_code": "room1"})
    assert_error_page(Page(r), 400, "Closed for lunch")


def test_the_status_endpoint_reports_the_queue_and_keeps_the_patient_alive(client, clinic, world):
    data = sso(client, code="poller")
    sign_in(client, data["token"]["token"])
    visit_id = enter(client)
    world.clock.freeze(world.clock.ts() + 120)
    status = client.get(f"/vc/next/visits/status/{visit_id}").get_json()
    assert status["status"] == 10 and status["version"] == "10" and status["waiting"] is True
    assert status["waited"] == 120 and status["before_me"] == clinic.queue("ceproom1", data["token"]["token"])["before_me"]
    user = world.account("vclinic").users.get(data["id"])
    assert user["last_connected"] == world.clock.ts()


def test_leaving_the_waiting_room_cancels_the_walkin(client):
    token = sso(client, code="leaver")["token"]["token"]
    sign_in(client, token)
    visit_id = enter(client)
    page = get(client, f"/vc/next/u/waiting/{visit_id}")
    r = client.post(f"/vc/next/u/waiting/{visit_id}/leave", data={"csrf": page.csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/vc/next/u/clinic"
    assert (api_visit(client, visit_id, token)["status"], api_visit(client, visit_id, token)["reason"]) == \
        (40, "patientexitroom")


def test_patients_see_only_their_own_visits(client, clinic):
    other = clinic.walkin(PATIENT_575)
    sign_in(client, PATIENT_201)
    assert_error_page(get(client, f"/vc/next/u/waiting/{other['id']}"), 403)
    assert_error_page(get(client, f"/vc/next/visits/inbrowser_calling/{other['id']}"), 403)
    assert_error_page(get(client, f"/vc/next/visits/status/{other['id']}"), 403)
    assert_error_page(get(client, "/vc/next/visits/inbrowser_calling/99999999"), 404)
    assert_error_page(get(client, "/vc/next/providers/dashboard"), 403, "providers")


# -- the provider's dashboard and the call ----------------------------------------------------------------
def test_dashboard_shows_alive_waiting_patients_only(client, new_client, clinic, world):
    offline = clinic.walkin(sso(client, code="gone")["token"]["token"])
    world.clock.freeze(world.clock.ts() + 301)               # past the default heartbeat
    patient = new_client()
    sign_in(patient, sso(client, code="here")["token"]["token"])
    alive_id = enter(patient)
    sign_in(client, PROVIDER_826)
    page = get(client, "/vc/next/providers/dashboard")
    assert page.status == 200 and page.has(f"waiting-{alive_id}") and not page.has(f"waiting-{offline['id']}")
    assert "Pat Here" in page.text(f"waiting-{alive_id}")
    assert int(page.text("offline").split()[0]) >= 1
    assert page.has("in-progress-7730") and page.has("end-7730")             # demo: 826's call
    assert not page.has("appointment-67258")                                  # demo: 826's, ended in 2021
    # a provider of another room does not see this room's patients
    sign_in(client, PROVIDER_85741)
    assert not get(client, "/vc/next/providers/dashboard").has(f"waiting-{alive_id}")


def test_dashboard_buttons_drive_the_state_the_api_reports(client, new_client):
    patient = new_client()
    token = sso(client, code="caller")["token"]["token"]
    sign_in(patient, token)
    visit_id = enter(patient)
    sign_in(client, PROVIDER_826)
    page = get(client, "/vc/next/providers/dashboard")
    version = client.get("/vc/next/providers/dashboard/status").get_json()["version"]
    assert page.attr("page-dashboard", "data-version") == version
    r = client.post(f"/vc/next/visits/start/{visit_id}", data={"csrf": page.csrf})
    assert r.status_code == 303 and r.headers["Location"] == f"/vc/next/visits/start/{visit_id}"
    visit = api_visit(client, visit_id)
    assert (visit["status"], visit["provider_id"]) == (25, "826")
    assert client.get("/vc/next/providers/dashboard/status").get_json()["version"] != version
    # the patient's pages follow: the status says 25, the waiting room sends them to the call
    assert patient.get(f"/vc/next/visits/status/{visit_id}").get_json()["version"] == "25"
    r = patient.get(f"/vc/next/u/waiting/{visit_id}")
    assert r.status_code == 302 and r.headers["Location"] == f"/vc/next/visits/inbrowser_calling/{visit_id}"
    call = get(client, f"/vc/next/visits/start/{visit_id}")
    assert call.text("visit-status") == "in progress (25)" and call.has("end-call")
    r = client.post(f"/vc/next/visits/end/{visit_id}", data={"csrf": call.csrf, "return_to": "dashboard"})
    assert r.status_code == 303 and r.headers["Location"] == "/vc/next/providers/dashboard"
    visit = api_visit(client, visit_id, token)
    assert (visit["status"], visit["reason"]) == (30, "call_ended")
    assert "completed" in get(patient, f"/vc/next/visits/inbrowser_calling/{visit_id}").text("call-over")


def test_the_call_page_shows_the_visit_and_end_only_to_the_provider(client, new_client):
    sign_in(client, PATIENT_201)
    page = get(client, "/vc/next/visits/inbrowser_calling/7730")
    assert page.h1 == "Visit 7730" and page.text("visit-status") == "in progress (25)"
    assert page.text("visit-provider") == "John Will" and page.text("visit-patient").startswith("Lemuel")
    assert page.text("meeting-id").endswith("__jitsi") and not page.has("end-call")
    assert_error_page(Page(client.post("/vc/next/visits/end/7730", data={"csrf": page.csrf})), 403)
    assert api_visit(client, "7730")["status"] == 25
    provider = new_client()
    sign_in(provider, PROVIDER_826)
    assert get(provider, "/vc/next/visits/start/7730").has("end-call")


def test_starting_a_visit_twice_is_a_400_page(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    sign_in(client, PROVIDER_826)
    csrf = get(client, "/vc/next/providers/dashboard").csrf
    assert client.post(f"/vc/next/visits/start/{visit['id']}", data={"csrf": csrf}).status_code == 303
    assert_error_page(Page(client.post(f"/vc/next/visits/start/{visit['id']}", data={"csrf": csrf})), 400, "25")
    assert_error_page(Page(client.post("/vc/next/visits/end/1504", data={"csrf": csrf})), 400, "40")


def test_dashboard_lists_upcoming_appointments_and_starts_them(client, world):
    world.clock.freeze(1629133200 - 3600)                  # an hour before the demo's appointment 67258
    sign_in(client, PROVIDER_826)
    page = get(client, "/vc/next/providers/dashboard")
    assert "2021-08-16 17:00 UTC" in page.text("appointment-67258") and page.has("start-67258")
    r = client.post("/vc/next/visits/start/67258", data={"csrf": page.csrf})
    assert r.status_code == 303 and api_visit(client, "67258")["status"] == 25
    page = get(client, "/vc/next/providers/dashboard")
    assert page.has("in-progress-67258") and not page.has("appointment-67258")


def test_a_provider_of_another_room_may_not_start_the_visit(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    sign_in(client, PROVIDER_85741)
    csrf = get(client, "/vc/next/providers/dashboard").csrf
    assert_error_page(Page(client.post(f"/vc/next/visits/start/{visit['id']}", data={"csrf": csrf})), 403)
    assert api_visit(client, visit["id"])["status"] == 10


def test_a_patient_checks_in_for_an_appointment(client):
    sign_in(client, PATIENT_575)             # demo: 7727 booked with provider 1096
    page = get(client, "/vc/next/visits/inbrowser_calling/7727")
    assert page.has("check-in") and page.has("call-waiting")
    r = client.post("/vc/next/u/waiting", data={"csrf": page.csrf, "appointment_id": "7727"})
    walkin_id = r.headers["Location"].rsplit("/", 1)[1]
    walkin = api_visit(client, walkin_id, PATIENT_575)
    assert (walkin["status"], walkin["type"]) == (10, 1)
    assert api_visit(client, "7727", PATIENT_575)["related_walkin_id"] == walkin_id


# -- the one-time link --------------------------------------------------------------------------------------
def test_the_one_time_link_signs_the_patient_in_once(client, new_client, clinic, world):
    world.clock.freeze(MONDAY_0815_PDT - 86400)
    data = sso(client, code="linked")
    token = data["token"]["token"]
    visit = clinic.ok(clinic.post("/visits", token, room_code="ceproom1", provider_id="826",
                                  intake_id=clinic.intake(token, type=2)["id"],
                                  slot_start=MONDAY_0815_PDT, slot_end=MONDAY_0815_PDT + 900))
    link = f"/vc/next/members/appointment/{visit['id']}?token={visit['one_time_link_token']}"
    browser = new_client()
    assert_error_page(Page(browser.get(link[:-2] + "zz")), 403, "invalid")      # a wrong token
    r = browser.get(link)
    assert r.status_code == 302 and r.headers["Location"] == f"/vc/next/members/appointment/{visit['id']}"
    page = get(browser, r.headers["Location"])
    assert page.h1 == f"Appointment {visit['id']}" and page.text("visit-provider") == "John Will"
    assert data["id"] in page.text("nav-user") or "Linked" in page.text("nav-user")
    assert "2016-08-08 15:15 UTC" in page.text("appointment-start")
    assert api_visit(client, visit["id"], token)["status"] == 20
    assert_error_page(Page(new_client().get(link)), 403, "already used")      # the second use
    assert_error_page(Page(browser.get(link)), 403)


# -- disable_navigation ---------------------------------------------------------------------------------------
def test_disable_navigation_hides_the_header_until_the_next_sign_in(client):
    sign_in(client, PATIENT_201, disable_navigation=1)
    page = get(client, "/vc/next/u/clinic")
    assert page.status == 200 and not page.has("nav") and page.h1 == "My clinic"
    assert not get(client, "/vc/next/visits/inbrowser_calling/7730").has("nav")
    sign_in(client, PATIENT_201)
    assert get(client, "/vc/next/u/clinic").has("nav")



@pytest.mark.parametrize("path", ["/", "/vc/next/", "/vc/next", "/vc/stable/"])
def test_the_landing_page_says_what_this_is_and_links_docs_portal_and_health(app, path):
    r = app.test_client().get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "simulator of the VSee Clinic API" in html
    for href in ('href="/docs"', 'href="/_sim/health"', 'href="/api_v3/openapi.json"', "/u/clinic"):
        assert href in html, href


def test_the_landing_page_under_a_namespace_links_within_it(app):
    html = app.test_client().get("/ns/demo-7/vc/next/").get_data(as_text=True)
    assert 'href="/ns/demo-7/docs"' in html and 'href="/ns/demo-7/_sim/health"' in html
    assert "/ns/demo-7/vc/next/u/clinic" in html and "<code>demo-7</code>" in html
