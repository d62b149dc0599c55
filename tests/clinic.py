"""A client's-eye helper for clinic-flow tests: make patients, intakes, walk-ins, bookings.

Every call goes through the HTTP API of the test's namespace, as an integrating portal's
would; each asserts its own success so a test reads as the workflow it checks.
"""

from __future__ import annotations

import itertools

API_KEY = {"X-ApiKey": "vclinic_api_key", "X-ApiSecret": "vclinic_api_secret", "X-AccountCode": "vclinic"}
PATIENT_575 = "5a2eb231d652b49f4d7fc0fbb78328fb"
PATIENT_201 = "6366a7018a39536a1ef4b63626f8e734"
PROVIDER_826 = "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"
PROVIDER_85741 = "83ec6843c3af534c551ab609d869dd82"
_codes = itertools.count(1)


def auth(token: str) -> dict:
    return {"X-ApiToken": token, "X-AccountCode": "vclinic"}


def error(resp, status: int, field: str | None = None) -> dict:
    """Assert VSee's error body; when ``field`` is given, it is named in message and errors."""
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert body["code"] == status and isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "errors"}
    if field is not None:
        assert field in body["message"], body
        assert field in body.get("errors", {}), body
    return body


def ok(resp):
    """Assert a 200 with VSee's success envelope; its data."""
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert list(body) == ["data"]
    return body["data"]


def freeze(client) -> int:
    """Stop the namespace clock (POST /_sim/clock/freeze) on a whole second; that second."""
    now = int(ok(client.get("/_sim/clock"))["now"])
    ok(client.post("/_sim/clock/freeze", json={"at": now}))
    return now


def advance(client, seconds: int) -> int:
    """Move the namespace clock (POST /_sim/clock/advance); the new now."""
    return ok(client.post("/_sim/clock/advance", json={"seconds": seconds}))["now"]


class Clinic:
    def __init__(self, client, world=None):
        self.client = client
        self.world = world

    def ok(self, response) -> dict | list | None:
        assert response.status_code == 200, (response.status_code, response.get_json())
        return response.get_json()["data"]

    def sso(self, kind: int = 200, **profile) -> tuple[str, str]:
        """A new user by SSO: (user id, access token)."""
        n = next(_codes)
        body = {"type": kind, "code": f"test-user-{n}", "first_name": "Pat", "last_name": f"Ient{n}",
                "email": f"user{n}@example.com", **profile}
        data = self.ok(self.client.post("/api_v3/users/sso", json=body, headers=API_KEY))
        return data["id"], data["token"]["token"]

    def staff_token(self) -> str:
        """A token of the clinic's API user (type 160), made the way the store makes them."""
        token = "f" * 31 + str(next(_codes) % 10)
        self.world.tokens.insert({"token": token, "user_id": "15729940", "kind": "access", "expiry": None,
                                  "created": 0, "account": "vclinic"})
        return token

    def intake(self, token: str, room_code: str = "ceproom1", **fields) -> dict:
        body = {"room_code": room_code, "reason_for_visit": "Cough", "type": 1, "location": "CA", **fields}
        return self.ok(self.client.post("/api_v3/intakes", json=body, headers=auth(token)))

    def walkin(self, token: str, room_code: str = "ceproom1", **fields) -> dict:
        if "intake_id" not in fields:
            fields["intake_id"] = self.intake(token, room_code)["id"]
        return self.ok(self.client.post("/api_v3/visits/add_walkin", json={"room_code": room_code, **fields},
                                        headers=auth(token)))

    def post(self, path: str, token: str, **body):
        return self.client.post(f"/api_v3{path}", json=body, headers=auth(token))

    def get(self, path: str, token: str | None = None, **query):
        headers = auth(token) if token else {"X-AccountCode": "vclinic"}
        return self.client.get(f"/api_v3{path}", query_string=query, headers=headers)

    def queue(self, room_code: str = "ceproom1", token: str | None = None) -> dict:
        return self.ok(self.get(f"/rooms/{room_code}/queue", token))

    def status(self, visit_id: str) -> int:
        return int(self.world.account("vclinic").visits.get(visit_id)["status"])
