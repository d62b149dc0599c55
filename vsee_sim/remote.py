"""A small HTTP client for a running vsee-sim (stdlib only): the CLI and the pytest plugin use it.

``Remote("http://127.0.0.1:8000", namespace="ci-42")`` sends every request to that
namespace (``X-Sim-Namespace``) and, when given, with the admin token of /_sim.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")

    @property
    def data(self):
        """The ``data`` of a success envelope (raises on an error body)."""
        payload = self.json()
        if self.status != 200 or not isinstance(payload, dict) or "data" not in payload:
            raise RemoteError(self.status, payload)
        return payload["data"]


class RemoteError(Exception):
    def __init__(self, status: int, payload):
        message = payload.get("message") if isinstance(payload, dict) else payload
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.payload = payload


@dataclass
class Remote:
    url: str
    namespace: str | None = None
    admin_token: str | None = None
    timeout: float = 30.0
    headers: dict = field(default_factory=dict)

    def request(self, method: str, path: str, *, json_body=None, body: bytes | None = None,
                headers: dict | None = None) -> Response:
        """One request; an HTTP error status is a Response too, a connection failure raises OSError."""
        sent = {**self.headers, **(headers or {})}
        if self.namespace and not any(k.lower() == "x-sim-namespace" for k in sent):
            sent["X-Sim-Namespace"] = self.namespace
        if self.admin_token:
            sent.setdefault("X-Sim-Admin-Token", self.admin_token)
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url.rstrip("/") + path, data=body, method=method.upper(),
                                     headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            with err:
                return Response(err.code, dict(err.headers), err.read())

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body=None, **kwargs) -> Response:
        return self.request("POST", path, json_body={} if json_body is None else json_body, **kwargs)

    def delete(self, path: str, **kwargs) -> Response:
        return self.request("DELETE", path, **kwargs)


def unreachable(url: str, exc: OSError, option: str = "--url") -> str:
    """One line for a simulator that cannot be reached: the URL, the cause, what to check
    (``option``: where the URL came from, the CLI's --url or the plugin's --vsee-url)."""
    reason = getattr(exc, "reason", exc)  # urllib wraps the socket error in URLError.reason
    if isinstance(reason, ConnectionRefusedError):
        cause = "connection refused"
    elif isinstance(reason, TimeoutError):
        cause = "timed out"
    else:
        cause = str(reason) or type(reason).__name__
    return (f"cannot reach the simulator at {url} ({cause}): is `vsee-sim serve` running there? "
            f"Check the URL ({option} or VSEE_SIM_URL), host and port.")
