"""The cases of bench/growth.py: what each grows in a namespace, and the operations timed.

Each case clones a record of the demo clinic (or one made the way the API makes it) ``n``
times into an export of a fresh namespace, giving the copies to owners the timed
operations do not look at (other patients, other rooms), so an operation's answer stays the
same size at every level unless it is a list of the grown records (timed per item). Ids are
out of the ranges the namespace's id counters hand out, so the operations' own writes never
collide with them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

P201 = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}  # patient 201 (demo fixture)
P575 = {"X-ApiToken": "5a2eb231d652b49f4d7fc0fbb78328fb"}  # patient 575
PROV826 = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}  # provider 826, of ceproom1
API_KEY = {"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"}
STAFF = {"X-ApiToken": "f" * 32}  # the clinic's API user (type 160): a token put in every seeded export
PROV509 = {"X-ApiToken": "e" * 32}  # provider 509 of ceproom1 (no visit of patient 575): also put in
FILE_575 = "57aa6ede-bf6c-4a88-81e1-6bcdac1f0144"
INTAKE_575 = "57a0705e-1c4c-4f24-b51d-3c71ac1f0144"
NOTE_201 = "570f3f04-f1f4-4805-946e-178d50e631f8"
ENDPOINT_201 = "551c5f64-a6d8-425d-b89c-581fac1f0144"
FILE_201 = "57e8c9a2-5c30-4b2c-b9d0-11d6ac1f0144"
RUN = uuid.uuid4().hex[:6]
PHARMACY = {
    "name": "Bench Pharmacy",
    "address": "Freas Avenue, 1200",
    "address_more": "",
    "code": "1001103",
    "city": "Berwick",
    "country": "",
    "state": "PA",
    "zip": "18603",
    "phone": "5707520500",
    "fax": "5707520501",
}


class Doc:
    """An export of ``GET /_sim/state`` (a TinyDB document) being grown."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.ns = next(k.split("/")[0] for k in doc if k.endswith("/_accounts"))

    def table(self, kind: str) -> dict:
        return self.doc.setdefault(f"{self.ns}/vclinic/{kind}", {})

    def find(self, kind: str, record_id: str) -> dict:
        return next(r for r in self.table(kind).values() if str(r.get("id")) == record_id)

    def add(self, kind: str, records) -> None:
        table = self.table(kind)
        start = max((int(k) for k in table), default=0) + 1
        for i, record in enumerate(records):
            table[str(start + i)] = record

    def add_staff_token(self) -> None:
        """Tokens the timed operations use that the demo has none of: the clinic's API user's
        and provider 509's."""
        tokens = self.doc[f"{self.ns}/_tokens"]
        for headers, user_id in ((STAFF, "15729940"), (PROV509, "509")):
            tokens[str(max(int(k) for k in tokens) + 1)] = {
                "token": headers["X-ApiToken"],
                "user_id": user_id,
                "kind": "access",
                "expiry": None,
                "created": PAST,
                "account": "vclinic",
            }

    def namespace(self) -> dict:
        return next(iter(self.doc["_namespaces"].values()))


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


# -- growers -----------------------------------------------------------------------------
def grow_users(doc: Doc, n: int) -> None:
    tpl = doc.find("users", "202")
    doc.add(
        "users",
        (
            {
                **tpl,
                "id": str(90_000_000 + i),
                "code": f"gu{i}",
                "email": f"gu{i}@example.com",
                "username": f"gu{i}",
                "first_name": f"G{i}",
            }
            for i in range(n)
        ),
    )


def grow_rooms(doc: Doc, n: int) -> None:
    """n rooms, each with two of 200 extra providers (2n memberships), none of the demo's."""
    prov = doc.find("users", "541")
    doc.add(
        "users",
        (
            {
                **prov,
                "id": str(91_000_000 + k),
                "code": f"gp{k}",
                "email": f"gp{k}@example.com",
                "username": f"gp{k}",
            }
            for k in range(200)
        ),
    )
    tpl = doc.find("rooms", "1002")
    doc.add(
        "rooms",
        (
            {
                **tpl,
                "id": str(80_000_000 + i),
                "code": f"gr{i}",
                "slug": f"gr{i}",
                "name": f"Room {i}",
                "default": False,
                "provider_ids": [str(91_000_000 + i % 200), str(91_000_000 + (i + 1) % 200)],
            }
            for i in range(n)
        ),
    )


def grow_provider_rooms(doc: Doc, n: int) -> None:
    """n rooms of provider 826 (each shared with one of 200 extra providers)."""
    grow_rooms(doc, n)
    for record in doc.table("rooms").values():
        if str(record["id"]).startswith("8000"):
            record["provider_ids"] = ["826", record["provider_ids"][0]]


def grow_intakes(doc: Doc, n: int) -> None:
    tpl = doc.find("intakes", INTAKE_575)
    doc.add(
        "intakes",
        (
            {**tpl, "id": f"00000000-0000-4000-8000-{i:012d}", "member_id": "202", "visit_id": None}
            for i in range(n)
        ),
    )


def _visits(doc: Doc, n: int, member, room, status, provider, start0: int, step: int) -> None:
    tpl = doc.find("visits", "7728")
    doc.add(
        "visits",
        (
            {
                **tpl,
                "id": str(70_000_000 + i),
                "code": f"{i:032x}",
                "member_id": member(i),
                "room_code": room(i),
                "provider_id": provider(i),
                "status": status(i),
                "intake_id": None,
                "start": start0 + step * i,
                "end": start0 + step * i + 900,
                "actual_start": start0 + step * i,
                "actual_end": start0 + step * i + 800,
                "one_time_link_token": None,
            }
            for i in range(n)
        ),
    )


PAST = 1_400_000_000  # 2014: before the demo's visits, so a patient's history is older than its newest
FUTURE = 2_500_000_000  # 2049: booked far beyond any availability window the bench asks for


def grow_patient_visits(doc: Doc, n: int) -> None:
    _visits(
        doc,
        n,
        lambda i: "575",
        lambda i: "room1",
        lambda i: 30 if i % 3 else 40,
        lambda i: ("541", "403")[i % 2],
        PAST,
        600,
    )


def grow_room_visits(doc: Doc, n: int) -> None:
    """ceproom1's history (other patients), one in ten a confirmed appointment far ahead."""
    _visits(
        doc,
        n,
        lambda i: ("202", "508", "1290")[i % 3],
        lambda i: "ceproom1",
        lambda i: 20 if i % 10 == 0 else (30 if i % 3 else 40),
        lambda i: ("826", "509", "541", "1096")[i % 4],
        PAST,
        600,
    )
    for record in doc.table("visits").values():
        if record["status"] == 20 and str(record["id"]).startswith("7000"):
            record["start"] += FUTURE - PAST
            record["end"] += FUTURE - PAST


def grow_account_visits(doc: Doc, n: int) -> None:
    _visits(
        doc,
        n,
        lambda i: ("202", "508", "1290")[i % 3],
        lambda i: ("room1", "vclinicroom")[i % 2],
        lambda i: 30 if i % 3 else 40,
        lambda i: ("541", "12456470")[i % 2],
        PAST,
        600,
    )


def grow_schedules(doc: Doc, n: int) -> None:
    """Working hours in ceproom1 of n providers no longer in it (its availability is asked)."""
    tpl = next(iter(doc.table("schedules").values()))
    doc.add(
        "schedules",
        (
            {
                **tpl,
                "id": f"00000000-0000-4000-9000-{i:012d}",
                "provider_id": str(92_000_000 + i),
                "room_code": "ceproom1",
            }
            for i in range(n)
        ),
    )


def grow_files(doc: Doc, n: int) -> None:
    tpl = doc.find("files", FILE_201)
    doc.add(
        "files",
        (
            {
                **tpl,
                "id": f"00000000-0000-4000-a000-{i:012d}",
                "target_id": "202",
                "creator_id": "202",
                "name": f"f{i}.png",
            }
            for i in range(n)
        ),
    )


def grow_notifications(doc: Doc, n: int) -> None:
    """n notifications of patient 201 (a list it pages through), older than the demo's."""
    tpl = doc.find("notifications", NOTE_201)
    doc.add(
        "notifications",
        (
            {
                **tpl,
                "id": f"00000000-0000-4000-b000-{i:012d}",
                "time": PAST - i,
                "mtime": (PAST - i) * 1000,
                "is_new": False,
                "read": True,
            }
            for i in range(n)
        ),
    )


def grow_endpoints(doc: Doc, n: int) -> None:
    tpl = doc.find("endpoints", ENDPOINT_201)
    doc.add(
        "endpoints",
        (
            {**tpl, "id": f"00000000-0000-4000-c000-{i:012d}", "user_id": "202", "key": f"k{i}"}
            for i in range(n)
        ),
    )


def grow_pharmacies(doc: Doc, n: int) -> None:
    tpl = next(iter(doc.table("pharmacies").values()))
    doc.add(
        "pharmacies",
        (
            {**tpl, "id": f"00000000-0000-4000-d000-{i:012d}", "user_id": "202", "is_default": False}
            for i in range(n)
        ),
    )


def grow_sources(doc: Doc, n: int) -> None:
    doc.add(
        "sources",
        (
            {
                "id": f"card_g{i:010d}",
                "user_id": "202",
                "type": "card",
                "brand": "Visa",
                "last4": "4242",
                "funding": "credit",
                "country": "US",
                "exp_month": 12,
                "exp_year": 2040,
                "fails_charge": False,
                "name": "G",
                "is_default": i == 0,
                "room_code": None,
                "provider_id": None,
                "created": PAST,
            }
            for i in range(n)
        ),
    )


def _hook(i: int) -> dict:
    return {
        "id": f"00000000-0000-4000-e000-{i:012d}",
        "url": "http://127.0.0.1:9/hook",
        "events": ["visit.refunded"],
        "account": "vclinic",
        "created": PAST,
    }


def grow_webhooks(doc: Doc, n: int) -> None:
    """n webhooks wanting no event of the run: none wants this clinic's visit events."""
    doc.namespace().setdefault("sim", {})["webhooks"] = [_hook(i) for i in range(n)]


def grow_deliveries(doc: Doc, n: int) -> None:
    """n finished deliveries to one webhook."""
    sim = doc.namespace().setdefault("sim", {})
    sim["webhooks"] = [_hook(0)]
    sim["deliveries"] = [
        {
            "id": f"00000000-0000-4000-f000-{i:012d}",
            "webhook_id": _hook(0)["id"],
            "url": "http://127.0.0.1:9/hook",
            "event": "visit.created",
            "account": "other",
            "payload": {"event": "visit.created", "data": {"id": str(i)}},
            "status": "failed",
            "attempts": 1,
            "next_attempt": None,
            "created": PAST + i,
            "log": [],
        }
        for i in range(n)
    ]


def grow_outbox(doc: Doc, n: int) -> None:
    doc.namespace()["outbox"] = [
        {
            "id": f"00000000-0000-4000-0000-{i:012d}",
            "channel": "email",
            "template": "reset_password",
            "to": f"gu{i}@example.com",
            "user_id": "202",
            "account": "vclinic",
            "created": PAST + i,
            "subject": "Reset",
            "body": "...",
        }
        for i in range(n)
    ]


def fill_journal(client, n: int) -> None:
    """The namespace's journal (a ring of 500) emptied, then n requests in it: before each
    batch of samples, so the timed requests do not fill the small level up to the ring."""
    client.request("DELETE", "/_sim/journal")
    for _ in range(n):
        client.request("GET", "/api_v3/me", P575)


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
            Op(
                "POST /rooms",
                "POST",
                "/rooms",
                PROV826,
                lambda i, c: {"name": f"Bench {RUN} {i}", "domain": "vclinic.vseepreview.com"},
            ),
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
            Op(
                "POST /rooms",
                "POST",
                "/rooms",
                PROV826,
                lambda i, c: {"name": f"Bench {RUN} {i}", "domain": "vclinic.vseepreview.com"},
            ),
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
