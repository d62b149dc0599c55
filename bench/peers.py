"""The peer comparison of bench/run.py (issue 14): vsee-sim against bare Flask apps on the same server.

Three servers, each waitress with ``vsee-sim serve``'s settings, pinned to CPU 0 when the
machine has two CPUs and ``taskset`` is there (wrk then runs on CPU 1):

- ``vsee``: ``vsee-sim serve`` (demo fixture);
- ``dict``: ``bench/baseline_app.py:app``, a bare Flask app keeping its records in dicts;
- ``tinydb``: ``bench/baseline_app.py:tinydb_app``, the same keeping them in an in-memory TinyDB.

Figures: start to first 2xx (bench/run.py's start-up measure), GET /me at c=1 and c=16,
create + read by id at c=1 and c=16 (``POST /rooms`` + ``GET /rooms/:code``, and
``POST /users/sso`` + ``GET /me`` with the token just made), and RSS after 10k SSO users.

A pair is driven by wrk: each create answers with the id to read (the room's ``code``, the
SSO ``token``), which the script's ``response()`` takes from the body and asks for next; a
response whose id is one being read is the read's. Each server first gets ``seed_records``
rooms and SSO users (the issue's 1,000), and vsee-sim takes each cell in a fresh namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

KINDS = ("vsee", "dict", "tinydb")

PAIR_LUA = r"""
local headers = %(headers)s
local form = %(form)s
local create_path = %(create_path)s
local read_path = %(read_path)s
local read_header = %(read_header)s
local pattern = %(pattern)s
local prefix = %(prefix)s
local created = 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
end
local n = 0
local pending = {}
local reading = {}
local unmatched = 0
function request()
  local ready = table.remove(pending, 1)
  if ready then return ready end
  n = n + 1
  local unique = prefix .. "t" .. tid .. "n" .. n
  return wrk.format("POST", create_path, headers, (form:gsub("{n}", unique)))
end
function response(status, hdrs, body)
  if status ~= 200 then return end
  local id = body:match(pattern)
  if id == nil then return end
  if reading[id] then
    reading[id] = nil
    return
  end
  reading[id] = true
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  h["Content-Type"] = nil
  local path = read_path
  if read_header then h[read_header] = id else path = read_path:gsub("{id}", id) end
  table.insert(pending, wrk.format("GET", path, h))
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


class Pair:
    """A create and a read of what it made: the id comes from the create's body (``pattern``)
    and goes into the read's path (``{id}``) or into a header (``read_header``)."""

    def __init__(self, name: str, create_path: str, form: dict, headers: dict, read_path: str,
                 pattern: str, read_header: str | None = None):
        self.name, self.create_path, self.form, self.read_path = name, create_path, form, read_path
        self.headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        self.pattern, self.read_header = pattern, read_header


def room_pair(token: str, namespace: str) -> Pair:
    return Pair("POST /rooms + GET /rooms/:code", "/api_v3/rooms.json",
                {"name": "Bench Room {n}", "code": "{n}", "domain": "vclinic.vsee.me"},
                {"X-ApiToken": token, "X-Sim-Namespace": namespace},
                "/api_v3/rooms/{id}.json", r'"code":%s*"([^"]+)"')


def sso_pair(args, namespace: str) -> Pair:
    return Pair("POST /users/sso + GET /me", "/api_v3/users/sso.json",
                {"first_name": "Bench", "last_name": "User", "type": "200", "code": "{n}"},
                {"X-AccountCode": args.account, "X-ApiKey": args.api_key, "X-Sim-Namespace": namespace},
                "/api_v3/me.json", r'"token":%s*"([^"]+)"', read_header="X-ApiToken")


def on_cpu(argv: list[str], cpu: int) -> list[str]:
    """``argv`` pinned to one CPU when there are two or more and taskset is installed."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu), *argv]
    return argv


def lua(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)  # a JSON string is a valid Lua string for our ASCII inputs


def pairload(port: int, pair: Pair, concurrency: int, duration: float, workdir: Path, prefix: str,
             host: str = "127.0.0.1") -> dict:
    """wrk on ``pair`` for ``duration`` seconds: requests/s (creates and reads alike), p50, p99."""
    form = urlencode(pair.form).replace("%7Bn%7D", "{n}")
    script = PAIR_LUA % {
        "headers": lua(pair.headers), "form": lua(form), "create_path": lua(pair.create_path),
        "read_path": lua(pair.read_path), "read_header": lua(pair.read_header),
        "pattern": lua(pair.pattern), "prefix": lua(prefix),
    }
    path = workdir / f"pair-{prefix}.lua"
    path.write_text(script)
    return run_wrk(path, f"http://{host}:{port}{pair.create_path}", concurrency, duration)


def run_wrk(script: Path, url: str, concurrency: int, duration: float) -> dict:
    """wrk (one thread, pinned to CPU 1) running ``script``, whose ``done`` prints a WRKJSON
    line: requests/s of the non-error answers, p50, p99 and the error count."""
    cmd = on_cpu(["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                  "-s", str(script), url], 1)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("WRKJSON "):])
    errors = int(r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"])
    seconds = r["duration_us"] / 1e6
    ok = r["n"] - r["status"]
    return {"tool": "wrk", "n": int(r["n"]), "errors": errors, "first_error": [], "seconds": seconds,
            "rps": ok / seconds if seconds else 0.0, "p50_ms": r["p50_us"] / 1e3, "p99_ms": r["p99_us"] / 1e3}


# moto server (S3), as measured in the issue (2026-12, gunicorn, 1,000 records): quoted, not re-run.
MOTO = {"start": "0.913 s", "GET /me 1": "158", "GET /me 16": "162", "rooms 1": "176", "rooms 16": "203"}
ROOMS = "POST /rooms + GET /rooms/:code"
SSO = "POST /users/sso + GET /me"


def _x(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def section(tput: dict, startup: dict, scale: dict, sizes: dict) -> tuple[list[str], list[tuple]]:
    """The peer comparison's markdown lines, and its targets as (name, value, met) rows."""
    L = ["## 5. Peer comparison (issue 14): vsee-sim vs bare Flask apps on the same server", "",
         "One run, the three servers side by side under waitress with vsee-sim's settings (8 app "
         "threads, one process; pinned to CPU 0 and wrk to CPU 1 when there are two). "
         "Throughput in requests/s (a pair's create and read each count as one); ratio = "
         "vsee-sim / baseline (higher is better for req/s, lower for time and memory). "
         f"Create + read cells run in a fresh namespace (store) per server holding "
         f"{sizes['seed_records']} rooms and {sizes['seed_records']} SSO users first. "
         "moto's figures are the issue's (gunicorn, not re-run).", "",
         "| figure | vsee-sim | bare Flask, dict | vsee/dict | bare Flask, TinyDB | vsee/TinyDB "
         "| moto (S3) |",
         "|---|---:|---:|---:|---:|---:|---:|"]
    targets: list[tuple] = []
    v, d, t = startup["vsee"]["median_s"], startup["baseline"]["median_s"], startup["tinydb"]["median_s"]
    L.append(f"| start to first 2xx (median) | {v:.3f} s | {d:.3f} s | {_x(v, d)} | {t:.3f} s | {_x(v, t)} "
             f"| {MOTO['start']} |")
    targets.append(("start-up <= 1.5x the bare Flask app (dict)", _x(v, d), v <= 1.5 * d))
    rows = [("read c=1 (`GET /me`)", "GET /me", 1, "GET /me 1"), ("read c=16", "GET /me", 16, "GET /me 16"),
            (f"create + read by id c=1 (`{ROOMS}`)", ROOMS, 1, "rooms 1"),
            ("same, c=16", ROOMS, 16, "rooms 16"),
            (f"create + read by id c=1 (`{SSO}`)", SSO, 1, None), ("same, c=16", SSO, 16, None)]
    for label, name, conc, moto in rows:
        if ("vsee", name, conc) not in tput:
            continue
        v, d, t = (tput[(k, name, conc)] for k in ("vsee", "baseline", "tinydb"))
        L.append(f"| {label} | {v['rps']:.0f} req/s, p99 {v['p99_ms']:.1f} ms | {d['rps']:.0f} | "
                 f"{_x(v['rps'], d['rps'])} | {t['rps']:.0f} | {_x(v['rps'], t['rps'])} "
                 f"| {MOTO[moto] if moto else ''} |")
        if name != "GET /me":
            targets.append((f"{name} c={conc} >= 0.5x the dict baseline", _x(v["rps"], d["rps"]),
                            v["rps"] >= 0.5 * d["rps"]))
    peers = scale["peers_rss"]
    d0, t0 = peers["baseline"]["start_kib"], peers["tinydb"]["start_kib"]
    r0, rm = scale["rss_start_kib"], scale["rss_mem_kib"]
    L.append(f"| RSS at start | {r0 / 1024:.1f} MiB | {d0 / 1024:.1f} MiB | {_x(r0, d0)} "
             f"| {t0 / 1024:.1f} MiB | {_x(r0, t0)} | |")
    dm, tm = peers["baseline"]["after_kib"], peers["tinydb"]["after_kib"]

    def short(kind: str) -> str:  # a fill stopped by its time cap says how far it got
        users = peers[kind]["users"]
        return "" if users >= scale["mem_users"] else f" ({users} users: the fill's time cap)"

    L.append(f"| RSS after {scale['mem_users']} SSO users | {rm / 1024:.1f} MiB | {dm / 1024:.1f} MiB"
             f"{short('baseline')} | {_x(rm, dm)} | {tm / 1024:.1f} MiB{short('tinydb')} | {_x(rm, tm)} | |")
    L.append(f"| RSS after {scale['mem_users']} SSO users / the bare app's at start | {_x(rm, d0)} | "
             f"{_x(dm, d0)} | | {_x(tm, t0)} | | |")
    L.append("")
    targets.append((f"RSS after {scale['mem_users']} SSO users <= 2x the bare app's at start", _x(rm, d0),
                    rm <= 2 * d0))
    return L, targets


CELLS = {"me": "GET /me", "sso1": "POST /users/sso", "rooms": "rooms", "sso": "sso"}


def main(argv: list[str] | None = None) -> int:
    """Only the throughput cells of the peer comparison, printed as ratios (nothing written):
    the quick loop while working on a request's cost. bench/run.py runs them all."""
    import argparse
    import tempfile
    import time

    import measures
    import run

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--cells", default="me,rooms,sso",
                   help=f"comma-separated, of {', '.join(CELLS)} (default me,rooms,sso)")
    p.add_argument("--reps", type=int, default=3, help="runs per cell, median taken (default 3)")
    p.add_argument("--duration", type=float, default=3.0, help="seconds per run (default 3)")
    p.add_argument("--seed-records", type=int, default=1000, help="rooms and users seeded per pair cell")
    p.add_argument("--no-tinydb", action="store_true", help="vsee-sim and the dict baseline only")
    p.add_argument("--live", action="store_true", help="serve the working tree, not a copy")
    p.add_argument("--fixture", default="demo")
    p.add_argument("--account", default="vclinic")
    p.add_argument("--api-key", default="vclinic_api_key")
    args = p.parse_args(argv)
    if not shutil.which("wrk"):
        p.error("wrk is not on PATH (apt-get install -y wrk)")
    cells = tuple(CELLS[c.strip()] for c in args.cells.split(",") if c.strip())
    kinds = ("baseline", "vsee") if args.no_tinydb else ("baseline", "vsee", "tinydb")
    sizes = dict(run.SIZES["full"], reps=args.reps, duration_s=args.duration, seed_records=args.seed_records)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="vsee-peers-") as tmp:
        workdir = Path(tmp)
        live = run.code_version(run.HERE.parent) + " (--live)"
        version = live if args.live else run.snapshot_code(workdir)
        t0 = time.perf_counter()
        tput = measures.measure_throughput(args, workdir, sizes, True, cells=cells, kinds=kinds)
    print(f"code: {version}; {time.perf_counter() - t0:.0f} s; load {load0:.2f} -> {os.getloadavg()[0]:.2f}")
    print("| cell | conc | vsee req/s | dict req/s | vsee/dict | vsee p99 | tinydb req/s | vsee/tinydb "
          "| errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (kind, name, conc), v in tput.items():
        if kind != "vsee":
            continue
        d, t = tput[("baseline", name, conc)], tput.get(("tinydb", name, conc))
        tiny = f"{t['rps']:.0f} | {_x(v['rps'], t['rps'])}" if t else " | "
        print(f"| {name} | {conc} | {v['rps']:.0f} | {d['rps']:.0f} | {_x(v['rps'], d['rps'])} "
              f"| {v['p99_ms']:.1f} ms | {tiny} | {v['errors']}/{d['errors']} |")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
