"""vsee-sim replay: a journal re-sent to a live server recreates the state it made.

What is proven, against a real HTTP server in this process: a clinic flow journaled in
one namespace (SSO, intake, walk-in, read back) replays into a fresh namespace with the
same statuses, its token and intake id mapped to the new namespace's, and the visit
exists there; --exact sends the recorded values and so fails; --reset starts clean;
status differences and connection errors are counted and listed (exit 1 on the latter);
bare lists and /ns/<name> paths are accepted; a file that is not a journal, or an entry
that cannot be sent (headers not an object, a header value with a line break, a path
without a leading /...), is refused in one line naming the entry and field before anything
is sent; a request http.client refuses at send time is counted for its entry, not raised.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
from click.testing import CliRunner
from clinic import API_KEY, PATIENT_201, Clinic, auth, ok
from werkzeug.serving import make_server

from vsee_sim.cli import main
from vsee_sim.control.traffic.replay import Replayer, Summary, load_entries


@pytest.fixture()
def live(app):
    """The session app served over HTTP on a free loopback port, for the test's duration."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def world_of(app, name):
    return app.extensions["vsee_sim"].worlds.get(name)


def visits(app, name) -> dict:
    return {v["id"]: v for v in world_of(app, name).account("vclinic").visits.all()}


def record_flow(client) -> tuple[str, dict]:
    """A patient's walk-in, made through the API; (the SSO code, the visit)."""
    clinic = Clinic(client)
    code = "replay-patient"
    data = ok(client.post("/api_v3/users/sso", json={"type": 200, "code": code, "first_name": "Re",
                                                     "last_name": "Play", "email": "re@example.com"},
                          headers=API_KEY))
    token = data["token"]["token"]
    visit = clinic.walkin(token)
    ok(client.get(f"/api_v3/visits/{visit['id']}", headers=auth(token)))
    client.get("/api_v3/no-such-thing")
    return code, visit


def save_journal(client, tmp_path, transform=None) -> str:
    body = client.get("/_sim/journal").get_json()
    if transform:
        body = transform(body)
    path = tmp_path / "journal.json"
    path.write_text(json.dumps(body))
    return str(path)


def replay(*args):
    return CliRunner().invoke(main, ["replay", *args])


def test_a_journal_replayed_into_a_fresh_namespace_recreates_the_visit(app, client, ns, live, tmp_path):
    code, recorded = record_flow(client)
    journal_file = save_journal(client, tmp_path)
    target = f"{ns}-replayed"
    before = visits(app, target)

    result = replay(journal_file, "--url", live, "--namespace", target)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "sent: 5" in lines and "same status as recorded: 5" in lines
    assert "different status: 0" in lines and "connection errors: 0" in lines
    made = {k: v for k, v in visits(app, target).items() if k not in before}
    assert len(made) == 1
    [visit] = made.values()
    users = world_of(app, target).account("vclinic").users
    assert users.get(visit["member_id"])["code"] == code
    intake = world_of(app, target).account("vclinic").intakes.get(visit["intake_id"])
    assert intake is not None and intake["member_id"] == visit["member_id"]
    assert intake["reason_for_visit"] == "Cough"
    assert visit["intake_id"] != recorded["intake_id"]  # the new namespace's intake, not the recorded one


def test_exact_sends_the_recorded_tokens_and_ids_which_another_namespace_does_not_know(
        app, client, ns, live, tmp_path):
    record_flow(client)
    result = replay(save_journal(client, tmp_path), "--url", live, "--namespace", f"{ns}-exact", "--exact")
    assert result.exit_code == 0, result.output
    assert "different status: 0" not in result.output
    assert "POST /api_v3/visits/add_walkin 200->401" in result.output


def test_reset_starts_the_target_namespace_from_its_fixture(app, client, ns, live, tmp_path):
    record_flow(client)
    journal_file = save_journal(client, tmp_path)
    target = f"{ns}-twice"
    before = len(visits(app, target))
    assert replay(journal_file, "--url", live, "--namespace", target).exit_code == 0
    result = replay(journal_file, "--url", live, "--namespace", target, "--reset")
    assert result.exit_code == 0, result.output
    assert "same status as recorded: 5" in result.output
    assert len(visits(app, target)) == before + 1


def test_status_differences_are_listed_recorded_then_got(client, ns, live, tmp_path):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    client.get("/api_v3/me")

    def pretend_errors(body):
        for entry in body["data"]:
            entry["status"] = 500
        return body

    result = replay(save_journal(client, tmp_path, pretend_errors), "--url", live, "--namespace", f"{ns}-d")
    assert result.exit_code == 0, result.output
    assert "different status: 2" in result.output
    assert "  GET /api_v3/me 500->200" in result.output and "  GET /api_v3/me 500->401" in result.output
    assert result.output.index("500->200") < result.output.index("500->401")  # oldest first


def test_a_bare_list_with_ns_paths_goes_to_the_namespace_asked_for(app, ns, live, tmp_path):
    bare = app.test_client()
    ok(bare.post(f"/ns/{ns}/api_v3/me", json={"city": "Replayville"}, headers=auth(PATIENT_201)))
    entries = ok(bare.get(f"/ns/{ns}/_sim/journal"))
    assert entries[0]["path"] == f"/ns/{ns}/api_v3/me"
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(entries))
    target = f"{ns}-bare"
    result = replay(str(path), "--url", live, "--namespace", target)
    assert result.exit_code == 0 and "same status as recorded: 1" in result.output, result.output
    assert world_of(app, target).account("vclinic").users.get("201")["city"] == "Replayville"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_errors_are_counted_and_exit_1(client, tmp_path):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    result = replay(save_journal(client, tmp_path), "--url", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "sent: 0" in result.output and "connection errors: 1" in result.output


@pytest.mark.parametrize("content, says", [
    ("not json", "not JSON"), ('{"data": 3}', "expected the JSON of GET /_sim/journal"),
    ('[{"method": "GET"}]', "entry 0: path: missing"),
])
def test_a_file_that_is_not_a_journal_is_refused_in_one_line(tmp_path, content, says):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = replay(str(path), "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1 and says in result.output and "Traceback" not in result.output


GOOD = {"id": 5, "method": "GET", "path": "/api_v3/me", "query": "", "headers": {"X-ApiToken": "t"}, "body": ""}


@pytest.mark.parametrize("change, says", [
    ({"headers": [["X-ApiToken", "t"]]}, "entry 0 (id 5): headers: not an object"),
    ({"headers": {"X-ApiToken": "t\r\nX-Evil: 1"}}, "entry 0 (id 5): headers: the value of X-ApiToken"),
    ({"headers": {"X-ApiToken": 7}}, "entry 0 (id 5): headers: the value of X-ApiToken"),
    ({"headers": {"Bad Name": "t"}}, "entry 0 (id 5): headers: 'Bad Name' is not a header name"),
    ({"path": "api_v3/me"}, "entry 0 (id 5): path: missing, or does not start with /"),
    ({"method": "GET ME"}, "entry 0 (id 5): method"),
    ({"method": 3}, "entry 0 (id 5): method"),
    ({"query": {"a": 1}}, "entry 0 (id 5): query"),
    ({"query": "a=1 2"}, "entry 0 (id 5): query"),
    ({"body": {"a": 1}}, "entry 0 (id 5): body: not text"),
    ({"body": "not base64!", "body_encoding": "base64"}, "entry 0 (id 5): body: not base64"),
])
def test_a_malformed_entry_is_one_line_naming_the_entry_and_field(tmp_path, change, says):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"data": [{**GOOD, **change}]}))
    result = replay(str(path), "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1, result.output
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "sent:" not in result.output  # nothing sent


def test_a_request_http_client_refuses_is_counted_for_its_entry_not_raised(client, ns, live):
    ok(client.get("/api_v3/me", headers=auth(PATIENT_201)))
    replayer = Replayer(live, namespace=f"{ns}-bad")
    replayer.mapping = {PATIENT_201: "new\ntoken"}  # learned from a response: not a header value
    summary = Summary()
    [entry] = ok(client.get("/_sim/journal"))
    replayer.replay(entry, summary)
    replayer.replay({**entry, "headers": {}}, summary)
    assert summary.sent == 1 and summary.errors == []
    [(method, path, why)] = summary.unsendable
    assert (method, path) == ("GET", "/api_v3/me") and "header" in why.lower()
    lines = summary.lines()
    assert "not sent (the request could not be built): 1" in lines and "connection errors: 0" in lines


def test_entries_are_sent_oldest_first():
    text = json.dumps({"data": [{"id": 3, "method": "GET", "path": "/c"}, {"id": 1, "method": "GET", "path": "/a"},
                                {"id": 2, "method": "GET", "path": "/b"}]})
    assert [e["path"] for e in load_entries(text)] == ["/a", "/b", "/c"]


def test_learned_values_are_replaced_where_they_stand_whole():
    replayer = Replayer("http://x")
    replayer.learn({"data": {"id": "abcd-1", "token": {"token": "old-token"}, "n": 1, "short": "ab"}},
                   json.dumps({"data": {"id": "wxyz-2", "token": {"token": "new-token"}, "n": 2,
                                        "short": "cd"}}).encode())
    assert replayer.mapping == {"abcd-1": "wxyz-2", "old-token": "new-token"}
    path, query, headers, body = replayer.rewrite(
        "/api_v3/intakes/abcd-1.json", "id=abcd-1&keep=abcd-10", {"X-ApiToken": "old-token"},
        json.dumps({"intake_id": "abcd-1", "note": "about abcd-1", "list": ["old-token"]}).encode())
    assert path == "/api_v3/intakes/wxyz-2.json"
    assert query == "id=wxyz-2&keep=abcd-10"
    assert headers == {"X-ApiToken": "new-token"}
    assert json.loads(body) == {"intake_id": "wxyz-2", "note": "about abcd-1", "list": ["new-token"]}
    form = replayer.rewrite("/", "", {"Content-Type": "application/x-www-form-urlencoded"},
                            b"intake_id=abcd-1&x=1")[3]
    assert form == b"intake_id=wxyz-2&x=1"
    untouched = b'{"a":  "same"}'
    assert replayer.rewrite("/", "", {"Content-Type": "application/json"}, untouched)[3] == untouched
