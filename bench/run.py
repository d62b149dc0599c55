"""vsee-sim benchmark: one runner, one run, every figure as a ratio measured in that run.

    python bench/run.py            # full run (a few minutes), writes bench/RESULTS.md
    python bench/run.py --quick    # ~10x smaller smoke run (under a minute), prints only

Measures (see bench/README.md):
1. throughput and latency of GET /me and POST /users/sso at concurrency 1 and 16,
   against a bare Flask app (bench/baseline_app.py) on the same server settings (waitress);
2. start-up: spawn of ``vsee-sim serve`` to the first 200 of /_sim/health (median);
3. RSS of the server process at start and after 10k SSO users in one namespace;
4. scaling: GET /me and POST /users/sso latency with 1k and with 50k users in one account.

Load: ``wrk`` (Debian package) for throughput/latency when it is on PATH, else a small
threaded http.client client (this file); the http.client client always does the fills
and the count-bounded scaling samples. Loopback only; every load is bounded in time
and in count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import peers
from peers import on_cpu, pairload, room_pair, sso_pair

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
THREADS = 8  # vsee-sim serve's default app threads; the baseline uses the same
RUN_ID = uuid.uuid4().hex[:8]
SERVER_ENV: dict[str, str] | None = None  # set by snapshot_code(): servers import the copy


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def vsee_sim_cmd() -> list[str]:
    script = Path(sys.executable).parent / "vsee-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vsee_sim.cli"]


class Server:
    """A server process we spawn (in its own session) and stop by its pid."""

    def __init__(self, name: str, argv: list[str], port: int, workdir: Path):
        self.name, self.argv, self.port = name, argv, port
        self.logfile = workdir / f"{name}-{port}.log"
        self.proc: subprocess.Popen | None = None
        self.t0 = 0.0

    def start(self) -> Server:
        out = open(self.logfile, "wb")  # noqa: SIM115 - closed with the process
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=SERVER_ENV,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        return self

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds from spawn to the first 200 of /_sim/health."""
        deadline = self.t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/_sim/health")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - self.t0
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s:\n{self.tail()}")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own session only
            self.proc.wait(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def snapshot_code(workdir: Path) -> str:
    """Copy the vsee_sim package (and the fixtures beside it) once, and have every server of
    the run import that copy: one run measures one version of the code even while the
    working tree changes. Returns a description of the version for the report."""
    global SERVER_ENV
    import importlib.util

    pkg = Path(importlib.util.find_spec("vsee_sim").submodule_search_locations[0])
    src = workdir / "src"
    shutil.copytree(pkg, src / "vsee_sim", ignore=shutil.ignore_patterns("__pycache__"))
    if (pkg.parent / "fixtures").is_dir():
        shutil.copytree(pkg.parent / "fixtures", src / "fixtures")
    # Compiled once, as pip compiles an installed wheel: with PYTHONDONTWRITEBYTECODE set
    # (as on CI machines) every server spawn would otherwise compile the whole package
    # from source, which the baselines' site-packages never do.
    import compileall

    compileall.compile_dir(str(src / "vsee_sim"), quiet=1)
    SERVER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(src), os.environ.get("PYTHONPATH")]))}
    return code_version(pkg.parent) + ", copied at the start of the run"


def code_version(root: Path) -> str:
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                "vsee_sim", "fixtures"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {head or '?'}" + (" + uncommitted changes in vsee_sim/ or fixtures/" if dirty else "")


def vsee_server(args, workdir: Path) -> Server:
    port = free_port()
    argv = on_cpu(vsee_sim_cmd() + ["serve", "--port", str(port), "--fixture", args.fixture,
                             "--seed", "1", "--threads", str(THREADS), "--quiet"], 0)
    return Server("vsee-sim", argv, port, workdir)


def baseline_server(workdir: Path, kind: str = "baseline") -> Server:
    """``baseline`` (bare Flask, dict) or ``tinydb`` (bare Flask, TinyDB): bench/baseline_app.py."""
    port = free_port()
    # waitress, as vsee-sim serve: one process, the same number of app threads
    app = "baseline_app:tinydb_app" if kind == "tinydb" else "baseline_app:app"
    argv = on_cpu([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                   "from waitress.runner import run; run()", f"--listen={HOST}:{port}",
                   f"--threads={THREADS}", app], 0)
    return Server(kind, argv, port, workdir)


def server_of(kind: str, args, workdir: Path) -> Server:
    return vsee_server(args, workdir) if kind == "vsee" else baseline_server(workdir, kind)


def shown(argv: list[str]) -> str:
    """A command as a reader would type it (venv paths shortened, the port as $PORT)."""
    out = []
    for i, a in enumerate(argv):
        if a == "taskset" or (i and argv[i - 1] == "taskset") or (i > 1 and argv[i - 2] == "taskset"):
            continue  # the pinning is said once, in the report's header
        if a == sys.executable:
            a = "python"
        elif a.endswith("/vsee-sim"):
            a = "vsee-sim"
        elif a == str(HERE):
            a = "bench"
        elif i and argv[i - 1] == "--port":
            out.append("$PORT")
            continue
        elif a.startswith((f"{HOST}:", f"--listen={HOST}:")):
            out.append(a.split(HOST, 1)[0] + f"{HOST}:$PORT")
            continue
        out.append(shlex.quote(a))
    return " ".join(out)


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


def lua_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid Lua string for our ASCII inputs


def wrkload(port: int, op: Op, concurrency: int, duration: float, workdir: Path) -> dict:
    prefix = f"w{RUN_ID}{uuid.uuid4().hex[:6]}"
    form = urlencode(op.form) if op.form is not None else ""
    script = WRK_SCRIPT % {
        "method": lua_str(op.method), "path": lua_str(op.path),
        "headers": "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in op.headers.items()) + "}",
        "form": lua_str(form) if op.form is not None else "nil",
        "unique": "true" if op.unique_code else "false", "prefix": lua_str(prefix),
    }
    path = workdir / f"wrk-{prefix}.lua"
    path.write_text(script)
    cmd = on_cpu(["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                  "-s", str(path), f"http://{HOST}:{port}{op.path}"], 1)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("WRKJSON "):])
    errors = int(r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"])
    seconds = r["duration_us"] / 1e6
    ok = r["n"] - r["status"]
    return {"tool": "wrk", "n": int(r["n"]), "errors": errors, "first_error": [],
            "seconds": seconds, "rps": ok / seconds if seconds else 0.0,
            "p50_ms": r["p50_us"] / 1e3, "p99_ms": r["p99_us"] / 1e3}


# -- the measures -------------------------------------------------------------------------------------
def measure_startup(args, workdir: Path, runs: int) -> dict:
    out = {}
    for kind in ("vsee", "baseline", "tinydb"):
        times, rss = [], []
        for _ in range(runs):
            server = server_of(kind, args, workdir)
            with server.start():
                times.append(server.wait_healthy())
                rss.append(server.rss_kib())
                out[f"{kind}_cmd"] = shown(server.argv)
        out[kind] = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                     "runs": times, "rss_kib": statistics.median(rss)}
        log(f"start-up {kind}: median {out[kind]['median_s']:.3f}s over {runs} runs "
            f"({', '.join(f'{t:.3f}' for t in times)})")
    return out


def measure_throughput(args, workdir: Path, sizes: dict, use_wrk: bool,
                       cells: tuple[str, ...] = ("GET /me", "POST /users/sso", "rooms", "sso"),
                       kinds: tuple[str, ...] = ("baseline", "vsee", "tinydb")) -> dict:
    """GET /me and POST /users/sso at c=1 and c=16 on vsee-sim, the dict baseline and the
    TinyDB one; then the create + read pairs (wrk only) in a fresh namespace per cell,
    seeded with ``seed_records`` rooms and SSO users first. ``cells`` picks among them
    (bench/peers.py runs a subset).

    The servers run side by side and the cells alternate their order (baseline, vsee-sim,
    tinydb, then the reverse, ...) so a change in the machine's load hits all; each figure
    is the median of ``reps`` runs.
    """
    results: dict = {}
    servers = {kind: server_of(kind, args, workdir) for kind in kinds}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_healthy()
        ns = f"tput-{RUN_ID}"
        ops = {kind: [me_op(sso_token(args, servers[kind].port, ns, f"reader{RUN_ID}"), ns), sso_op(args, ns)]
               for kind in kinds}

        def cell(name: str, conc: int, load) -> None:
            runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
            for kind in kinds:
                load(kind, sizes["warmup_s"])
            for rep in range(sizes["reps"]):
                for kind in (kinds if rep % 2 == 0 else kinds[::-1]):
                    runs[kind].append(load(kind, sizes["duration_s"]))
            for kind, rs in runs.items():
                r = {k: statistics.median(x[k] for x in rs) for k in ("rps", "p50_ms", "p99_ms")}
                r.update(n=sum(x["n"] for x in rs), errors=sum(x["errors"] for x in rs),
                         first_error=next((x["first_error"] for x in rs if x["first_error"]), []),
                         rps_runs=[x["rps"] for x in rs])
                results[(kind, name, conc)] = r
                log(f"{kind:8} {name:32} c={conc:<2} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms"
                    f"  p99 {r['p99_ms']:.2f} ms  n={r['n']} errors={r['errors']} {r['first_error']}"
                    f"  runs {[round(x) for x in r['rps_runs']]}")

        for i, opname in enumerate(("GET /me", "POST /users/sso")):
            for conc in (1, 16) if opname in cells else ():
                def load(kind: str, seconds: float, i=i, conc=conc) -> dict:
                    port, op = servers[kind].port, ops[kind][i]
                    if use_wrk:
                        return wrkload(port, op, conc, seconds, workdir)
                    return pyload(port, op, conc, duration=seconds)

                cell(opname, conc, load)
        if not use_wrk:
            log("create + read pairs skipped: they need wrk")
            return results
        for which in ("rooms", "sso"):
            for conc in (1, 16) if which in cells else ():
                pairs = {kind: pair_in_new_namespace(args, servers[kind].port, which, sizes["seed_records"])
                         for kind in kinds}

                def load(kind: str, seconds: float, pairs=pairs, conc=conc) -> dict:
                    # A room code is 1-32 characters (rules.clean_code): the unique part stays
                    # short ("p" + 8 hex + "t1n" + the count), or creates past n=999 were 400s.
                    return pairload(servers[kind].port, pairs[kind], conc, seconds, workdir,
                                    f"p{uuid.uuid4().hex[:8]}", HOST)

                cell(pairs["vsee"].name, conc, load)
    finally:
        for server in servers.values():
            server.stop()
    return results


def pair_in_new_namespace(args, port: int, which: str, seed_records: int):
    """A create + read pair in a namespace of its own, holding ``seed_records`` rooms and SSO
    users first (a provider's token makes the rooms: creating one is a provider's act)."""
    ns = f"pair-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    token = sso_token(args, port, ns, f"provider{RUN_ID}", user_type="400")
    seeding = {"rooms": room_pair(token, ns), "sso": sso_pair(args, ns)}
    for pair in seeding.values():
        if seed_records:
            headers = {k: v for k, v in pair.headers.items() if k != "Content-Type"}
            form = {k: v.replace(" {n}", "").replace("{n}", "") for k, v in pair.form.items()}
            op = Op(pair.name, "POST", pair.create_path, headers, form, unique_code=True)
            r = pyload(port, op, 16, count=seed_records, max_seconds=300, prefix=f"seed{which}")
            if r["errors"] or r["n"] < seed_records:
                raise RuntimeError(f"seeding {pair.name} on port {port}: {r['first_error']}")
    return seeding[which]


def measure_scaling(args, workdir: Path, sizes: dict) -> dict:
    """Two fresh vsee-sim servers side by side: one with ``small`` users in one account, one
    with ``large`` (its RSS read at start, at ``mem`` users and at ``large``). Then rounds of
    count-bounded samples at concurrency 1 alternate between them, so both points see the
    same machine load; each point's p50/p99 come from all its samples pooled."""
    out: dict = {"fills": []}
    servers = {"small": vsee_server(args, workdir), "large": vsee_server(args, workdir)}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_healthy()
        out["rss_start_kib"] = servers["large"].rss_kib()
        ns = f"scale-{RUN_ID}"
        created = {}
        ops = {}
        for label, server in servers.items():
            token = sso_token(args, server.port, ns, f"reader{RUN_ID}")
            ops[label] = (me_op(token, ns), sso_op(args, ns))
            created[label] = 1  # the reader

        def fill_to(label: str, target: int) -> None:
            need = target - created[label]
            if need <= 0:
                return
            r = pyload(servers[label].port, ops[label][1], 16, count=need, max_seconds=sizes["fill_cap_s"])
            before = created[label]
            created[label] += r["n"]
            out["fills"].append({"server": label, "from": before, "to": created[label],
                                 "seconds": r["seconds"], "rps": r["rps"], "errors": r["errors"]})
            log(f"fill {label}: {before} -> {created[label]} users: {r['seconds']:.1f}s ({r['rps']:.0f}/s) "
                f"errors={r['errors']} {r['first_error']}")
            if r["errors"] or created[label] < target:
                raise RuntimeError(f"fill stopped at {created[label]}/{target}: {r['first_error']}")

        fill_to("small", sizes["small"])
        fill_to("large", sizes["mem"])
        out["rss_mem_kib"] = servers["large"].rss_kib()
        out["mem_users"] = created["large"]
        fill_to("large", sizes["large"])
        out["rss_large_kib"] = servers["large"].rss_kib()
        out["large_users"] = created["large"]

        samples = {(label, kind): [] for label in servers for kind in ("read", "write")}
        errors = {key: 0 for key in samples}
        out["users_before"] = dict(created)
        for label in servers:
            pyload(servers[label].port, ops[label][0], 1, count=sizes["warm_n"])
        rounds = sizes["rounds"]
        for rnd in range(rounds):
            order = ("small", "large") if rnd % 2 == 0 else ("large", "small")
            per_round = (("read", 0, sizes["reads"] // rounds), ("write", 1, sizes["writes"] // rounds))
            for kind, idx, n in per_round:
                for label in order:
                    r = pyload(servers[label].port, ops[label][idx], 1, count=n, max_seconds=120)
                    samples[(label, kind)].extend(r["latencies"])
                    errors[(label, kind)] += r["errors"]
                    if kind == "write":
                        created[label] += r["n"]
        out["users_after"] = dict(created)
        for (label, kind), lat in samples.items():
            lat.sort()
            out.setdefault(label, {})[kind] = {
                "n": len(lat), "errors": errors[(label, kind)], "p50_ms": pct(lat, 50) * 1e3,
                "p99_ms": pct(lat, 99) * 1e3, "mean_ms": statistics.fmean(lat) * 1e3 if lat else float("nan"),
                "max_ms": lat[-1] * 1e3 if lat else float("nan")}
        for label in servers:
            a = out[label]
            log(f"{label} ({out['users_before'][label]} -> {created[label]} users): "
                f"GET /me p50 {a['read']['p50_ms']:.2f} p99 {a['read']['p99_ms']:.2f} ms; "
                f"SSO p50 {a['write']['p50_ms']:.2f} p99 {a['write']['p99_ms']:.2f} ms "
                f"(errors {a['read']['errors']}/{a['write']['errors']})")
    finally:
        for server in servers.values():
            server.stop()
    return out


def measure_peer_memory(args, workdir: Path, sizes: dict) -> dict:
    """RSS of each bare Flask baseline at start and after ``mem`` SSO users (vsee-sim's comes
    from measure_scaling, which fills a server to that point anyway)."""
    out = {}
    for kind in ("baseline", "tinydb"):
        with server_of(kind, args, workdir).start() as server:
            server.wait_healthy()
            start = server.rss_kib()
            r = pyload(server.port, sso_op(args, f"mem-{RUN_ID}"), 16, count=sizes["mem"],
                       max_seconds=sizes["fill_cap_s"])
            out[kind] = {"start_kib": start, "after_kib": server.rss_kib(), "users": r["n"],
                         "seconds": r["seconds"], "errors": r["errors"]}
            log(f"memory {kind}: {start} KiB at start, {out[kind]['after_kib']} KiB after {r['n']} SSO users "
                f"({r['seconds']:.1f} s, errors {r['errors']})")
    return out


def growth_section(args) -> str | None:
    """The growth bench (bench/growth.py, issue 14 part 1), when asked for with --growth.

    The hook for it: ``growth.run(quick=...)`` returning its markdown section, appended to
    this run's report (so its table carries this run's commit and machine)."""
    if not args.growth:
        return None
    if not (HERE / "growth.py").exists():
        log("--growth: bench/growth.py is not there; skipped")
        return None
    import growth  # bench/ is on sys.path: this file's directory

    return growth.run(quick=args.quick)


# -- report -------------------------------------------------------------------------------------------------
def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def fmt_n(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def report(args, argv: list[str], sizes: dict, startup: dict, tput: dict, scale: dict,
           tool: str, total_s: float, load: tuple[str, str],
           version: str) -> str:
    small, large, memn = fmt_n(sizes["small"]), fmt_n(sizes["large"]), fmt_n(sizes["mem"])
    L: list[str] = []
    L.append("# vsee-sim benchmark results" + (" (quick run)" if args.quick else ""))
    L.append("")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    L.append(f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    L.append(f"- Machine: nproc {os.cpu_count()} ({cpu}), Linux {platform.release()}, "
             f"Python {platform.python_version()}")
    L.append(f"- Code: {version}")
    L.append(f"- Load tool: {tool}; the fills and the scaling samples use the http.client client "
             "in bench/run.py")
    L.append(f"- Whole run: {total_s:.0f} s; load average (1/5/15 min) at start {load[0]}, at end {load[1]} "
             "(other work on the machine shows here; cells alternate between the servers compared)")
    L.append("- Commands:")
    L.append(f"  - runner: `{shlex.join(['python', 'bench/run.py', *argv])}`")
    L.append(f"  - vsee-sim: `{startup['vsee_cmd']}`")
    L.append(f"  - baseline: `{startup['baseline_cmd']}`")
    L.append("")

    L.append("## 1. Throughput and latency vs the bare Flask baseline")
    L.append("")
    L.append(f"Same server settings (waitress, one process, {THREADS} app threads, no access log); "
             f"median of {sizes['reps']} runs of {sizes['duration_s']:g} s per cell, "
             f"after {sizes['warmup_s']:g} s warm-up, alternating between the two servers "
             "(both up side by side); "
             "ratio = vsee-sim / baseline (throughput: higher is better; latency: lower is better).")
    L.append("")
    L.append("| request | conc | vsee-sim req/s | baseline req/s | ratio | vsee-sim p50 | baseline p50 "
             "| ratio | vsee-sim p99 | baseline p99 | ratio | errors |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for opname in ("GET /me", "POST /users/sso"):
        for conc in (1, 16):
            v, b = tput[("vsee", opname, conc)], tput[("baseline", opname, conc)]
            L.append(f"| {opname} | {conc} | {v['rps']:.0f} | {b['rps']:.0f} | {ratio(v['rps'], b['rps'])} "
                     f"| {v['p50_ms']:.2f} ms | {b['p50_ms']:.2f} ms | {ratio(v['p50_ms'], b['p50_ms'])} "
                     f"| {v['p99_ms']:.2f} ms | {b['p99_ms']:.2f} ms | {ratio(v['p99_ms'], b['p99_ms'])} "
                     f"| {v['errors']}/{b['errors']} |")
    L.append("")

    s, sb = startup["vsee"], startup["baseline"]
    L.append("## 2. Start-up")
    L.append("")
    L.append("Spawn of the server process to the first 200 of `/_sim/health` (polled every 5 ms).")
    L.append("")
    L.append("| server | median | min | max | runs | ratio to baseline |")
    L.append("|---|---:|---:|---:|---:|---:|")
    L.append(f"| vsee-sim serve (fixture {args.fixture}) | {s['median_s']:.3f} s | {s['min_s']:.3f} s "
             f"| {s['max_s']:.3f} s | {len(s['runs'])} | {ratio(s['median_s'], sb['median_s'])} |")
    L.append(f"| baseline (waitress + Flask) | {sb['median_s']:.3f} s | {sb['min_s']:.3f} s "
             f"| {sb['max_s']:.3f} s | {len(sb['runs'])} | 1.00x |")
    L.append("")

    r0, rm, rl = scale["rss_start_kib"], scale["rss_mem_kib"], scale["rss_large_kib"]
    L.append("## 3. Memory (VmRSS of the server process)")
    L.append("")
    L.append("| point | RSS | ratio to vsee-sim at start | ratio to baseline at start | per SSO user |")
    L.append("|---|---:|---:|---:|---:|")
    L.append(f"| baseline at start | {mib(sb['rss_kib'])} | {ratio(sb['rss_kib'], r0)} | 1.00x | |")
    L.append(f"| vsee-sim at start | {mib(r0)} | 1.00x | {ratio(r0, sb['rss_kib'])} | |")
    L.append(f"| vsee-sim after {scale['mem_users']} SSO users (target {memn}) | {mib(rm)} | {ratio(rm, r0)} "
             f"| {ratio(rm, sb['rss_kib'])} | {(rm - r0) / scale['mem_users']:.2f} KiB |")
    L.append(f"| vsee-sim after {scale['large_users']} SSO users | {mib(rl)} | {ratio(rl, r0)} "
             f"| {ratio(rl, sb['rss_kib'])} | {(rl - r0) / scale['large_users']:.2f} KiB |")
    L.append("")

    a, z = scale["small"], scale["large"]
    ub, ua = scale["users_before"], scale["users_after"]
    L.append(f"## 4. Scaling: {small} vs {large} users in one account")
    L.append("")
    L.append(f"Two vsee-sim servers side by side, one holding {small} SSO users in the account and one "
             f"{large}; {sizes['rounds']} rounds alternate between them, each round "
             f"{sizes['reads'] // sizes['rounds']} GET /me then {sizes['writes'] // sizes['rounds']} "
             "POST /users/sso (new code each) per server, at concurrency 1 with the http.client client; "
             "samples pooled per point. "
             f"Each write adds a user: the small point goes {ub['small']} -> {ua['small']} users, the large "
             f"{ub['large']} -> {ua['large']}. Ratio = large / small (1.00x is flat).")
    L.append("")
    L.append(f"| request | p50 @{small} | p50 @{large} | ratio | p99 @{small} | p99 @{large} | ratio "
             f"| mean @{small} | mean @{large} | ratio | max @{small} | max @{large} | samples | errors |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, name in (("read", "GET /me"), ("write", "POST /users/sso")):
        x, y = a[key], z[key]
        L.append(f"| {name} | {x['p50_ms']:.2f} ms | {y['p50_ms']:.2f} ms "
                 f"| {ratio(y['p50_ms'], x['p50_ms'])} "
                 f"| {x['p99_ms']:.2f} ms | {y['p99_ms']:.2f} ms | {ratio(y['p99_ms'], x['p99_ms'])} "
                 f"| {x['mean_ms']:.2f} ms | {y['mean_ms']:.2f} ms | {ratio(y['mean_ms'], x['mean_ms'])} "
                 f"| {x['max_ms']:.1f} ms | {y['max_ms']:.1f} ms | {x['n']}/{y['n']} "
                 f"| {x['errors'] + y['errors']} |")
    L.append("")
    L.append("Fills (POST /users/sso, concurrency 16, new code per request):")
    L.append("")
    L.append("| server | users | time | users/s | ratio to the first large fill's rate |")
    L.append("|---|---|---:|---:|---:|")
    first = next(f["rps"] for f in scale["fills"] if f["server"] == "large")
    for f in scale["fills"]:
        L.append(f"| {f['server']} | {f['from']} -> {f['to']} | {f['seconds']:.1f} s | {f['rps']:.0f} "
                 f"| {ratio(f['rps'], first)} |")
    total_fill = sum(f["seconds"] for f in scale["fills"] if f["server"] == "large")
    L.append(f"| large | total to {scale['large_users']} | {total_fill:.1f} s "
             f"| {scale['large_users'] / total_fill:.0f} | |")
    L.append("")

    peer_lines, peer_targets = peers.section(tput, startup, scale, sizes)
    L.extend(peer_lines)

    L.append("## Targets (benchmarks, not tests)")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---:|:---:|")

    def row(name: str, value: str, ok: bool) -> None:
        L.append(f"| {name} | {value} | {'yes' if ok else 'NO'} |")

    row("start-up under 1 s (median)", f"{s['median_s']:.3f} s", s["median_s"] < 1.0)
    for conc in (1, 16):
        v, b = tput[("vsee", "GET /me", conc)], tput[("baseline", "GET /me", conc)]
        row(f"GET /me >= 70% of baseline throughput (c={conc})", ratio(v["rps"], b["rps"]),
            v["rps"] >= 0.7 * b["rps"])
    for key, name in (("read", "GET /me"), ("write", "POST /users/sso")):
        for p in ("p50_ms", "p99_ms"):
            q = z[key][p] / a[key][p]
            row(f"{name} {p[:3]} at {large} within 20% of {small}", f"{q:.2f}x", q <= 1.2)
    for name, value, ok in peer_targets:
        row(name, value, ok)
    L.append("")
    return "\n".join(L) + "\n"


SIZES = {
    "full": {"duration_s": 3, "reps": 3, "warmup_s": 1, "startup_runs": 5, "small": 1000, "mem": 10000,
             "large": 50000, "reads": 2000, "writes": 800, "rounds": 4, "warm_n": 200, "fill_cap_s": 300,
             "seed_records": 1000},
    "quick": {"duration_s": 1, "reps": 1, "warmup_s": 1, "startup_runs": 3, "small": 100, "mem": 1000,
              "large": 5000, "reads": 200, "writes": 80, "rounds": 2, "warm_n": 50, "fill_cap_s": 60,
              "seed_records": 100},
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="~10x smaller: a smoke run in under a minute")
    p.add_argument("--fixture", default="demo", help="fixture for vsee-sim serve (default: demo)")
    p.add_argument("--account", default="vclinic", help="X-AccountCode for SSO (default: vclinic)")
    p.add_argument("--api-key", default="vclinic_api_key", help="X-ApiKey for SSO")
    p.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto",
                   help="load tool for part 1 (auto: wrk when on PATH)")
    p.add_argument("--seed-records", type=int, default=None, metavar="N",
                   help="rooms and SSO users made in each create + read cell's namespace before it is "
                        "measured (default: 1000, the issue's; --quick: 100)")
    p.add_argument("--large", type=int, default=None, metavar="N",
                   help="users of the scaling run's large point (default 50000; at least the memory "
                        "point's 10000: a smaller one makes the large point the memory point)")
    p.add_argument("--growth", action="store_true",
                   help="also run bench/growth.py's run() and add its table (when that file exists)")
    p.add_argument("--live", action="store_true",
                   help="servers import the working tree as it is (default: a copy taken at the start)")
    p.add_argument("--out", default=None,
                   help="write the markdown here "
                        "(default: bench/RESULTS.md for a full run, nowhere for --quick)")
    args = p.parse_args(argv)

    use_wrk = args.tool == "wrk" or (args.tool == "auto" and shutil.which("wrk") is not None)
    if args.tool == "wrk" and not shutil.which("wrk"):
        p.error("wrk is not on PATH (apt-get install -y wrk)")
    tool = "python http.client (threads)"
    if use_wrk:
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        tool = f"wrk ({(version.stdout + version.stderr).split()[1]}), 1 thread"
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.seed_records is not None:
        sizes["seed_records"] = max(0, args.seed_records)
    if args.large is not None:
        sizes["large"] = max(args.large, sizes["mem"])
    out_path = Path(args.out) if args.out else (None if args.quick else HERE / "RESULTS.md")

    started = time.perf_counter()
    load0 = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with tempfile.TemporaryDirectory(prefix="vsee-bench-") as tmp:
        workdir = Path(tmp)
        version = (code_version(HERE.parent) + ", the working tree (--live)") if args.live \
            else snapshot_code(workdir)
        log(f"code: {version}")
        log(f"run {RUN_ID}: {'quick' if args.quick else 'full'}, load tool {tool}")
        startup = measure_startup(args, workdir, sizes["startup_runs"])
        tput = measure_throughput(args, workdir, sizes, use_wrk)
        scale = measure_scaling(args, workdir, sizes)
        scale["peers_rss"] = measure_peer_memory(args, workdir, sizes)
        growth = growth_section(args)
    load = (load0, " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    text = report(args, argv, sizes, startup, tput, scale, tool, time.perf_counter() - started, load, version)
    if growth:
        text += "\n" + growth
    print(text)
    if out_path:
        out_path.write_text(text)
        log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
