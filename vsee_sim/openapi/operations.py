"""Per-operation knowledge the decorators do not carry: names, content types, examples.

**operationId rule** (one rule for both documents): ``<area><Operation>`` in camelCase,
where ``area`` is the view's blueprint (``sim`` for every /_sim blueprint) and
``Operation`` is the view function's name without the area's own noun
(``rooms.create_room`` -> ``roomsCreate``, ``visits.add_walkin`` -> ``visitsAddWalkin``),
unless ``NAMES`` renames it: a view whose function name does not say what the operation
does (``sim-state.advance`` -> ``simClockAdvance``). Names are checked unique when the
document is built.

**Examples** are the documentation's curl examples (``contract/examples/*.json`` keeps
them with their source line), as the demo clinic answers them: ``params`` (path, query
and header parameters), ``body`` (the request body) and ``credentials`` (security scheme
-> value: the documented example's X-ApiToken, X-ApiKey...). Swagger UI prefills them;
``tests/openapi`` sends each to the demo clinic and wants a 2xx.
"""

from __future__ import annotations

NAMES = {
    "settings.all_settings": "list",
    "settings.setting": "get",
    "users.me": "get_me",
    "users.refresh": "refresh_token",
    "rooms.add_user_room": "add_to_user",
    "files.create_file": "upload",
    "sim-state.clock": "clock_get",
    "sim-state.freeze": "clock_freeze",
    "sim-state.advance": "clock_advance",
    "sim-state.real": "clock_real",
    "sim-state.namespaces": "namespaces_list",
    "sim-state.snapshots": "snapshots_list",
    "sim-traffic.journal": "journal_get",
    "sim-provider.start": "provider_start",
    "sim-provider.end": "provider_end",
    "sim-provider.no_show": "provider_no_show",
    "sim-provider.waiting": "provider_waiting",
    "sim-provider.configure": "autopilot_set",
    "sim-provider.show": "autopilot_get",
    "sim-provider.remove": "autopilot_delete",
    "sim-events.outbox": "outbox_get",
    "sim-events.webhooks": "webhooks_list",
    "sim-events.webhook": "webhook_get",
    "sim-events.deliveries": "webhook_deliveries",
    "sim-events.delivery": "webhook_delivery",
    "sim-events.retry": "webhook_delivery_retry",
}


def operation_id(blueprint: str, view: str) -> str:
    area = "sim" if blueprint.startswith("sim-") else blueprint
    name = NAMES.get(f"{blueprint}.{view}")
    if name is None:
        nouns = {area, area.rstrip("s")}
        words = [w for w in view.split("_") if w not in nouns]
        name = "_".join(words) or view
    return area + "".join(w[:1].upper() + w[1:] for w in name.split("_") if w)


# Operations whose documented curl sends -F (multipart/form-data); every body is also
# accepted as JSON and as a form (DESIGN decision 4), and JSON is listed first.
MULTIPART = frozenset({
    "usersSso", "roomsCreate", "roomsAddToUser", "intakesUpdate", "visitsAddWalkin", "visitsClose",
    "visitsBookAppointment", "visitsBook", "filesRename",
})

# /_sim operations that never want the admin token (control/common.py)
SIM_PUBLIC = frozenset({"simHealth"})

PATH_PARAM_DOCS = {
    "path": "A setting's path below /settings; it may contain slashes (`visit/time/max_wait_time`), "
            "sent as they are or encoded as %2F.",
    "user_id": "A user id; `-` means the caller (the X-ApiToken's user).",
}

TAG_DOCS = {
    "settings": "The clinic's public settings (GET /settings, GET /settings/{path}).",
    "users": "SSO, login, the current user, tokens.",
    "accounts": "Clinics (accounts).",
    "rooms": "Rooms, their providers, and adding a room to a user.",
    "intakes": "Intakes: what a patient fills in before a visit.",
    "visits": "Walk-ins, appointments, e-consults, closing, the queue.",
    "appointments": "Availability of providers' slots.",
    "emr": "A patient's medical record sections.",
    "erx": "Prescriptions and pharmacies.",
    "billing": "Payment sources, billing settings and invoices.",
    "notifications": "Push endpoints and notifications.",
    "files": "Upload, list, rename, download and delete files.",
    "sim-state": "Health, reset, seed, namespaces, the clock, state export/import, snapshots.",
    "sim-traffic": "The request journal and fault injection.",
    "sim-provider": "Provider-side actions and the autopilot.",
    "sim-events": "The outbox and webhooks.",
}

# The demo clinic's documented tokens (fixtures/demo.json; they never expire)
MEMBER_201 = "6366a7018a39536a1ef4b63626f8e734"   # An Nguyen, the documentation's first examples
MEMBER_575 = "5a2eb231d652b49f4d7fc0fbb78328fb"   # Keven2 Teodoro2 (intakes, visits, emr)
MEMBER_575_ERX = "c1dfcb553b2395a902722387222310a4"
MEMBER_575_FILES = "c18e9874dccd26482e191f3d7b57d3d8"
PROVIDER_85741 = "83ec6843c3af534c551ab609d869dd82"   # rooms
MEMBER_350936 = "4df5b2b7dec8a8c40e142e43c1825502"    # files
MEMBER_350936_RENAME = "466c809667919d34d371d4c7d389392b"
PROVIDER_826 = "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"   # John Will, ceproom1 (the fixture's; not in the docs)
API_KEY = {"ApiKey": "vclinic_api_key"}
INTAKE = "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"


def _token(value: str) -> dict:
    return {"ApiToken": value}


# operationId -> example (source: the documentation's line, as in contract/examples)
EXAMPLES: dict[str, dict] = {
    # settings (lines 158, 167)
    "settingsList": {},
    "settingsGet": {"params": {"path": "visit/time/max_wait_time"}},
    # users
    "usersSso": {"credentials": API_KEY,   # line 209
                 "body": {"first_name": "John", "last_name": "Smith", "type": 200,
                          "code": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"}},
    "usersLogin": {"body": {"username": "member-201", "password": "111111"}},   # line 239
    "usersGetMe": {"credentials": _token(MEMBER_201)},   # line 250
    "usersUpdateMe": {"credentials": _token(MEMBER_201),   # line 300
                      "body": {"dob": "1983-10-02", "nationality": "Vietnamese"}},
    "usersLogout": {"body": {}},   # line 310: no token, no body (a no-op: the demo token stays alive)
    "usersRefreshToken": {"body": {"refresh_token": "6338a6e42f407acf39d07a63442efb9d"}},   # line 320
    "usersResetPassword": {"body": {"email": "an+1@vsee.com"}},   # line 330
    "usersAlive": {"credentials": _token(MEMBER_201), "body": {"heartbeat": 300}},   # line 341
    "usersActivate": {"body": {"first_name": "An", "last_name": "Nguyen", "email": "an@vsee.com"}},   # 360
    # accounts (lines 789, 800)
    "accountsList": {},
    "accountsGet": {"params": {"code": "vclinic"}},
    # rooms (lines 808-859)
    "roomsList": {},
    "roomsCreate": {"credentials": _token(PROVIDER_85741),
                    "body": {"domain": "vclinic.vsee.me", "slug": "provider00102",
                             "name": "provider00102 room"}},
    "roomsShow": {"params": {"code": "room1"}},
    "roomsProviders": {"params": {"code": "example-room-code"}},
    "roomsProvider": {"params": {"code": "ceproom1", "provider_id": "826"}},
    "roomsAddToUser": {"credentials": _token(PROVIDER_85741),
                       "params": {"user_id": "85741"}, "body": {"code": "b4vjj"}},
    # intakes (lines 493-528)
    "intakesCreate": {"body": {"provider": "541", "reason_for_visit": "Test", "reset": "true", "type": 1}},
    "intakesUpdate": {"credentials": _token(MEMBER_575), "params": {"intake_id": INTAKE},
                      "body": {"location": "CA", "phone": "7123456789",
                               "reason_for_visit": "Test intake functionalities 2"}},
    "intakesRead": {"credentials": _token(MEMBER_575), "params": {"intake_id": INTAKE}},
    # visits (lines 549-686)
    "visitsAddWalkin": {"credentials": _token(MEMBER_575),
                        "body": {"provider_id": "826", "intake_id": INTAKE, "room_code": "ceproom1"}},
    "visitsAddEconsult": {"credentials": _token(MEMBER_575), "body": {"intake_id": INTAKE}},
    "visitsBook": {"credentials": _token(MEMBER_575),
                   "body": {"slot_start": 1470669300, "slot_end": 1470670200, "type": 2,
                            "intake_id": INTAKE}},
    "visitsBookAppointment": {"credentials": _token(MEMBER_575),   # line 656
                              "body": {"member_id": "575", "slot_start": 1470669300, "slot_end": 1470670200,
                                       "type": 2, "intakeId": INTAKE}},
    "visitsClose": {"credentials": _token(MEMBER_575), "body": {"id": "14"}},   # line 567
    "visitsInprogress": {"credentials": _token(PROVIDER_826), "body": {"id": "67258"}},   # a provider starts
    "visitsDelete": {"credentials": _token(MEMBER_575), "body": {"id": "7727"}},
    "visitsList": {"credentials": _token(MEMBER_575)},   # line 668
    "visitsCurrent": {"credentials": _token(MEMBER_201)},   # line 686
    "visitsGet": {"credentials": _token(MEMBER_575), "params": {"visit_id": "7727"}},   # line 678
    "visitsQueue": {"params": {"code": "ceproom1"}},   # line 847
    # appointments (line 629: without a token, with the API key and secret)
    "appointmentsAvailability": {
        "credentials": {"ApiKey": "vclinic_api_key", "ApiSecret": "vclinic_api_secret"},
        "params": {"consultation_id": "593999b2-08e4-404c-82f8-772dc0a8016f", "start": 1497063600,
                   "end": 1497065400, "location": "AL", "room_code": "234yn"}},
    # emr (lines 371, 396)
    "emrRead": {"credentials": _token(MEMBER_575), "params": {"user_id": "575"}},
    "emrSaveSection": {"credentials": _token(MEMBER_575), "params": {"user_id": "575", "name": "conditions"},
                       "body": {"data": [{"condition": "Asthma"}, {"condition": "Bleeding problem"}],
                                "data_not_reported": False}},
    "emrSchema": {},
    # erx (lines 419, 467)
    "erxListPharmacies": {"credentials": _token(MEMBER_575_ERX), "params": {"user_id": "575"}},
    "erxListPrescriptions": {"credentials": _token(MEMBER_575_ERX), "params": {"user_id": "575"}},
    # notifications (lines 873-943)
    "notificationsCreateEndpoint": {"credentials": _token(MEMBER_201), "body": {"key": "12345", "type": 30}},
    "notificationsListEndpoints": {"credentials": _token(MEMBER_201)},
    "notificationsShowEndpoint": {"credentials": _token(MEMBER_201),
                                  "params": {"endpoint_id": "551c5f64-a6d8-425d-b89c-581fac1f0144"}},
    "notificationsDeleteEndpoint": {"credentials": _token(MEMBER_201),
                                    "params": {"endpoint_id": "551c5f64-a6d8-425d-b89c-581fac1f0144"}},
    "notificationsList": {"credentials": _token(MEMBER_201)},
    "notificationsBadge": {"credentials": _token(MEMBER_201)},
    "notificationsResetBadge": {"credentials": _token(MEMBER_201)},
    "notificationsRead": {"credentials": _token(MEMBER_201),
                          "params": {"notification_id": "570f3f04-f1f4-4805-946e-178d50e631f8"}},
    # files (lines 967-992)
    "filesList": {"credentials": _token(MEMBER_350936),
                  "params": {"target_id": "350936", "target_type": "user"}},
    "filesRename": {"credentials": _token(MEMBER_350936_RENAME),
                    "params": {"file_id": "5e1598e7-4118-47ca-84da-0923c71b6977"},
                    "body": {"name": "test2.jpg"}},
    "filesDelete": {"credentials": _token(MEMBER_575_FILES),
                    "params": {"file_id": "57aa6ede-bf6c-4a88-81e1-6bcdac1f0144"}},
    # billing (lines 696, 741)
    "billingSettings": {"credentials": _token(MEMBER_201)},
    "billingListSources": {"credentials": _token(MEMBER_201),
                           "params": {"room_code": "abc", "provider_id": "12312"}},
    # /_sim
    "simClockAdvance": {"body": {"seconds": 3600}},
    "simReset": {"body": {}},
}
