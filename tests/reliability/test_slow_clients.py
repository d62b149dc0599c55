"""Slow and malformed clients against a real ``vsee-sim serve`` (issue 12, point 1).

Each probe opens its sockets on loopback, then a normal request must answer: a socket
timeout of ``ANSWER_TIMEOUT`` seconds bounds the wait. The issue's figure (a normal request
answers in under 100 ms with 20 slow sockets open) is asserted on the median of several
requests, against a baseline measured in the same test without the probes: under 100 ms,
or within 3x the baseline when the machine itself is that slow. Before the fix, such a
request never answered.
The server runs with 2 app threads and 3-second request timeouts so that the probes outnumber
the threads and the 408s arrive soon; the whole module is bounded by those timeouts.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.soak

TOKEN = "6366a7018a39536a1ef4b63626f8e734"
ANSWER_TIMEOUT = 5      # seconds a normal request may take while the probes are open
BOUND_MS = 100          # the figure for a normal request with 20 slow sockets open
SAMPLES = 9
THREADS = 2
REQUEST_TIMEOUT = 3     # VSEE_SIM_HEADER_TIMEOUT and VSEE_SIM_BODY_TIMEOUT of the server
START_TIMEOUT = 30
PARTIAL_HEAD = b"GET /api_v3/me HTTP/1.1\r\nHost: x\r\n"
SHORT_BODY = (b"POST /api_v3/users/sso.json HTTP/1.1\r\nHost: x\r\nX-ApiKey: vclinic_api_key\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nc")


class Served:
    """``vsee-sim serve`` in its own process group; its output is kept in a log file."""

    def __init__(self, workdir: Path, *args: str):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = workdir / f"serve-{self.port}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "VSEE_SIM_HEADER_TIMEOUT": str(REQUEST_TIMEOUT),
               "VSEE_SIM_BODY_TIMEOUT": str(REQUEST_TIMEOUT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", str(self.port), "--threads", str(THREADS),
             "--seed", "7", *args], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        ready = threading.Event()

        def pump():
            with open(self.log, "ab") as log:
                for line in self.proc.stdout:
                    log.write(line)
                    log.flush()
                    if b"vsee-sim: ready" in line:
                        ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(START_TIMEOUT) or self.proc.poll() is not None:
            self.kill()
            pytest.fail(f"the server did not come up:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def open(self, payload: bytes) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=REQUEST_TIMEOUT * 5)
        if payload:
            sock.sendall(payload)
        return sock

    def me(self) -> dict:
        """A normal request on a fresh connection; its status and body (raises on timeout)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=ANSWER_TIMEOUT) as sock:
            sock.sendall(f"GET /api_v3/me.json HTTP/1.1\r\nHost: x\r\nX-ApiToken: {TOKEN}\r\n"
                         "Connection: close\r\n\r\n".encode())
            data = read_all(sock)
        head, _, body = data.partition(b"\r\n\r\n")
        return {"status": int(head.split()[1]), "body": json.loads(body)}


def read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("slow"), "--quiet")
    yield served
    served.kill()


@pytest.mark.parametrize(("count", "payload"), [(8, PARTIAL_HEAD), (20, PARTIAL_HEAD), (20, SHORT_BODY), (8, b"")],
                         ids=["8-partial-heads", "20-partial-heads", "20-short-bodies", "8-idle"])
def test_a_normal_request_answers_while_slow_clients_hold_sockets(server, count, payload):
    baseline = median_ms(server)
    socks = [server.open(payload) for _ in range(count)]
    try:
        held = median_ms(server)
    finally:
        for sock in socks:
            sock.close()
    print(f"\n[slow clients] {count} sockets: GET /me median {held:.1f} ms (none open: {baseline:.1f} ms)")
    assert held < max(BOUND_MS, 3 * baseline), (held, baseline)


def median_ms(server: Served) -> float:
    """The median latency of ``SAMPLES`` normal requests, each checked for the right answer."""
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        answer = server.me()
        times.append((time.perf_counter() - started) * 1000)
        assert answer["status"] == 200 and answer["body"]["data"]["id"] == "201"
    return statistics.median(times)


@pytest.mark.parametrize("payload", [PARTIAL_HEAD, SHORT_BODY], ids=["head", "body"])
def test_a_request_that_never_finishes_gets_408_in_vsee_json(server, payload):
    with server.open(payload) as sock:
        data = read_all(sock)               # the server answers once its timeout has passed
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split()[1] == b"408", data
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["code"] == 408


def test_a_port_in_use_is_one_line_before_serving_on(server, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "vsee_sim.cli", "serve", "--port", str(server.port)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "serving on" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"vsee-sim: cannot listen on 127.0.0.1:{server.port}: Address already in use"]


def test_sigterm_flushes_the_data_file_and_exits(tmp_path):
    data = tmp_path / "state.json"
    served = Served(tmp_path, "--quiet", "--data", str(data))
    try:
        with socket.create_connection(("127.0.0.1", served.port), timeout=ANSWER_TIMEOUT) as sock:
            body = b"first_name=Term&last_name=Flush&code=sigterm-flush&type=200"
            sock.sendall(b"POST /api_v3/users/sso.json HTTP/1.1\r\nHost: x\r\nX-ApiKey: vclinic_api_key\r\n"
                         b"X-AccountCode: vclinic\r\nX-Sim-Namespace: term\r\nConnection: close\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            assert read_all(sock).startswith(b"HTTP/1.1 200")
        os.killpg(served.proc.pid, signal.SIGTERM)
        assert served.proc.wait(timeout=30) == 0
    finally:
        served.kill()
    assert "sigterm-flush" in data.read_text(encoding="utf-8")
    assert "vsee-sim: stopped" in served.log.read_text()
