"""The HTTP edge (vsee_sim/serving): what the server refuses by itself answers in VSee's
error body, and a request that never finishes costs no app thread.

The server runs in this process (waitress on a loopback port of its own, 2 app threads,
short timeouts); the tests wait on the server's answers, not on timers.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from vsee_sim.serving import server as serving
from vsee_sim.serving.edge import MAX_URL, Limits

TOKEN = "6366a7018a39536a1ef4b63626f8e734"
ANSWER_TIMEOUT = 10  # seconds a socket waits for an answer: a bound, never the expected time


@pytest.fixture(scope="module")
def edge(app):
    server = serving.build_server(Limits(app), "127.0.0.1", 0, threads=2, max_body=1024 * 1024)
    server.header_timeout = 0.5
    server.body_timeout = 0.5
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.task_dispatcher.shutdown()
    server.close()


def exchange(port: int, payload: bytes) -> tuple[int, dict, bytes]:
    """Send ``payload`` on a new connection; read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT) as sock:
        sock.sendall(payload)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:  # closed with part of an oversized request unread: the answer came first
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def assert_vsee_error(answer, status: int) -> dict:
    code, headers, body = answer
    assert code == status, body
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)
    assert error["code"] == status and error["message"]
    return error


def me(port: int, extra: bytes = b"") -> tuple[int, dict, bytes]:
    return exchange(port, b"GET /api_v3/me.json HTTP/1.1\r\nHost: x\r\nX-ApiToken: " + TOKEN.encode()
                    + b"\r\nConnection: close\r\n" + extra + b"\r\n")


def test_a_normal_request_answers(edge):
    code, _, body = me(edge)
    assert code == 200 and json.loads(body)["data"]["id"] == "201"


def test_a_malformed_chunk_size_is_400_not_500(edge):
    error = assert_vsee_error(exchange(edge, b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\n"
                                             b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"), 400)
    assert "chunk" in error["message"]


def test_headers_that_never_finish_get_408(edge):
    assert_vsee_error(exchange(edge, b"GET /api_v3/me HTTP/1.1\r\nHost: x\r\n"), 408)


def test_a_body_that_never_arrives_gets_408(edge):
    assert_vsee_error(exchange(edge, b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: 100000\r\n\r\nc"), 408)


def test_a_url_too_long_is_414_json(edge):
    path = b"/api_v3/me?x=" + b"a" * MAX_URL
    assert_vsee_error(exchange(edge, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 414)


def test_headers_too_large_are_431_json(edge):
    assert_vsee_error(me(edge, b"X-Big: " + b"a" * 70_000 + b"\r\n"), 431)


def test_a_body_over_the_limit_is_413_json(edge):
    assert_vsee_error(exchange(edge, b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: 2000000\r\n\r\n"), 413)


def test_half_sent_requests_hold_no_thread(edge):
    """More half-sent requests than app threads (2): a normal request still answers."""
    socks = []
    try:
        for payload in [b"GET / HTTP/1.1\r\nHost: x\r\n"] * 4 + [
                b"POST /api_v3/users/sso HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nc"] * 4 + [b""] * 4:
            sock = socket.create_connection(("127.0.0.1", edge), timeout=ANSWER_TIMEOUT)
            sock.sendall(payload)
            socks.append(sock)
        code, _, _ = me(edge)
        assert code == 200
    finally:
        for sock in socks:
            sock.close()


class _Lines:
    def __init__(self):
        self.lines = []

    def warning(self, msg, *args):
        self.lines.append(msg % args)


def test_the_queue_depth_warning_is_written_once_per_interval_with_what_it_stood_for():
    now = [100.0]
    lines = _Lines()
    queue_log = serving.QueueDepthLog(lines, interval=10, clock=lambda: now[0])
    for depth in (1, 5, 3, 2):  # a burst: the first is written, the rest held
        queue_log.warning("Task queue depth is %d", depth)
    assert lines.lines == ["Task queue depth is 1"]
    now[0] += 9.9
    queue_log.warning("Task queue depth is %d", 4)
    assert len(lines.lines) == 1
    now[0] += 0.2
    queue_log.warning("Task queue depth is %d", 2)
    assert lines.lines[1] == "Task queue depth is 2 (and 4 more times in the last 10 s, at most 5)"
    now[0] += 60  # a quiet spell: the next one is written alone
    queue_log.warning("Task queue depth is %d", 7)
    assert lines.lines[2] == "Task queue depth is 7"


def test_the_served_dispatcher_uses_the_rate_limited_queue_log(app):
    server = serving.build_server(app, "127.0.0.1", 0, threads=1)
    try:
        assert isinstance(server.task_dispatcher.queue_logger, serving.QueueDepthLog)
        assert server.task_dispatcher.queue_logger.logger.name == "waitress.queue"
    finally:
        server.close()
        server.task_dispatcher.shutdown(timeout=1)
