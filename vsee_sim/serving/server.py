"""``vsee-sim serve``: waitress, one process, a whole request before a thread.

Why waitress (measured in ``bench/servers.py``, figures in ``bench/RESULTS.md``): its event
loop reads a request's head *and body* before it queues the request for one of the app
threads, so slow, idle or half-sent connections cost a socket, not a thread (gunicorn's
gthread gives a thread per connection; granian's WSGI interface gives one as soon as the
head has arrived, and a body that never comes holds it); and everything it refuses by itself
goes through ``error_task_class``, so 400, 408, 413 and 431 come back in VSee's JSON body.

What is ours on top of waitress (documented class attributes, waitress 3.x):
- ``JsonErrorTask``: waitress's own error answers in VSee's body (with ``X-Sim-Shard`` on a
  shard, like every answer of the app: ``own_headers``);
- ``TimedParser`` + ``SimServer.maintenance``: a request whose head has not arrived within
  ``header_timeout`` seconds, or whose body has not within ``body_timeout`` more, is answered
  408 and its connection closed (waitress alone would only close connections idle for
  ``channel_timeout``, silently);
- ``edge.AccessLog`` and ``edge.Limits`` (WSGI): the access line and the 414;
- ``QueueDepthLog``: waitress's "Task queue depth" warning at most once per
  ``QUEUE_LOG_INTERVAL`` seconds, with what it left out (waitress writes one per request
  that finds every app thread busy: a line per request under any load test).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
import time

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error

from vsee_sim.serving.edge import AccessLog, Limits, access, error_body
from vsee_sim.sharding.edge import SHARD_HEADER

log = logging.getLogger("vsee_sim.server")

IDLE_TIMEOUT = 120          # a keep-alive connection with no request in progress is closed silently
CONNECTION_LIMIT = 1000     # open sockets (each costs a file descriptor, not a thread)
QUEUE_LOG_INTERVAL = 10.0   # seconds between two "Task queue depth" warnings


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (bad chunk, header or body too large, timeout, an app that
    failed before answering) as VSee's JSON, with the server's ``headers``."""

    def execute(self):
        err = self.request.error
        body = error_body(err.code, _message(err))
        self.status = f"{err.code} {err.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), *self.channel.server.headers])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        access.info('%s "-" %s %s 0ms ns=- (%s)', self.channel.addr[0] if self.channel.addr else "-",
                    err.code, len(body), err.body)


def _message(err: Error) -> str | None:
    if err.code == 400 and err.body:
        return f"The request could not be read: {err.body}."
    return None  # edge.MESSAGES


class TimedParser(HTTPRequestParser):
    """Remembers when the request began and when its head was complete."""

    def __init__(self, adj):
        super().__init__(adj)
        self.began = time.monotonic()
        self.head_done: float | None = None

    def received(self, data):
        n = super().received(data)
        if self.headers_finished and self.head_done is None:
            self.head_done = time.monotonic()
        return n


class SimChannel(HTTPChannel):
    parser_class = TimedParser
    error_task_class = JsonErrorTask


class SimServer(TcpWSGIServer):
    channel_class = SimChannel
    headers: list[tuple[str, str]] = []  # on every answer the server gives by itself
    header_timeout = 10.0   # seconds for a request's head (Settings: VSEE_SIM_HEADER_TIMEOUT)
    body_timeout = 30.0     # seconds more for its body (VSEE_SIM_BODY_TIMEOUT)

    def maintenance(self, now):
        super().maintenance(now)  # idle keep-alive connections: closed after channel_timeout
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is None or not isinstance(request, TimedParser) or request.completed:
                continue
            late = (mono - request.began > self.header_timeout if request.head_done is None
                    else mono - request.head_done > self.body_timeout)
            if late:
                self._time_out(channel, request)

    def _time_out(self, channel, request) -> None:
        """Answer 408 the way waitress answers a parse error: the request becomes an error."""
        with channel.requests_lock:
            if channel.request is not request or channel.will_close or channel.close_when_flushed:
                return
            part = "body" if request.head_done is not None else "headers"
            request.error = RequestTimeout(part)
            request.completed = True
            channel.request = None
            channel.requests.append(request)
            if len(channel.requests) == 1:
                self.add_task(channel)


class QueueDepthLog:
    """The dispatcher's ``queue_logger``: its "Task queue depth is %d" warning, which
    waitress gives for every request queued while all app threads are busy, written at
    most once per ``interval`` seconds, saying how many it stood for and the deepest.

    Called by ``ThreadedTaskDispatcher.add_task`` under the dispatcher's lock, so its
    counts need no lock of their own. Nothing but that warning comes through here.
    """

    def __init__(self, logger: logging.Logger, interval: float = QUEUE_LOG_INTERVAL, clock=time.monotonic):
        self.logger, self.interval, self.clock = logger, interval, clock
        self.next_at = float("-inf")
        self.held = 0       # warnings left out since the last one written
        self.deepest = 0    # the deepest queue among them

    def warning(self, msg: str, depth: int, *args) -> None:
        now = self.clock()
        if now < self.next_at:
            self.held += 1
            self.deepest = max(self.deepest, depth)
            return
        if self.held:
            self.logger.warning(msg + " (and %d more times in the last %.0f s, at most %d)", depth, *args,
                                self.held, self.interval, self.deepest)
        else:
            self.logger.warning(msg, depth, *args)
        self.next_at, self.held, self.deepest = now + self.interval, 0, 0


def build_server(app, host: str, port: int, threads: int, max_body: int = 16 * 1024 * 1024,
                 timeouts: tuple[float, float] | None = None, headers: list[tuple[str, str]] = ()):
    """The listening server (raises OSError if the address cannot be bound); ``timeouts``:
    seconds for a request's head, then for its body (default: SimServer's); ``headers``: sent
    with the server's own refusals."""
    adj = Adjustments(host=host, port=port, threads=threads, channel_timeout=IDLE_TIMEOUT,
                      max_request_body_size=max_body,
                      cleanup_interval=1, connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True,
                      max_request_header_size=64 * 1024, ident="vsee-sim", expose_tracebacks=False)
    sim_map: dict = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.queue_logger = QueueDepthLog(logging.getLogger("waitress.queue"))
    dispatcher.set_thread_count(adj.threads)
    servers = [SimServer(app, sim_map, dispatcher=dispatcher, adj=adj, sockinfo=info) for info in adj.listen]
    for server in servers if timeouts else ():
        server.header_timeout, server.body_timeout = timeouts
    for server in servers:
        server.headers = list(headers)
    if len(servers) == 1:
        return servers[0]
    listen = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(sim_map, adj, listen, dispatcher)


class InThread:
    """The server we ship, run on a thread of this process (the pytest plugin's ``vsee_live``):
    the same request reading, limits and error bodies as ``vsee-sim serve``, no signals."""

    def __init__(self, app, host: str = "127.0.0.1", threads: int = 8):
        self.server = _build_for(app, Limits(app, own_headers(app)), host, 0, threads)
        self.url = f"http://{host}:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, name="vsee-sim-live", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Close every socket from the loop's own thread (the loop ends once its map is
        empty), then let the app threads finish what they hold."""
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map, ignore_all=True))
        self.thread.join(timeout)
        self.server.task_dispatcher.shutdown(timeout=timeout)


def serve(overrides: dict, host: str, port: int, threads: int, quiet: bool, echo=print) -> None:
    """Create the app, bind, say so, serve until SIGTERM or SIGINT; then return (atexit
    hooks, such as the --data flush, run as the interpreter exits)."""
    from vsee_sim.app import create_app

    _logging(quiet)
    app = create_app({**overrides, "SERVER_THREADS": threads})
    wsgi = Limits(app, own_headers(app))
    if not quiet:
        wsgi = AccessLog(wsgi)
    try:
        server = _build_for(app, wsgi, host, port, threads)
    except OSError as exc:
        reason = "Address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        echo(f"vsee-sim: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        raise SystemExit(1) from None
    except (ValueError, socket.gaierror) as exc:
        echo(f"vsee-sim: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    echo(f"vsee-sim: serving on http://{host}:{port}/api_v3/ (docs: http://{host}:{port}/docs)")
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("vsee-sim: ready (pid %s, %s threads)", os.getpid(), threads)
    server.run()  # returns once a signal stopped the loop and the threads finished (5 s at most)
    log.info("vsee-sim: stopped")


def _build_for(app, wsgi, host: str, port: int, threads: int):
    """``build_server`` for ``wsgi`` (``app``, wrapped) with the app's body limit and timeouts."""
    settings = app.extensions["vsee_sim"].settings
    return build_server(wsgi, host, port, threads, app.config["MAX_CONTENT_LENGTH"],
                        (settings.header_timeout, settings.body_timeout), own_headers(app))


def own_headers(app) -> list[tuple[str, str]]:
    """Headers of the answers the HTTP server gives by itself (its refusals, the 414), as the
    app's own answers carry them: ``X-Sim-Shard`` when the process is a shard."""
    shard = app.extensions["vsee_sim"].settings.shard
    return [(SHARD_HEADER, shard)] if shard else []


def _stop(signum, frame):
    raise SystemExit(0)


def _logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%Y-%m-%d %H:%M:%S %z"))
    for name in ("vsee_sim.server", "vsee_sim.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.getLogger("vsee_sim.access").disabled = quiet
    waitress_log = logging.getLogger("waitress")
    waitress_log.handlers[:] = [handler]
    waitress_log.setLevel(logging.WARNING)
