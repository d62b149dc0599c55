"""One webhook delivery attempt over HTTP (urllib): ``post``. Imported by the sender's first
attempt (``sending.post``), not at start: urllib.request is about 320 KiB of memory.

The receiver has ``connect_timeout`` to accept (and finish a TLS handshake), then each read
``read_timeout``; a redirect is a failed attempt; a receiver on this machine is reached
directly, never through a proxy of the environment.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from vsee_sim import __version__
from vsee_sim.control.events import rules


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: a failed attempt, as most webhook senders count it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _ReadTimeout:
    """Connect within the connection's timeout (urlopen's), then each read within ``read_timeout``."""

    read_timeout = 3.0  # each handler's connection class sets its own

    def connect(self):
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout: float):
        super().__init__()
        self.connection = type("_Conn", (_HTTPConnection,), {"read_timeout": read_timeout})

    def http_open(self, req):
        return self.do_open(self.connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float):
        super().__init__()
        self.connection = type("_Conn", (_HTTPSConnection,), {"read_timeout": read_timeout})

    def https_open(self, req):
        return self.do_open(self.connection, req, context=self._context)


def _opener(direct: bool, read_timeout: float):
    handlers = [_NoRedirect, _HTTPHandler(read_timeout), _HTTPSHandler(read_timeout)]
    if direct:
        handlers.insert(0, urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def post(delivery: dict, secret: str | None, namespace: str, connect_timeout: float,
         read_timeout: float) -> dict:
    """One attempt: ``{"status_code"}`` or ``{"error"}``, with ``duration_ms`` (wall clock)."""
    body = json.dumps(delivery["payload"], separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": f"vsee-sim/{__version__}",
        "X-Sim-Event": delivery["event"], "X-Sim-Delivery": delivery["id"], "X-Sim-Namespace": namespace,
        "X-Sim-Attempt": str(int(delivery.get("attempts") or 0) + 1),
    }
    if secret:
        headers["X-Sim-Signature"] = rules.signature(secret, body)
    url = delivery["url"]
    outcome: dict = {}
    started = time.perf_counter()
    try:
        opener = _opener(_loopback(url), read_timeout)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with opener.open(request, timeout=connect_timeout) as response:
            response.read(65536)
            outcome["status_code"] = response.status
    except urllib.error.HTTPError as exc:
        outcome["status_code"] = exc.code
        exc.close()
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        outcome["error"] = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    outcome["duration_ms"] = round((time.perf_counter() - started) * 1000)
    return outcome


def _loopback(url: str) -> bool:
    """A receiver on this machine is never reached through a proxy of the environment."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
