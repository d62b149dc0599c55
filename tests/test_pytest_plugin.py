"""The pytest plugin (vsee_sim.testing): a user's suite uses vsee-sim in three lines."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

USER_SUITE = '''
def test_documented_token_works_in_process(vsee):
    assert vsee.client.get("/api_v3/me", headers={"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}).status_code == 200

def test_live_server_over_http(vsee_live):
    import json, urllib.request
    req = urllib.request.Request(vsee_live.url + "/api_v3/me.json", headers={"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"})
    assert json.load(urllib.request.urlopen(req))["data"]["id"] == "201"

def test_live_server_is_the_one_vsee_sim_serve_runs(vsee_live):
    import json, urllib.error, urllib.request
    try:
        urllib.request.urlopen(vsee_live.url + "/api_v3/me?q=" + "x" * 9000)
        raise AssertionError("a 9 KB URL was accepted")
    except urllib.error.HTTPError as exc:
        assert (exc.code, json.load(exc)["code"], exc.headers["Server"]) == (414, 414, "vsee-sim")

def test_each_test_has_its_own_namespace_a(vsee):
    vsee.freeze(1767225600)
    assert vsee.clock()["now"] == 1767225600

def test_each_test_has_its_own_namespace_b(vsee):
    assert vsee.clock()["mode"] == "real"

def test_snapshot_and_restore_live(vsee_live):
    vsee_live.snapshot("clean")
    vsee_live.advance(60)
    assert vsee_live.clock()["mode"] == "offset"
    vsee_live.restore("clean")
    assert vsee_live.clock()["mode"] == "real"
'''


def test_a_user_suite_runs_with_the_plugin(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_SUITE))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "vsee_sim.testing", "-p", "no:cacheprovider",
                          str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed" in run.stdout


def test_a_failing_control_call_names_the_endpoint(vsee):
    try:
        vsee.restore("never-saved")
    except AssertionError as exc:
        assert "/_sim/snapshots/never-saved/restore answered 404" in str(exc)
    else:
        raise AssertionError("restoring an unknown snapshot must fail")


def test_outbox_filters_are_url_encoded(vsee):
    r = vsee.client.post("/api_v3/users/reset_password.json", data={"email": "an+user1@vsee.com"})
    assert r.status_code == 200
    assert [m["template"] for m in vsee.outbox(to="an+user1@vsee.com")] == ["reset_password"]


def test_the_fixtures_send_the_admin_token_the_server_wants(tmp_path):
    (tmp_path / "test_admin.py").write_text(textwrap.dedent('''
        def test_in_process(vsee):
            assert vsee.freeze(1767225600)["now"] == 1767225600

        def test_live(vsee_live):
            assert vsee_live.advance(60)["mode"] == "offset"
    '''))
    env = {**os.environ, "VSEE_SIM_ADMIN_TOKEN": "plugin-s3cret"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr



def test_a_dead_vsee_url_is_one_clear_line_per_test(tmp_path):
    (tmp_path / "test_dead.py").write_text("def test_live(vsee_live):\n    pass\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "vsee_sim.testing", "-p", "no:cacheprovider",
                          "--vsee-url", "http://127.0.0.1:1", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1
    assert "cannot reach the simulator at http://127.0.0.1:1 (connection refused)" in run.stdout
    assert "(--vsee-url or VSEE_SIM_URL)" in run.stdout
    assert "Traceback" not in run.stdout and len(run.stdout.splitlines()) < 25, run.stdout


def test_webhook_deliveries_are_waited_for_not_slept_for(vsee):
    """Webhooks go out after the API call has answered; ``vsee.deliveries()`` waits for them."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    events = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            events.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["event"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        vsee.webhook(f"http://127.0.0.1:{server.server_port}/hook", events=["visit.created"])
        key = {"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"}
        sso = vsee.client.post("/api_v3/users/sso.json", headers=key,
                               json={"type": 200, "code": "hook-1", "first_name": "Ann", "last_name": "Lee"})
        token = {"X-ApiToken": sso.get_json()["data"]["token"]["token"]}
        intake = vsee.client.post("/api_v3/intakes", headers=token, json={
            "room_code": "ceproom1", "reason_for_visit": "Cough", "type": 1, "location": "CA"}).get_json()["data"]
        walk_in = vsee.client.post("/api_v3/visits/add_walkin", headers=token,
                                   json={"room_code": "ceproom1", "intake_id": intake["id"]})
        assert walk_in.status_code == 200
        [delivery] = vsee.deliveries()
        assert (delivery["status"], delivery["last_status_code"], events) == ("delivered", 204, ["visit.created"])
    finally:
        server.shutdown()
        server.server_close()
