"""The clinic board's endpoints: /_sim/ui/api/board (ui_read) and its buttons (ui_action: CSRF),
in the URL's namespace, out of the journal and of the OpenAPI documents; with an admin token."""

from __future__ import annotations

import os
import re

import pytest
from clinic import PATIENT_575, error, ok

from vsee_sim.app import create_app

BOARD = "/_sim/ui/api/board"


def csrf_of(client, prefix: str = "") -> str:
    page = client.get(f"{prefix}/_sim/ui")
    assert page.status_code == 200
    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)


def room(board: dict, code: str = "ceproom1") -> dict:
    return next(r for r in board["board"] if r["code"] == code)


def pending_ids(board: dict, code: str = "ceproom1") -> list[str]:
    return [v["id"] for v in next(c for c in room(board, code)["columns"] if c["status"] == 10)["visits"]]


def test_the_board_of_the_namespace(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    board = ok(client.get(BOARD))
    assert {r["code"] for r in board["board"]} >= {"ceproom1", "room1"} and board["account"] == "vclinic"
    assert visit["id"] in [row["visit"]["id"] for row in room(board)["queue"]]
    one = ok(client.get(BOARD, query_string={"room": "CEPROOM1", "limit": 3}))
    assert [r["code"] for r in one["board"]] == ["ceproom1"] and one["limit"] == 3
    assert [len(c["visits"]) for c in room(one)["columns"]] == [min(3, c["count"]) for c in room(one)["columns"]]


@pytest.mark.parametrize(("query", "field"), [
    ({"room": "nope"}, "room"), ({"limit": 0}, "limit"), ({"limit": "many"}, "limit"), ({"account": "nope"}, "account"),
])
def test_bad_queries_name_their_field(client, query, field):
    body = error(client.get(BOARD, query_string=query), 400)
    assert field in body["message"] or field in body.get("errors", {})


def test_the_buttons_want_the_csrf_header(client, clinic):
    visit = clinic.walkin(PATIENT_575)
    refused = error(client.post(f"{BOARD}/{visit['id']}/start", json={}), 403)
    assert "X-CSRF-Token" in refused["message"]
    error(client.post(f"{BOARD}/{visit['id']}/start", json={}, headers={"X-CSRF-Token": "0" * 64}), 403)
    assert clinic.status(visit["id"]) == 10
    headers = {"X-CSRF-Token": csrf_of(client)}
    assert ok(client.post(f"{BOARD}/{visit['id']}/start", json={}, headers=headers))["status"] == 25
    assert ok(client.post(f"{BOARD}/{visit['id']}/end", headers=headers))["status"] == 30     # an empty body too
    body = error(client.post(f"{BOARD}/{visit['id']}/noshow", json={}, headers=headers), 400)
    assert "30 (completed)" in body["message"]                                           # the visit machine's 400
    error(client.post(f"{BOARD}/424242/start", json={}, headers=headers), 404)
    assert client.post(f"{BOARD}/{visit['id']}/explode", json={}, headers=headers).status_code == 404
    assert client.get(f"{BOARD}/{visit['id']}/start").status_code == 405


def test_a_named_namespace_by_its_url_and_no_trace_in_journal_or_documents(app, client, clinic, ns):
    visit = clinic.walkin(PATIENT_575)
    other = app.test_client()                                 # no namespace header: the URL names it
    assert visit["id"] in pending_ids(ok(other.get(f"/ns/{ns}{BOARD}")))
    assert visit["id"] not in pending_ids(ok(other.get(f"/ns/{ns}-elsewhere{BOARD}")))
    headers = {"X-CSRF-Token": csrf_of(other, f"/ns/{ns}")}
    assert ok(other.post(f"/ns/{ns}{BOARD}/{visit['id']}/noshow", json={}, headers=headers))["reason"] == "no_show"
    journal = ok(client.get("/_sim/journal"))
    paths = [e.get("path", "") for e in (journal if isinstance(journal, list) else journal.get("entries", []))]
    assert paths and not [p for p in paths if "/_sim" in p]
    for document in ("/_sim/openapi.json", "/api_v3/openapi.json"):
        assert not [p for p in client.get(document).get_json()["paths"] if "/_sim/ui" in p]


@pytest.fixture(scope="module")
def guarded():
    return create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 7,
                       "TICK_INTERVAL": 0, "ADMIN_TOKEN": "board-admin-token"})


def test_with_an_admin_token_only_a_signed_in_page_reads_and_acts(guarded, ns):
    client = guarded.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns
    assert error(client.get(BOARD), 401)
    assert client.get(BOARD, headers={"X-Sim-Admin-Token": "board-admin-token"}).status_code == 401  # a cookie, not the header
    signin = client.get("/_sim/ui").get_data(as_text=True)
    form_csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', signin).group(1)
    signed = client.post("/_sim/ui/signin", data={"csrf": form_csrf, "token": "board-admin-token"})
    assert signed.status_code == 303
    board = ok(client.get(BOARD))
    waiting = room(board)["queue"]
    assert waiting, "the demo's ceproom1 has a walk-in waiting"
    visit_id = waiting[0]["visit"]["id"]
    error(client.post(f"{BOARD}/{visit_id}/start", json={}), 403)
    started = client.post(f"{BOARD}/{visit_id}/start", json={}, headers={"X-CSRF-Token": csrf_of(client)})
    assert ok(started)["status"] == 25
