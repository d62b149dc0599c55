"""What bench/growth.py grows: the demo's records cloned ``n`` times into an export of a fresh
namespace (``Doc``), and the tokens and ids the timed operations (bench/growth_cases.py) use.

The copies go to owners the timed operations do not look at (other patients, other rooms), so
an operation's answer stays the same size at every level unless it is a list of the grown
records (timed per item). Ids are out of the ranges the namespace's id counters hand out, so
the operations' own writes never collide with them.
"""

from __future__ import annotations

import uuid

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
