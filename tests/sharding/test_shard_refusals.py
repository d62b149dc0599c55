"""A shard names itself on the answers the HTTP server gives by itself, too: waitress's
refusals (400 unreadable, 408 too slow, 413 body too large, 431 headers too large, 500 when
the app failed before answering) and the edge's 414 carry ``X-Sim-Shard`` like every answer of
the app, so a client behind the router always learns which shard refused it.

The shard is ``vsee-sim serve``'s server (``InThread``: the same Limits, timeouts and error
task) on a loopback port; the tests wait for the server's answers, not on timers.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from vsee_sim.app import create_app
from vsee_sim.serving import server as serving
from vsee_sim.serving.edge import MAX_URL
from vsee_sim.serving.server import InThread
from vsee_sim.sharding.edge import SHARD_HEADER

SHARD = "shard-9"


@pytest.fixture(scope="module")
def port():
    app = create_app({"FIXTURE": "minimal", "TICK_INTERVAL": 0, "SHARD": SHARD, "MAX_BODY_BYTES": 1024,
                      "HEADER_TIMEOUT": 0.2, "BODY_TIMEOUT": 0.2})
    live = InThread(app, threads=2)
    yield live.server.effective_port
    live.stop()


def answer(port: int, request: bytes) -> tuple[int, dict, dict]:
    """Status, headers (lower-case names) and JSON body of the answer to ``request``."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:  # the rest of an oversized request was left unread
            pass
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines)}
    return int(status_line.split()[1]), headers, json.loads(body)


REFUSED = {
    400: b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    408: b"GET /api_v3/me HTTP/1.1\r\nHost: x\r\n",  # the head never ends
    413: b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + b"x" * 4096,
    414: b"GET /api_v3/me?q=" + b"a" * MAX_URL + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    431: b"GET /api_v3/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n",
}


@pytest.mark.parametrize("status", sorted(REFUSED))
def test_a_shards_own_refusals_name_it(port, status):
    got, headers, body = answer(port, REFUSED[status])
    assert (got, body["code"]) == (status, status) and body["message"]
    assert headers["content-type"] == "application/json"
    assert headers[SHARD_HEADER.lower()] == SHARD


def test_an_app_that_fails_before_answering_is_a_json_500_naming_the_shard():
    def broken(environ, start_response):
        raise RuntimeError("the app failed before start_response")

    server = serving.build_server(broken, "127.0.0.1", 0, threads=1, headers=[(SHARD_HEADER, SHARD)])
    threading.Thread(target=server.run, daemon=True).start()
    try:
        got, headers, body = answer(server.effective_port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    finally:
        server.task_dispatcher.shutdown()
        server.close()
    assert (got, body) == (500, {"code": 500, "message": "The server could not answer this request."})
    assert headers[SHARD_HEADER.lower()] == SHARD


def test_a_lone_servers_refusals_name_no_shard(app):
    assert serving.own_headers(app) == []
