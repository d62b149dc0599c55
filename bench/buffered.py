"""A candidate of bench/servers.py: granian (ASGI or RSGI) in front of WSGI threads, with the
body read on the event loop before a thread is given (granian's own WSGI interface gives a
thread as soon as the head has arrived and lets it wait for the body).

Not used by vsee-sim itself: ``vsee-sim serve`` runs waitress (vsee_sim/serving/server.py),
which buffers whole requests by itself. Kept here so the comparison can be re-run.
"""

from __future__ import annotations

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from vsee_sim.serving.edge import error_body

_CLOSE = [("content-type", "application/json"), ("connection", "close")]


class BufferedWSGI:
    """ASGI and RSGI -> WSGI, reading the body on the loop (``body_timeout`` s, ``max_body`` bytes)."""

    def __init__(self, app, threads: int = 8, body_timeout: float = 30.0, max_body: int = 16 * 1024 * 1024):
        self.app, self.body_timeout, self.max_body = app, body_timeout, max_body
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="app")

    # -- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        status, body = await self._read_body(receive)
        if status:
            await self._send(send, status, _CLOSE, error_body(status))
            return
        environ = _environ(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                           scope.get("http_version", "1.1"), scope.get("scheme", "http"),
                           [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", ())],
                           body)
        loop = asyncio.get_running_loop()
        status_line, headers, payload = await loop.run_in_executor(self.pool, self._run, environ)
        await self._send(send, int(status_line.split(" ", 1)[0]), headers, payload)

    async def _read_body(self, receive) -> tuple[int, bytes]:
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return 400, b""
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body:
                        return 413, b""
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            return 408, b""
        except Exception:
            return 400, b""
        return 0, b"".join(chunks)

    @staticmethod
    async def _send(send, status: int, headers, payload: bytes) -> None:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload, "more_body": False})

    # -- RSGI (granian's own: the body is collected by the server) ---------------------------
    async def __rsgi__(self, scope, protocol) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        has_body = "transfer-encoding" in headers or headers.get("content-length", "0") not in ("", "0")
        try:
            body = await asyncio.wait_for(protocol(), self.body_timeout) if has_body else b""
        except TimeoutError:
            protocol.response_bytes(408, _CLOSE, error_body(408))
            return
        except Exception:
            protocol.response_bytes(400, _CLOSE, error_body(400))
            return
        environ = _environ(scope.method, scope.path, scope.query_string, scope.http_version, scope.scheme,
                           headers.items(), body)
        loop = asyncio.get_running_loop()
        status_line, out_headers, payload = await loop.run_in_executor(self.pool, self._run, environ)
        protocol.response_bytes(int(status_line.split(" ", 1)[0]), out_headers, payload)

    # -- the thread ---------------------------------------------------------------------------
    def _run(self, environ: dict[str, Any]) -> tuple[str, list, bytes]:
        started: list = []
        written: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return written.append

        result = self.app(environ, start_response)
        try:
            payload = b"".join([*written, *result])
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return started[0], started[1], payload


def _environ(method, path, query, version, scheme, headers, body: bytes) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": f"HTTP/{version}", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "wsgi.input_terminated": True,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ
