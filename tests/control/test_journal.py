"""GET/DELETE /_sim/journal: every request of a namespace but /_sim, /docs and preflights.

What is proven: an entry holds what a replay needs (method, the path as sent, query,
the credential headers, the body, text or base64) and what a reader wants (status,
parsed response, duration, namespace-clock time); base paths and /ns prefixes are
recorded as sent and land in the right namespace; filters, newest-first order, the
bound of 500, clearing, and that journaling leaves request bodies intact for the views.
"""

from __future__ import annotations

import base64
import io

import pytest
from clinic import PATIENT_201, auth, error, ok
from flask import Response

from vsee_sim.control.traffic import hooks, rules, service

T0 = 1_700_000_000
MULTIPART = "multipart/form-data"


def journal(client, **query) -> list[dict]:
    return ok(client.get("/_sim/journal", query_string=query))


def test_a_request_is_recorded_with_what_a_replay_needs(client, world):
    world.clock.freeze(T0)
    me = ok(client.get("/api_v3/me", query_string={"fields": "x"}, headers={**auth(PATIENT_201), "X-ApiKey": "k",
                                                                            "X-Other": "dropped"}))
    [entry] = journal(client)
    assert entry["method"] == "GET" and entry["path"] == "/api_v3/me" and entry["query"] == "fields=x"
    assert entry["headers"] == {"X-ApiToken": PATIENT_201, "X-AccountCode": "vclinic", "X-ApiKey": "k"}
    assert entry["status"] == 200 and entry["response"] == {"data": me}
    assert entry["at"] == T0 and entry["duration_ms"] >= 0 and isinstance(entry["id"], int)
    assert entry["body"] == "" and entry["body_encoding"] == "utf-8" and entry["body_truncated"] is False
    assert entry["fault"] is None and entry["response_truncated"] is False


def test_a_json_post_body_is_recorded_as_text_and_the_view_still_reads_it(client):
    resp = client.post("/api_v3/users/sso", json={"type": 200, "code": "journal-1", "first_name": "Jo",
                                                  "last_name": "Ur", "email": "jo@example.com"},
                       headers={"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"})
    data = ok(resp)
    [entry] = journal(client)
    assert entry["method"] == "POST" and entry["headers"]["Content-Type"] == "application/json"
    assert '"code": "journal-1"' in entry["body"] and entry["body_encoding"] == "utf-8"
    assert entry["response"]["data"]["token"]["token"] == data["token"]["token"]


def test_a_binary_multipart_upload_is_kept_base64_and_still_uploaded(client, world):
    content = bytes(range(256)) * 4  # not UTF-8
    resp = client.post("/api_v3/files", headers=auth(PATIENT_201), content_type=MULTIPART,
                       data={"file": (io.BytesIO(content), "scan.bin"), "meta.category": "user_document"})
    data = ok(resp)
    assert data["size"] == len(content)  # the form was parsed from the bytes the journal kept
    [entry] = journal(client, method="POST")
    assert entry["body_encoding"] == "base64" and entry["body_truncated"] is False
    raw = base64.b64decode(entry["body"])
    assert content in raw and b'name="meta.category"' in raw
    assert entry["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")


def test_a_form_body_is_recorded_and_still_parsed(client):
    resp = client.post("/api_v3/users/sso", data={"type": "200", "code": "journal-form", "first_name": "Fo",
                                                  "last_name": "Rm", "email": "fo@example.com"},
                       headers={"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"})
    assert ok(resp)["first_name"] == "Fo"
    [entry] = journal(client)
    assert "code=journal-form" in entry["body"]


def test_big_bodies_and_responses_are_cut_at_64_kib_with_a_flag(client):
    big = "x" * (70 * 1024)
    client.post("/api_v3/me", data=big, headers={**auth(PATIENT_201), "Content-Type": "text/plain"})
    [entry] = journal(client)
    assert entry["body_truncated"] is True and len(entry["body"]) == 64 * 1024
    assert entry["body"] == big[: 64 * 1024]


def test_paths_are_recorded_as_the_client_sent_them(app, client, ns):
    ok(client.get("/vc/next/api_v3/me.json", headers=auth(PATIENT_201)))
    ok(client.get("/cc/vclinic/api_v3//me", headers=auth(PATIENT_201)))
    paths = [e["path"] for e in journal(client)]
    assert paths == ["/cc/vclinic/api_v3//me", "/vc/next/api_v3/me.json"]
    # a /ns/<name> prefix picks the namespace, and is recorded as sent
    bare = app.test_client()
    ok(bare.get(f"/ns/{ns}/api_v3/me", headers=auth(PATIENT_201)))
    assert journal(client)[0]["path"] == f"/ns/{ns}/api_v3/me"


def test_a_filter_by_path_sees_the_normalised_path_too(client):
    ok(client.get("/vc/stable/api_v3/me.json", headers=auth(PATIENT_201)))
    assert [e["path"] for e in journal(client, path="/api_v3/me")] == ["/vc/stable/api_v3/me.json"]
    assert journal(client, path="/api_v3/m?") == journal(client, path="/api_v3/*")
    assert len(journal(client, path="/api_v3/m?")) == 1
    assert journal(client, path="/api_v3/visits*") == []


def test_unknown_routes_are_recorded_in_the_requests_namespace(app, client, ns):
    error(client.get("/api_v3/no/such/route"), 404)
    other = app.test_client()
    other.environ_base["HTTP_X_SIM_NAMESPACE"] = f"{ns}-other"
    error(other.get("/nowhere"), 404)
    [entry] = journal(client)
    assert entry["path"] == "/api_v3/no/such/route" and entry["status"] == 404
    assert entry["response"]["message"] == "Sorry, this page is not available."
    assert [e["path"] for e in journal(other)] == ["/nowhere"]


def test_the_control_plane_docs_and_preflights_are_not_recorded(client):
    ok(client.get("/_sim/health"))
    client.get("/docs")
    client.options("/api_v3/me", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
    assert journal(client) == []


def test_filters_by_method_status_and_limit(client):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    error(client.get("/api_v3/me"), 401)
    error(client.post("/api_v3/me", json={}), 401)
    error(client.get("/api_v3/nothing"), 404)
    assert [e["status"] for e in journal(client)] == [404, 401, 401, 200]
    assert [e["status"] for e in journal(client, method="post")] == [401]
    assert [e["status"] for e in journal(client, status="4xx")] == [404, 401, 401]
    assert [e["status"] for e in journal(client, status="401")] == [401, 401]
    assert journal(client, status="5xx") == [] and journal(client, status="2xx")[0]["status"] == 200
    assert [e["status"] for e in journal(client, limit=2)] == [404, 401]
    ids = [e["id"] for e in journal(client)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4


@pytest.mark.parametrize("query, field", [
    ({"status": "abc"}, "status"), ({"status": "6xx"}, "status"), ({"status": "40"}, "status"),
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "many"}, "limit"),
])
def test_bad_filters_are_a_400_naming_the_field(client, query, field):
    error(client.get("/_sim/journal", query_string=query), 400, field)


def test_delete_empties_the_journal_and_ids_keep_increasing(client):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    first = journal(client)[0]["id"]
    assert ok(client.delete("/_sim/journal")) is True
    assert journal(client) == []
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    assert journal(client)[0]["id"] > first


def test_the_journal_keeps_the_newest_500(client):
    for i in range(505):
        client.get(f"/api_v3/n{i}")
    entries = journal(client, limit=500)
    assert len(entries) == 500
    assert entries[0]["path"] == "/api_v3/n504" and entries[-1]["path"] == "/api_v3/n5"


def test_a_reset_keeps_the_journal_but_it_is_not_exported(client, world):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    ok(client.post("/_sim/reset", json={}))
    assert [e["path"] for e in journal(client)] == ["/api_v3/me"]
    assert "journal" not in world.to_dict()


def raw_entry(**changes) -> dict:
    entry = {"id": 1, "at": T0, "method": "GET", "path": "/api_v3/x", "api_path": "/api_v3/x", "query": "",
             "headers": {}, "body": b"", "body_truncated": False, "status": 200, "response": b"{}",
             "response_type": "application/json", "response_truncated": False, "duration_ms": 1.0, "fault": None}
    return {**entry, **changes}


def test_responses_are_parsed_json_text_or_base64():
    assert service.entry_view(raw_entry(response=b'{"data": [1]}'))["response"] == {"data": [1]}
    html = service.entry_view(raw_entry(response=b"<p>hi</p>", response_type="text/html"))
    assert html["response"] == "<p>hi</p>" and "response_encoding" not in html
    cut = service.entry_view(raw_entry(response=b'{"data": "xx', response_truncated=True))
    assert cut["response"] == '{"data": "xx' and cut["response_truncated"] is True
    binary = service.entry_view(raw_entry(response=b"\xff\xd8\xff", response_type="image/jpeg"))
    assert binary["response_encoding"] == "base64" and base64.b64decode(binary["response"]) == b"\xff\xd8\xff"
    assert service.entry_view(raw_entry(response=None))["response"] is None


def test_a_body_cut_inside_a_character_is_still_text():
    body = ("\u00e9" * (40 * 1024)).encode()  # 2 bytes a character: an odd cut splits one
    kept, cut = rules.clip(body + b"!", 64 * 1024 - 1)
    view = service.entry_view(raw_entry(body=kept, body_truncated=cut))
    assert cut and view["body_encoding"] == "utf-8" and set(view["body"]) == {"\u00e9"}


def test_a_utf8_path_is_given_back_as_utf8(client):
    client.get("/api_v3/caf\u00e9")
    assert journal(client)[0]["path"] == "/api_v3/caf\u00e9"


def test_an_entry_keeps_a_bounded_share_of_its_answers_headers():
    answer = Response("{}", content_type="application/json")
    for i in range(service.MAX_RESPONSE_HEADERS + 8):
        answer.headers[f"X-Many-{i}"] = "v" * (service.MAX_HEADER_VALUE + 50)
    kept = hooks._response_headers(answer)
    assert len(kept) == service.MAX_RESPONSE_HEADERS and kept["Content-Type"] == "application/json"
    assert {len(v) for name, v in kept.items() if name.startswith("X-Many")} == {service.MAX_HEADER_VALUE}


def test_an_entry_s_bytes_are_what_rules_count_for_it(client, world):
    """The request hook counts an entry's size itself, from the values it puts in the entry."""
    client.post("/api_v3/users/sso", data={"type": "200", "code": "journal-size", "first_name": "Sí",
                                           "last_name": "Ze"},
                headers={"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"})
    client.get("/api_v3//me.json", query_string={"a": "b"}, headers=auth(PATIENT_201))
    client.post("/api_v3/me", data="x" * (70 * 1024), headers={**auth(PATIENT_201), "Content-Type": "text/plain"})
    client.get("/api_v3/no-such-route")
    entries = list(world.journal)
    assert len(entries) == 4
    for entry in entries:
        assert entry["bytes"] == rules.entry_bytes(entry), entry["path"]
