"""The load of bench/run.py: kinds of request (``Op``), one request, percentiles, and the two
clients: a threaded http.client closed loop (``pyload``, bounded in count and time) and wrk
driven by a generated Lua script (``wrkload``)."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from harness import HOST, RUN_ID
from peers import lua, run_wrk


# -- requests ---------------------------------------------------------------------------------
class Op:
    """One kind of request: method, path, headers, and a body (unique SSO code per request)."""

    def __init__(self, name: str, method: str, path: str, headers: dict, form: dict | None = None,
                 unique_code: bool = False):
        self.name, self.method, self.path, self.headers = name, method, path, dict(headers)
        self.form, self.unique_code = form, unique_code
        if form is not None:
            self.headers["Content-Type"] = "application/x-www-form-urlencoded"

    def body(self, n: int, prefix: str) -> bytes | None:
        if self.form is None:
            return None
        form = dict(self.form)
        if self.unique_code:
            form["code"] = f"{prefix}n{n}"
        return urlencode(form).encode()


def sso_op(args, namespace: str) -> Op:
    return Op("POST /users/sso", "POST", "/api_v3/users/sso.json",
              {"X-AccountCode": args.account, "X-ApiKey": args.api_key, "X-Sim-Namespace": namespace},
              {"first_name": "Bench", "last_name": "User", "type": "200"}, unique_code=True)


def me_op(token: str, namespace: str) -> Op:
    return Op("GET /me", "GET", "/api_v3/me.json", {"X-ApiToken": token, "X-Sim-Namespace": namespace})


def one(port: int, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    try:
        return resp.status, json.loads(data)
    except ValueError:
        return resp.status, {"raw": data[:200].decode(errors="replace")}


def sso_token(args, port: int, namespace: str, code: str, user_type: str = "200") -> str:
    op = sso_op(args, namespace)
    form = dict(op.form, code=code, type=user_type)
    status, body = one(port, "POST", op.path, op.headers, urlencode(form).encode())
    if status != 200:
        raise RuntimeError(f"SSO failed: {status} {body}")
    return body["data"]["token"]["token"]


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def pyload(port: int, op: Op, concurrency: int, *, count: int | None = None,
           duration: float | None = None, max_seconds: float = 600.0, prefix: str = "") -> dict:
    """Closed-loop load from ``concurrency`` threads, each on its own keep-alive connection.

    Stops after ``count`` requests or ``duration`` seconds, and never runs past ``max_seconds``.
    """
    prefix = prefix or f"b{RUN_ID}{uuid.uuid4().hex[:6]}"
    tickets = itertools.count()
    results: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    first_error: list[str] = []
    start = time.perf_counter()
    deadline = start + min(max_seconds, duration if duration is not None else max_seconds)

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = results[i]
        while True:
            n = next(tickets)
            if (count is not None and n >= count) or time.perf_counter() >= deadline:
                break
            body = op.body(n, prefix)
            t = time.perf_counter()
            try:
                conn.request(op.method, op.path, body=body, headers=op.headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status, payload = 0, repr(exc).encode()
            elapsed = time.perf_counter() - t
            if status == 200:
                mine.append(elapsed)
            else:
                errors[i] += 1
                if not first_error:
                    first_error.append(f"{status} {payload[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    lat = sorted(x for r in results for x in r)
    return {"tool": "python", "n": len(lat), "errors": sum(errors), "first_error": first_error[:1],
            "seconds": wall, "rps": len(lat) / wall if wall else 0.0,
            "p50_ms": pct(lat, 50) * 1e3, "p99_ms": pct(lat, 99) * 1e3, "latencies": lat}


WRK_SCRIPT = r"""
local method, path = %(method)s, %(path)s
local headers = %(headers)s
local form = %(form)s
local unique = %(unique)s
local prefix = %(prefix)s
local created = 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
end
local req = nil
local n = 0
function init(args)
  if not unique then req = wrk.format(method, path, headers, form) end
end
function request()
  if req then return req end
  n = n + 1
  return wrk.format(method, path, headers, form .. "&code=" .. prefix .. "t" .. tid .. "n" .. n)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"n":%%.0f,"duration_us":%%.0f,"p50_us":%%.1f,"p99_us":%%.1f,"max_us":%%.1f,' ..
    '"connect":%%.0f,"read":%%.0f,"write":%%.0f,"status":%%.0f,"timeout":%%.0f}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrkload(port: int, op: Op, concurrency: int, duration: float, workdir: Path) -> dict:
    prefix = f"w{RUN_ID}{uuid.uuid4().hex[:6]}"
    script = WRK_SCRIPT % {
        "method": lua(op.method), "path": lua(op.path), "headers": lua(op.headers),
        "form": lua(urlencode(op.form) if op.form is not None else None),
        "unique": lua(bool(op.unique_code)), "prefix": lua(prefix),
    }
    path = workdir / f"wrk-{prefix}.lua"
    path.write_text(script)
    return run_wrk(path, f"http://{HOST}:{port}{op.path}", concurrency, duration)


