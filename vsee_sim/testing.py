"""The pytest plugin: vsee-sim in a user's test suite with three lines.

Enable it with ``pytest -p vsee_sim.testing`` or ``pytest_plugins = ["vsee_sim.testing"]``
in a top-level conftest.py (installing vsee-sim also registers it as the ``vsee_sim``
entry point, so it is usually on already). Every test gets a namespace of its own, so
tests are isolated and may run in parallel (pytest-xdist) against one simulator.

Fixtures:
- ``vsee``: the in-process simulator for this test: ``vsee.client`` is a Flask test
  client bound to a fresh namespace; ``vsee.freeze()``, ``vsee.advance(s)``,
  ``vsee.snapshot(name)``, ``vsee.restore(name)``, ``vsee.outbox()``... drive /_sim;
  ``vsee.webhook(url)`` registers a receiver and ``vsee.deliveries()`` waits until what
  is due has been posted (webhooks go out after the API call has answered).
- ``vsee_live``: the same over HTTP: ``vsee_live.url`` is a base URL (``.../ns/<name>``)
  for any HTTP client; the API is at ``vsee_live.url + "/api_v3"``. The server is one
  per session, started on a free loopback port in a thread, or the one named by
  ``--vsee-url`` / ``VSEE_SIM_URL`` (a docker-compose service, say).
- ``vsee_app``, ``vsee_server``, ``vsee_namespace``: the parts, for custom setups.
Options: ``--vsee-fixture`` (``VSEE_SIM_FIXTURE``, default demo), ``--vsee-seed``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
import uuid
from urllib.parse import urlencode

import pytest

_names = itertools.count(1)


def pytest_addoption(parser):
    group = parser.getgroup("vsee-sim")
    group.addoption("--vsee-url", default=os.environ.get("VSEE_SIM_URL"),
                    help="use this running vsee-sim instead of starting one (env VSEE_SIM_URL)")
    group.addoption("--vsee-fixture", default=os.environ.get("VSEE_SIM_FIXTURE", "demo"),
                    help="fixture of the in-process simulator (default demo)")
    group.addoption("--vsee-seed", default=int(os.environ.get("VSEE_SIM_SEED", "0")), type=int,
                    help="seed of the in-process simulator's ids, tokens and fault draws")


class Sim:
    """One namespace of a simulator and its control plane, over a transport.

    ``send(method, path, body) -> (status, payload)`` is the transport: a Flask test
    client in-process, HTTP for a live server.
    """

    def __init__(self, namespace: str, send, client, url: str | None = None):
        self.namespace = namespace
        self.client = client
        self.url = url
        self._send = send

    def control(self, method: str, path: str, body: dict | None = None):
        status, payload = self._send(method, "/_sim" + path, body)
        if status != 200:
            raise AssertionError(f"{method} /_sim{path} answered {status}: {payload}")
        return payload.get("data") if isinstance(payload, dict) and "data" in payload else payload

    # the clock
    def clock(self) -> dict:
        return self.control("GET", "/clock")

    def freeze(self, at=None) -> dict:
        return self.control("POST", "/clock/freeze", {} if at is None else {"at": at})

    def advance(self, seconds: float) -> dict:
        return self.control("POST", "/clock/advance", {"seconds": seconds})

    def real(self) -> dict:
        return self.control("POST", "/clock/real")

    # state
    def reset(self, fixture: str | None = None, seed: int | None = None) -> dict:
        body = {k: v for k, v in (("fixture", fixture), ("seed", seed)) if v is not None}
        return self.control("POST", "/reset", body)

    def snapshot(self, name: str) -> dict:
        return self.control("POST", "/snapshots", {"name": name})

    def restore(self, name: str) -> dict:
        return self.control("POST", f"/snapshots/{name}/restore")

    def export(self) -> dict:
        return self.control("GET", "/state")

    def load(self, document: dict) -> dict:
        return self.control("POST", "/state", document)

    # what the service would send
    def outbox(self, **filters) -> list[dict]:
        query = urlencode(filters)
        return self.control("GET", "/outbox" + (f"?{query}" if query else ""))

    # webhooks
    def webhook(self, url: str, events=None, secret: str | None = None, account: str | None = None) -> dict:
        """Register a receiver for this namespace's visit events (``POST /_sim/webhooks``)."""
        body = {k: v for k, v in (("url", url), ("events", events), ("secret", secret), ("account", account))
                if v is not None}
        return self.control("POST", "/webhooks", body)

    def deliveries(self, wait: float | None = 10, **filters) -> list[dict]:
        """The delivery log, newest first, once every delivery that is due has been attempted.

        Webhooks are posted by the simulator's sender pool after the API call that caused
        them has answered: ``wait`` (seconds, at most 60; None not to wait) blocks until
        each due delivery's attempt is logged, so a test asserts on what was sent with no
        sleep. A receiver that answers late shows up as ``sending`` when the time is up, as
        does everything when the server had no waiter place free all that time (503s).
        """
        deadline = time.monotonic() + (wait or 0)
        while True:
            left = None if wait is None else round(max(0.0, deadline - time.monotonic()), 3)
            query = urlencode({**({"wait": left} if left is not None else {}), **filters})
            path = "/_sim/webhooks/deliveries" + (f"?{query}" if query else "")
            status, payload = self._send("GET", path, None)
            if status == 503 and left:  # every waiter place taken on the server: ask again, and
                time.sleep(min(0.25, left))  # once the time is up, read the log as it stands
                continue
            if status != 200:
                raise AssertionError(f"GET /_sim/webhooks/deliveries answered {status}: {payload}")
            return payload["data"]


@pytest.fixture(scope="session")
def vsee_app(pytestconfig):
    """The in-process simulator (one per test session; tests are isolated by namespace)."""
    from vsee_sim.app import create_app

    return create_app({"FIXTURE": pytestconfig.getoption("--vsee-fixture"),
                       "SEED": pytestconfig.getoption("--vsee-seed")})


@pytest.fixture()
def vsee_namespace() -> str:
    """A fresh namespace name, unique across pytest-xdist workers, runs and CI machines
    sharing one server (a pid alone repeats across containers)."""
    return f"pytest-{uuid.uuid4().hex[:12]}-{next(_names)}"


@pytest.fixture()
def vsee(vsee_app, vsee_namespace) -> Sim:
    """The in-process simulator, in a namespace of this test's own."""
    client = vsee_app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = vsee_namespace
    admin_token = vsee_app.extensions["vsee_sim"].settings.admin_token
    if admin_token:  # the app read VSEE_SIM_ADMIN_TOKEN: its /_sim wants it
        client.environ_base["HTTP_X_SIM_ADMIN_TOKEN"] = admin_token

    def send(method, path, body):
        resp = client.open(path, method=method, json=body)
        return resp.status_code, resp.get_json(silent=True)

    return Sim(vsee_namespace, send, client)


@pytest.fixture(scope="session")
def vsee_server(pytestconfig, vsee_app):
    """Base URL of a live simulator: ``--vsee-url`` if given, else one started here."""
    url = pytestconfig.getoption("--vsee-url")
    if url:
        from vsee_sim.remote import Remote, unreachable

        try:  # any answer will do (with --no-control the health check is a 404)
            Remote(url, timeout=10).get("/_sim/health")
        except (OSError, ValueError) as exc:  # ValueError: not an http URL at all
            pytest.fail(unreachable(url, exc, "--vsee-url") if isinstance(exc, OSError)
                        else f"--vsee-url {url!r} is not an http:// URL: {exc}", pytrace=False)
        yield url.rstrip("/")
        return
    from vsee_sim.serving.server import InThread

    server = InThread(vsee_app)  # the server `vsee-sim serve` runs, on a thread
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture()
def vsee_live(vsee_server, vsee_namespace):
    """The live simulator, in a namespace of this test's own: ``vsee_live.url`` + "/api_v3".

    The namespace is reset first (a shared server may know the name from an earlier run)
    and forgotten afterwards, so a long-lived server does not fill up.
    """
    from vsee_sim.remote import Remote

    remote = Remote(vsee_server, namespace=vsee_namespace,
                    admin_token=os.environ.get("VSEE_SIM_ADMIN_TOKEN"))

    def send(method, path, body):
        resp = remote.request(method, path, json_body=body)
        try:
            return resp.status, resp.json()
        except ValueError:
            return resp.status, resp.body.decode("utf-8", "replace")

    sim = Sim(vsee_namespace, send, remote, url=f"{vsee_server}/ns/{vsee_namespace}")
    try:
        sim.reset()
    except OSError as exc:  # the server went away since the session began
        from vsee_sim.remote import unreachable

        pytest.fail(unreachable(vsee_server, exc, "--vsee-url"), pytrace=False)
    yield sim
    with contextlib.suppress(OSError):  # the server went away first: nothing to tidy
        remote.delete(f"/_sim/namespaces/{vsee_namespace}")
