"""Checks an installed vsee-sim (a wheel in a venv outside the checkout) as a user would.

Run by .ci/stages/20-wheel with the venv's python, from a temporary directory:
``python check_installed.py WORKDIR``. Every wait is bounded; any failure exits 1 with
what was seen.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

WORK = Path(sys.argv[1])
BIN = Path(sys.executable).parent
DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"


def fail(message: str) -> None:
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def page(url: str) -> tuple[int, str, str]:
    """Status, content type and text of a page (HTML, CSS, JS), whatever its status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read().decode("utf-8", "replace")


def check_pages(base: str) -> None:
    """What the wheel carries besides code: the landing page, Swagger UI with every asset it
    loads, the portal's templates (its sign-in error page) and static files, the inspector's page
    and its assets."""
    status, kind, text = page(base + "/")
    if status != 200 or kind != "text/html" or 'href="/docs' not in text:
        fail(f"landing page /: {status} {kind} {text[:300]}")
    status, kind, text = page(base + "/docs/")
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', text)
    if status != 200 or len(assets) < 4:
        fail(f"/docs/: {status} {kind}, assets {assets}")
    for asset in [*assets, "/portal-static/portal.css", "/portal-static/portal.js"]:
        status, kind, text = page(base + asset)
        if status != 200 or len(text) < 100:
            fail(f"{asset}: {status} {kind} ({len(text)} characters)")
    status, kind, text = page(base + "/u/clinic")   # not signed in: the portal's own error page
    if status != 401 or kind != "text/html" or 'data-testid="page-error"' not in text:
        fail(f"portal page /u/clinic: {status} {kind} {text[:300]}")
    status, kind, text = page(base + "/_sim/ui")   # the inspector: its template and every asset it loads
    ui_assets = re.findall(r'(?:src|href)="(/_sim/ui/static/[^"]+)"', text)
    if status != 200 or kind != "text/html" or "inspector.js" not in " ".join(ui_assets):
        fail(f"/_sim/ui: {status} {kind}, assets {ui_assets}")
    for asset in ui_assets:
        status, kind, text = page(base + asset)
        if status != 200 or len(text) < 100:
            fail(f"{asset}: {status} {kind} ({len(text)} characters)")
    print(f"ok: landing page, /docs/ and its {len(assets)} assets, portal template and static files, "
          f"/_sim/ui and its {len(ui_assets)} assets")


class Server:
    """``vsee-sim serve`` in the background, waited for by polling health (bounded)."""

    def __init__(self, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = WORK / f"serve-{self.port}.log"
        self.proc = subprocess.Popen([str(BIN / "vsee-sim"), "serve", "--port", str(self.port), *args],
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def __enter__(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail(f"vsee-sim serve exited {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if get(self.url + "/_sim/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        fail(f"no health in 60 s:\n{self.log.read_text()}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        log = self.log.read_text()
        if "Traceback" in log or "[ERROR]" in log:
            fail(f"the server logged an error:\n{log}")


def run(*args: str, expect: int = 0) -> str:
    done = subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, timeout=120)
    if done.returncode != expect:
        fail(f"{' '.join(args)} exited {done.returncode}, wanted {expect}:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def main() -> None:
    import vsee_sim

    where = Path(vsee_sim.__file__).resolve()
    if "site-packages" not in str(where):
        fail(f"vsee_sim imported from {where}, not from the installed wheel")
    print(f"vsee_sim from {where}")
    if "Usage:" not in run("vsee-sim", "--help"):
        fail("--help")
    if "/users/sso" not in run("vsee-sim", "routes"):
        fail("routes lists no /users/sso")
    if '"/api_v3/users/sso"' not in run("vsee-sim", "openapi", "print"):
        fail("openapi print")
    print("ok: --help, routes, openapi print")

    with Server() as sim:
        status, body = get(sim.url + "/_sim/health")
        print("health:", body)
        # The README's two curls: an SSO (multipart, as documented), then GET /me.
        sso = subprocess.run(
            ["curl", "-sf", "-X", "POST", "-H", "X-AccountCode: vclinic", "-H", "X-ApiKey: vclinic_api_key",
             "-F", "first_name=John", "-F", "last_name=Smith", "-F", "code=my-portal-user-1", "-F", "type=200",
             f"{sim.url}/api_v3/users/sso.json"], capture_output=True, text=True, timeout=30)
        if sso.returncode != 0 or json.loads(sso.stdout)["data"]["first_name"] != "John":
            fail(f"README SSO curl: {sso.returncode} {sso.stdout} {sso.stderr}")
        status, body = get(sim.url + "/api_v3/me.json", {"X-ApiToken": DEMO_TOKEN})
        if status != 200 or body["data"]["id"] != "201":
            fail(f"README GET /me: {status} {body}")
        print("ok: serve (demo), the README's SSO and GET /me")
        check_pages(sim.url)

    with Server("--fixture", "minimal") as sim:
        status, body = get(sim.url + "/_sim/namespaces")
        if status != 200 or get(sim.url + "/api_v3/me.json", {"X-ApiToken": DEMO_TOKEN})[0] != 401:
            fail("--fixture minimal still knows the demo's token")
        print("ok: --fixture minimal")

    import vsee_sim.config as config

    clinic = WORK / "my clinic.json"
    clinic.write_text(config.fixture_path("demo").read_text())
    with Server("--fixture", str(clinic.resolve())) as sim:
        if get(sim.url + "/api_v3/me.json", {"X-ApiToken": DEMO_TOKEN})[0] != 200:
            fail("--fixture /abs/path.json")
        print("ok: --fixture /abs/path.json")

    out = run("vsee-sim", "serve", "--fixture", "no-such-clinic", expect=1)
    if "cannot load the fixture" not in out or "Traceback" in out:
        fail(f"a bad fixture: {out}")

    suite = WORK / "user-suite"
    suite.mkdir()
    (suite / "test_my_portal.py").write_text(textwrap.dedent(f'''
        import json, urllib.request

        def test_sso_then_me_in_process(vsee):
            r = vsee.client.post("/api_v3/users/sso.json", headers={{"X-ApiKey": "vclinic_api_key"}},
                                 data={{"first_name": "Ann", "last_name": "Lee", "code": "ann-1", "type": "200"}})
            assert r.status_code == 200
            token = r.get_json()["data"]["token"]["token"]
            assert vsee.client.get("/api_v3/me.json", headers={{"X-ApiToken": token}}).get_json()["data"]["first_name"] == "Ann"

        def test_the_clock_moves_in_process(vsee):
            vsee.freeze(1767225600)
            assert vsee.clock()["now"] == 1767225600

        def test_live_server(vsee_live):
            req = urllib.request.Request(vsee_live.url + "/api_v3/me.json", headers={{"X-ApiToken": "{DEMO_TOKEN}"}})
            assert json.load(urllib.request.urlopen(req, timeout=10))["data"]["id"] == "201"

        def test_live_outbox(vsee_live):
            req = urllib.request.Request(vsee_live.url + "/api_v3/users/reset_password.json",
                                         data=b"email=an%2Buser1@vsee.com", method="POST")
            urllib.request.urlopen(req, timeout=10)
            assert [m["template"] for m in vsee_live.outbox()] == ["reset_password"]
    '''))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                          cwd=suite, capture_output=True, text=True, timeout=300)
    print(done.stdout[-2000:])
    if done.returncode != 0 or "4 passed" not in done.stdout:
        fail(f"the user's suite through the plugin:\n{done.stdout}{done.stderr}")
    print("ok: a user's suite through the plugin (vsee, vsee_live)")
    print("wheel: all checks passed")


if __name__ == "__main__":
    os.environ.pop("VSEE_SIM_FIXTURES_DIR", None)
    main()
