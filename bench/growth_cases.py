"""The cases of bench/growth.py: what each grows in a namespace (the growers and the clone
``Doc`` are in bench/growth_seed.py), and the operations timed, read and write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from growth_seed import (  # noqa: F401
    API_KEY,
    ENDPOINT_201,
    FILE_201,
    FILE_575,
    INTAKE_575,
    NOTE_201,
    P201,
    P575,
    PAST,
    PHARMACY,
    PROV509,
    PROV826,
    RUN,
    STAFF,
    Doc,
    _hook,
    fill_journal,
    grow_account_visits,
    grow_deliveries,
    grow_endpoints,
    grow_files,
    grow_intakes,
    grow_notifications,
    grow_outbox,
    grow_patient_visits,
    grow_pharmacies,
    grow_provider_rooms,
    grow_room_visits,
    grow_rooms,
    grow_schedules,
    grow_sources,
    grow_users,
    grow_webhooks,
)


@dataclass
class Op:
    """One operation: a request built per sample (``i`` is unique in the run; ``ctx`` is
    what ``prepare`` returned, unmeasured, before it). ``items`` counts what a list returned
    (the time is then per item); ``after`` cleans up, unmeasured; ``scale`` x samples."""

    name: str
    method: str
    path: str | Callable[[int, dict], str]
    headers: dict = field(default_factory=dict)
    body: dict | Callable[[int, dict], dict | bytes] | None = None
    items: Callable[[dict], int] | None = None
    scale: float = 1.0
    prepare: Callable | None = None
    after: Callable | None = None
    content_type: str = "application/json"

    def build(self, i: int, ctx: dict):
        path = self.path(i, ctx) if callable(self.path) else self.path
        body = self.body(i, ctx) if callable(self.body) else self.body
        headers = {**self.headers, **ctx.get("headers", {})}
        if isinstance(body, dict):
            import json

            body = json.dumps(body).encode()
        if body is not None:
            headers["Content-Type"] = self.content_type
        return (
            self.method,
            "/api_v3" + path if path.startswith("/") and not path.startswith("/_sim") else path,
            headers,
            body,
        )


@dataclass
class Case:
    name: str
    what: str
    levels: tuple[int, ...]
    grow: Callable[[Doc, int], None]
    ops: Callable[[], list[Op]]
    bounded: bool = False  # the simulator caps this collection: the levels are up to its cap (--quick too)
    fill: Callable | None = None  # brings it to n by requests, before each batch: fill(client, n)
    deep: tuple[int, ...] = ()  # levels added by --deep (50k where a clinic could come near it)


def n_items(body: dict) -> int:
    data = body.get("data")
    return len(data) if isinstance(data, list) else 1


# -- shared operations -------------------------------------------------------------------
def _patient(client, _i) -> dict:
    """A patient of its own (made once per namespace), so walk-ins never meet a wait of ours."""
    cached = getattr(client, "walkin_patient", None)
    if cached is None:
        body = {"type": 200, "code": f"walkin-{RUN}-{client.namespace}", "first_name": "W", "last_name": "I"}
        cached = client.walkin_patient = {
            "X-ApiToken": client.json("POST", "/api_v3/users/sso", API_KEY, body)["data"]["token"]["token"]
        }
    return cached


def _intake(client, i) -> dict:
    me = _patient(client, i)
    intake = client.json(
        "POST", "/api_v3/intakes", me, {"room_code": "ceproom1", "reason_for_visit": "bench"}
    )
    return {"me": me, "headers": me, "intake": intake["data"]["id"]}


def _close(client, _i, ctx, body) -> None:
    client.json("POST", "/api_v3/visits/close", ctx["me"], {"id": body["data"]["id"]})


def create_room() -> Op:
    """POST /rooms by provider 826, a new name each time (the code is made from it)."""
    return Op("POST /rooms", "POST", "/rooms", PROV826,
              lambda i, c: {"name": f"Bench {RUN} {i}", "domain": "vclinic.vseepreview.com"})


def walk_in() -> Op:
    """POST /visits/add_walkin for a fresh intake (made before, unmeasured; the visit is closed after)."""
    return Op(
        "POST /visits/add_walkin",
        "POST",
        "/visits/add_walkin",
        body=lambda i, c: {"intake_id": c["intake"]},
        prepare=_intake,
        after=_close,
        scale=0.5,
    )


# -- the cases ---------------------------------------------------------------------------
def _multipart(i, _ctx) -> bytes:
    return (
        b'--bnd\r\nContent-Disposition: form-data; name="meta.category"\r\n\r\nuser_document\r\n'
        b'--bnd\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nbench " + str(i).encode() + b"\r\n--bnd--\r\n"
    )


def _upload(client, i) -> dict:
    status, data = client.request(
        "POST",
        "/api_v3/files",
        {**P201, "Content-Type": "multipart/form-data; boundary=bnd"},
        _multipart(i, {}),
    )
    import json

    return {"file": json.loads(data)["data"]["id"]}


def _delete(path_fn: Callable[[dict], str], headers: dict):
    def after(client, _i, _ctx, body) -> None:
        client.request("DELETE", path_fn(body["data"]), headers)

    return after


def _add_pharmacy(client, i) -> dict:
    body = client.json("POST", "/api_v3/users/575/erx/pharmacies", P575, {**PHARMACY, "code": f"9{i:06d}"})
    return {"code": f"9{i:06d}", "body": body}


CASES = [
    Case(
        "users",
        "patients of the account",
        (1000, 10000, 50000),
        grow_users,
        lambda: [
            Op("GET /me", "GET", "/me", P575),
            Op("POST /me", "POST", "/me", P575, {"first_name": "Anton"}),
            Op(
                "POST /users/sso (new)",
                "POST",
                "/users/sso",
                API_KEY,
                lambda i, c: {"type": 200, "code": f"new-{RUN}-{i}", "first_name": "B", "last_name": "N"},
            ),
            Op(
                "POST /users/sso (existing)",
                "POST",
                "/users/sso",
                API_KEY,
                {"type": 200, "code": "gu5", "first_name": "G5", "last_name": "N"},
            ),
            Op(
                "POST /users/login",
                "POST",
                "/users/login",
                {},
                {"username": "member-201", "password": "111111"},
            ),
        ],
    ),
    Case(
        "rooms",
        "rooms, 2 provider memberships each",
        (1000, 10000),
        grow_rooms,
        lambda: [
            create_room(),
            Op("GET /rooms/:code", "GET", "/rooms/ceproom1", STAFF),
            Op("GET /rooms", "GET", "/rooms", STAFF, items=n_items, scale=0.05),
            Op("GET /rooms/:code/providers", "GET", "/rooms/ceproom1/providers", STAFF),
            Op("GET /rooms/:code/queue", "GET", "/rooms/ceproom1/queue", P575),
            Op(
                "POST /users/:id/rooms", "POST", "/users/826/rooms", PROV826, {"code": "room1"}, items=n_items
            ),
            Op("GET /visits (provider)", "GET", "/visits", PROV826, items=n_items),
            Op("POST /intakes", "POST", "/intakes", P575, {"provider": "826", "reason_for_visit": "bench"}),
            walk_in(),
        ],
    ),
    Case(
        "provider-rooms",
        "rooms of provider 826: one provider's memberships",
        (1000, 10000),
        grow_provider_rooms,
        lambda: [
            create_room(),
            Op("GET /me (provider)", "GET", "/me", PROV826),
            Op("GET /rooms/:code", "GET", "/rooms/ceproom1", PROV826),
            Op("GET /visits (provider)", "GET", "/visits", PROV826, items=n_items),
            Op("GET /visits/current (provider)", "GET", "/visits/current", PROV826),
            Op("GET /users/:id/emr (provider)", "GET", "/users/575/emr", PROV826),
            Op("GET /files/:id (provider)", "GET", f"/files/{FILE_575}", PROV826),
            Op("GET /availability", "GET", "/availability?room_code=ceproom1", P575),
            Op("POST /intakes", "POST", "/intakes", P575, {"provider": "826", "reason_for_visit": "bench"}),
            walk_in(),
        ],
    ),
    Case(
        "intakes",
        "intakes of other patients",
        (1000, 10000),
        grow_intakes,
        lambda: [
            Op(
                "POST /intakes",
                "POST",
                "/intakes",
                P575,
                {"room_code": "ceproom1", "reason_for_visit": "bench"},
            ),
            Op("GET /intakes/:id", "GET", f"/intakes/{INTAKE_575}", P575),
            Op("POST /intakes/:id", "POST", f"/intakes/{INTAKE_575}", P575, {"reason_for_visit": "bench"}),
        ],
    ),
    Case(
        "visits-patient",
        "past visits of patient 575",
        (1000, 10000),
        grow_patient_visits,
        lambda: [
            Op("GET /visits (patient)", "GET", "/visits", P575, items=n_items, scale=0.05),
            Op("GET /visits/current", "GET", "/visits/current", P575),
            Op("GET /visits/:id", "GET", "/visits/7727", P575),
            Op("GET /users/:id/emr", "GET", "/users/575/emr", P575),
            Op("GET /users/:id/emr (provider of the room)", "GET", "/users/575/emr", PROV509),
            Op("GET /files/:id (provider of the room)", "GET", f"/files/{FILE_575}", PROV509),
        ],
    ),
    Case(
        "visits-room",
        "visits of ceproom1, 1 in 10 booked ahead",
        (1000, 10000),
        grow_room_visits,
        lambda: [
            Op("GET /rooms/:code/queue", "GET", "/rooms/ceproom1/queue", P575),
            Op("GET /availability", "GET", "/availability?room_code=ceproom1", P575),
            Op("GET /visits/current (provider)", "GET", "/visits/current", PROV826),
            Op("GET /visits (provider)", "GET", "/visits", PROV826, items=n_items, scale=0.05),
            walk_in(),
        ],
    ),
    Case(
        "visits-account",
        "past visits of other patients and rooms",
        (1000, 10000),
        grow_account_visits,
        deep=(50000,),
        ops=lambda: [
            Op("GET /visits (staff)", "GET", "/visits", STAFF, items=n_items, scale=0.05),
            Op("GET /visits?member_id (staff)", "GET", "/visits?member_id=575", STAFF, items=n_items),
            Op("GET /visits/current", "GET", "/visits/current", P575),
            Op("GET /visits/:id", "GET", "/visits/7727", P575),
            Op("GET /rooms/:code/queue", "GET", "/rooms/ceproom1/queue", P575),
            walk_in(),
        ],
    ),
    Case(
        "schedules",
        "availability of other providers",
        (1000, 10000),
        grow_schedules,
        lambda: [
            Op("GET /availability", "GET", "/availability?room_code=ceproom1", P575),
            Op("POST /users/:id/rooms", "POST", "/users/826/rooms", PROV826, {"code": "room1"}),
        ],
    ),
    Case(
        "files",
        "files of another user",
        (1000, 10000),
        grow_files,
        lambda: [
            Op("GET /files/:id", "GET", f"/files/{FILE_201}", P201),
            Op("GET /files?target_id", "GET", "/files?target_id=201&target_type=user", P201),
            Op(
                "POST /files",
                "POST",
                "/files",
                P201,
                _multipart,
                content_type="multipart/form-data; boundary=bnd",
                after=_delete(lambda d: f"/api_v3/files/{d['id']}", P201),
            ),
            Op("DELETE /files/:id", "DELETE", lambda i, c: f"/files/{c['file']}", P201, prepare=_upload),
        ],
    ),
    Case(
        "notifications",
        "notifications of patient 201",
        (1000, 10000),
        grow_notifications,
        deep=(50000,),
        ops=lambda: [
            Op("GET /notifications?limit=20", "GET", "/notifications?limit=20", P201),
            Op(
                "GET /notifications?limit=20&before",
                "GET",
                f"/notifications?limit=20&before={(PAST - 500) * 1000}",
                P201,
            ),
            Op("GET /notifications/badge", "GET", "/notifications/badge", P201),
            Op("POST /notifications/badge", "POST", "/notifications/badge", P201, {}),
            Op("PUT /notifications/:id", "PUT", f"/notifications/{NOTE_201}", P201, {"is_new": False}),
        ],
    ),
    Case(
        "endpoints",
        "push endpoints of another user",
        (1000, 10000),
        grow_endpoints,
        lambda: [
            Op("GET /endpoints", "GET", "/endpoints", P201),
            Op("GET /endpoints/:id", "GET", f"/endpoints/{ENDPOINT_201}", P201),
            Op(
                "POST /endpoints",
                "POST",
                "/endpoints",
                P201,
                lambda i, c: {"key": f"bench{i}", "type": 30},
                after=_delete(lambda d: f"/api_v3/endpoints/{d['id']}", P201),
            ),
        ],
    ),
    Case(
        "pharmacies",
        "pharmacies of another patient",
        (1000, 10000),
        grow_pharmacies,
        lambda: [
            Op("GET /users/:id/erx/pharmacies", "GET", "/users/575/erx/pharmacies", P575),
            Op(
                "POST /users/:id/erx/pharmacies",
                "POST",
                "/users/575/erx/pharmacies",
                P575,
                lambda i, c: {**PHARMACY, "code": f"8{i:06d}"},
                after=lambda cl, i, c, b: cl.request(
                    "DELETE", f"/api_v3/users/575/erx/pharmacies/8{i:06d}", P575
                ),
            ),
        ],
    ),
    Case(
        "billing-sources",
        "cards of another patient",
        (1000, 10000),
        grow_sources,
        lambda: [
            Op("GET /billing/sources", "GET", "/billing/sources", P201),
            Op(
                "POST /billing/sources",
                "POST",
                "/billing/sources",
                P201,
                {"type": "card", "source": "tok_visa"},
                after=_delete(lambda d: f"/api_v3/billing/sources/{d['id']}", P201),
            ),
        ],
    ),
    Case(
        "webhooks",
        "webhooks wanting no event of the run (at most 50)",
        (5, 49),
        grow_webhooks,
        lambda: [
            Op("GET /_sim/webhooks", "GET", "/_sim/webhooks", {}, items=n_items, scale=0.2),
            Op("GET /_sim/webhooks/:id", "GET", f"/_sim/webhooks/{_hook(3)['id']}", {}),
            Op(
                "POST /_sim/webhooks",
                "POST",
                "/_sim/webhooks",
                {},
                {"url": "http://127.0.0.1:9/x", "events": ["visit.refunded"]},
                after=_delete(lambda d: f"/_sim/webhooks/{d['id']}", {}),
            ),
            walk_in(),
        ],
        bounded=True,
    ),
    Case(
        "deliveries",
        "failed deliveries of one webhook (1,000 kept)",
        (100, 1000),
        grow_deliveries,
        lambda: [
            Op("GET /_sim/webhooks/deliveries?limit=20", "GET", "/_sim/webhooks/deliveries?limit=20", {}),
            Op(
                "GET /_sim/webhooks/deliveries?webhook_id&limit=20",
                "GET",
                f"/_sim/webhooks/deliveries?limit=20&webhook_id={_hook(0)['id']}",
                {},
            ),
            Op(
                "GET /_sim/webhooks/deliveries/:id",
                "GET",
                "/_sim/webhooks/deliveries/00000000-0000-4000-f000-000000000007",
                {},
            ),
        ],
        bounded=True,
    ),
    Case(
        "journal",
        "requests in the journal (a ring of 500)",
        (50, 500),
        lambda doc, n: None,
        lambda: [
            Op("GET /_sim/journal?limit=20", "GET", "/_sim/journal?limit=20", {}),
            Op("GET /_sim/journal?method&limit=20", "GET", "/_sim/journal?method=POST&limit=20", {}),
            Op("GET /me", "GET", "/me", P575),
        ],
        bounded=True,
        fill=fill_journal,
    ),
    Case(
        "outbox",
        "emails sent to others",
        (1000, 10000),
        grow_outbox,
        lambda: [
            Op("GET /_sim/outbox?to", "GET", "/_sim/outbox?to=an%2Buser1@vsee.com", {}),
            Op(
                "POST /users/reset_password",
                "POST",
                "/users/reset_password",
                API_KEY,
                {"email": "an+user1@vsee.com"},
            ),
        ],
    ),
]
