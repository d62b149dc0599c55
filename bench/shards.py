"""Sharding bench: N ``vsee-sim serve --shard`` processes behind HAProxy (deploy/haproxy.cfg) on
loopback, against one process without a router. One run, every figure a ratio to that run's
single process.

    python bench/shards.py            # ~5 minutes; writes its section of bench/RESULTS.md
    python bench/shards.py --quick    # ~1 minute; prints only

Measures (bench/README.md, "Sharding"):
1. namespaced ``GET /me`` and ``POST /users/sso`` throughput (wrk, c=16, 200 namespaces in
   turn) for 1 process alone and 1, 2 and 4 shards behind HAProxy, with requests per
   CPU-second of every server process together (shards + HAProxy: utime + stime from
   /proc/<pid>/stat), as a ratio to the lone process's;
2. affinity: 10,000 requests over 200 namespaces through HAProxy to 4 shards, each checked
   against the shard the CLI's ring (vsee_sim/sharding/rules.py) names;
3. a dead shard: one of 4 killed; the other shards' namespaces still answer, the dead one's
   get HAProxy's 503 in VSee's error shape, and how long that takes.

``Cluster`` (shards + HAProxy on free loopback ports) is also what the ``shards`` tests use.
Reuses bench/run.py's servers, ports, requests and percentiles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import run  # noqa: E402  bench/run.py: Server, free_port, vsee_sim_cmd, one, pct, log

from vsee_sim.sharding.rules import NginxRing, Ring  # noqa: E402

HOST = run.HOST
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ACCOUNT, API_KEY = "vclinic", "vclinic_api_key"  # the demo and minimal fixtures' SSO credentials


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Router(run.Server):
    """HAProxy with deploy/haproxy.cfg as shipped; shard addresses and bind from the environment."""

    def __init__(self, shard_ports: list[int], workdir: Path):
        port = run.free_port()
        super().__init__("haproxy", ["haproxy", "-db", "-f", str(HAPROXY_CFG)], port, workdir)
        self.env = {**os.environ, "VSEE_SIM_ROUTER_BIND": f"{HOST}:{port}",
                    **{f"VSEE_SIM_SHARD_{i}": f"{HOST}:{p}" for i, p in enumerate(shard_ports, 1)}}

    def start(self) -> Router:
        with open(self.logfile, "wb") as out:
            self.t0 = time.perf_counter()
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return self


class NginxRouter(run.Server):
    """nginx with deploy/nginx.conf, its server lines pointed at the shards' loopback ports (the
    names as written are what nginx hashes: ``servers``)."""

    def __init__(self, shard_ports: list[int], workdir: Path):
        port = run.free_port()
        self.servers = [f"{HOST}:{p}" for p in shard_ports]
        lines = [f"        server {s} max_fails=0;" for s in self.servers]
        text = NGINX_CONF.read_text()
        first = text.index("        server shard-1:")
        last = text.index("\n", text.rindex("        server shard-")) + 1
        text = text[:first] + "\n".join(lines) + "\n" + text[last:]
        text = text.replace("listen 8000;", f"listen {HOST}:{port};")
        conf = workdir / f"nginx-{port}.conf"
        conf.write_text(text)
        argv = ["nginx", "-p", f"{workdir}/", "-c", str(conf),
                "-g", f"daemon off; pid {workdir}/nginx-{port}.pid;"]
        super().__init__("nginx", argv, port, workdir)


class Cluster:
    """``count`` shards (``shard-1`` ..) behind ``router`` ("haproxy", "nginx"), or one process
    alone (``router=None``: no --shard, no router)."""

    def __init__(self, count: int, workdir: Path, *, fixture: str = "demo", threads: int = run.THREADS,
                 router: str | None = "haproxy"):
        self.shards = []
        for i in range(1, count + 1):
            port = run.free_port()
            argv = run.vsee_sim_cmd() + ["serve", "--port", str(port), "--fixture", fixture, "--seed", "1",
                                         "--threads", str(threads), "--quiet"]
            if router:
                argv += ["--shard", f"shard-{i}"]
            self.shards.append(run.Server(f"shard-{i}", argv, port, workdir))
        ports = [s.port for s in self.shards]
        self.router = {"haproxy": Router, "nginx": NginxRouter}[router](ports, workdir) if router else None
        self.ring = NginxRing(self.router.servers) if router == "nginx" else Ring(count)

    @property
    def port(self) -> int:
        """Where clients send: HAProxy, or the lone process."""
        return (self.router or self.shards[0]).port

    @property
    def servers(self) -> list[run.Server]:
        return self.shards + ([self.router] if self.router else [])

    def expected(self, namespace: str) -> str:
        return f"shard-{self.ring.shard_of(namespace) + 1}"

    def cpu(self) -> float:
        return sum(cpu_seconds(s.proc.pid) for s in self.servers if s.proc.poll() is None)

    def start(self) -> Cluster:
        for shard in self.shards:
            shard.start()
        for shard in self.shards:
            shard.wait_healthy()
        if self.router:
            self.router.start().wait_healthy()  # /_sim/health through HAProxy: the default's shard
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def get(port: int, path: str, headers: dict | None = None, timeout: float = 10, method: str = "GET"):
    """One request on a new connection: status, headers (names in any case: HAProxy sends
    them in lower case), body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


# -- load ---------------------------------------------------------------------------------------
WRK_SCRIPT = r"""
local method, path, items, form, prefix = %(method)s, %(path)s, %(items)s, %(form)s, %(prefix)s
local created, n = 0, 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
end
function request()
  n = n + 1
  local item = items[(n %% #items) + 1]
  local headers = {["X-Sim-Namespace"] = item[1]}
  if form then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-AccountCode"] = %(account)s
    headers["X-ApiKey"] = %(api_key)s
    return wrk.format(method, path, headers, form .. "&code=" .. prefix .. "t" .. tid .. "n" .. n)
  end
  headers["X-ApiToken"] = item[2]
  return wrk.format(method, path, headers)
end
"""


def wrk_many(port: int, op: str, items: list[tuple[str, str]], seconds: float, workdir: Path) -> dict:
    """wrk -t1 -c16 for ``seconds``, each request to the next namespace of ``items`` (name, token)."""
    q = json.dumps
    done = run.WRK_SCRIPT[run.WRK_SCRIPT.index("function done"):]  # the runner's JSON summary
    prefix = f"s{run.RUN_ID}{time.monotonic_ns() % 10**8}"
    sso = op == "sso"
    script = WRK_SCRIPT % {
        "method": q("POST" if sso else "GET"),
        "path": q("/api_v3/users/sso.json" if sso else "/api_v3/me.json"),
        "items": "{" + ", ".join(f"{{{q(ns)}, {q(tok)}}}" for ns, tok in items) + "}",
        "form": q("first_name=Bench&last_name=User&type=200") if sso else "nil",
        "prefix": q(prefix), "account": q(ACCOUNT), "api_key": q(API_KEY),
    } + done.replace("%%", "%")
    path = workdir / f"wrk-{prefix}.lua"
    path.write_text(script)
    cmd = ["wrk", "-t1", "-c16", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(path),
           f"http://{HOST}:{port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("WRKJSON "):])
    errors = int(r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"])
    return {"ok": int(r["n"] - r["status"]), "errors": errors, "seconds": r["duration_us"] / 1e6,
            "p50_ms": r["p50_us"] / 1e3, "p99_ms": r["p99_us"] / 1e3}


def tokens(port: int, names: list[str]) -> list[tuple[str, str]]:
    """A patient signed in (SSO) in each namespace: (namespace, token)."""
    out = []
    for name in names:
        status, body = run.one(port, "POST", "/api_v3/users/sso.json",
                               {"X-Sim-Namespace": name, "X-AccountCode": ACCOUNT, "X-ApiKey": API_KEY,
                                "Content-Type": "application/x-www-form-urlencoded"},
                               f"first_name=R&last_name=R&type=200&code=reader-{name}".encode())
        if status != 200:
            raise RuntimeError(f"SSO in {name}: {status} {body}")
        out.append((name, body["data"]["token"]["token"]))
    return out


# -- the measures ---------------------------------------------------------------------------------
LAYOUTS = (("alone", 1, None), ("1 shard", 1, "haproxy"), ("2 shards", 2, "haproxy"),
           ("4 shards", 4, "haproxy"))


def measure_throughput(workdir: Path, sizes: dict, names: list[str]) -> dict:
    """Every layout started at once (idle, a process costs next to no CPU), then rounds of short
    cells, the layouts' order reversed every other round, so that a change in the machine's load
    hits them all alike; medians over the rounds."""
    runs: dict = {(label, op): [] for label, _, _ in LAYOUTS for op in ("me", "sso")}
    clusters = {label: Cluster(count, workdir, router=router) for label, count, router in LAYOUTS}
    try:
        items = {}
        for label, cluster in clusters.items():
            items[label] = tokens(cluster.start().port, names)
            for op in ("me", "sso"):
                wrk_many(cluster.port, op, items[label], sizes["warmup_s"], workdir)
        for rnd in range(sizes["reps"]):
            order = list(clusters) if rnd % 2 == 0 else list(reversed(clusters))
            for op in ("me", "sso"):
                for label in order:
                    cluster = clusters[label]
                    cpu0 = cluster.cpu()
                    r = wrk_many(cluster.port, op, items[label], sizes["duration_s"], workdir)
                    r["cpu_s"] = cluster.cpu() - cpu0
                    r["rps"] = r["ok"] / r["seconds"]
                    r["per_cpu_s"] = r["ok"] / r["cpu_s"] if r["cpu_s"] else float("nan")
                    runs[(label, op)].append(r)
                    run.log(f"round {rnd} {label:9} {op:3} {r['rps']:7.0f} req/s  "
                            f"{r['per_cpu_s']:7.0f} req/CPU-s  cpu {r['cpu_s']:.1f}s  "
                            f"p50 {r['p50_ms']:.1f} ms  errors {r['errors']}")
    finally:
        for cluster in clusters.values():
            cluster.stop()
    out = {}
    for key, rs in runs.items():
        out[key] = {k: statistics.median(x[k] for x in rs) for k in ("rps", "per_cpu_s", "p50_ms", "p99_ms")}
        out[key].update(errors=sum(x["errors"] for x in rs), rps_runs=[round(x["rps"]) for x in rs])
    return out


def measure_affinity(workdir: Path, requests: int, names: list[str]) -> dict:
    """``requests`` GET /me through HAProxy to 4 shards, namespaces in turn (header and /ns/ prefix
    alternating); each answer's X-Sim-Shard against the CLI's ring."""
    with Cluster(4, workdir) as cluster:
        items = dict(tokens(cluster.port, names))
        conn = http.client.HTTPConnection(HOST, cluster.port, timeout=10)
        same = errors = 0
        shares = dict.fromkeys((f"shard-{i}" for i in range(1, 5)), 0)
        for n in range(requests):
            name = names[n % len(names)]
            if n % 2:
                path, headers = f"/ns/{name}/api_v3/me.json", {"X-ApiToken": items[name]}
            else:
                path, headers = "/api_v3/me.json", {"X-ApiToken": items[name], "X-Sim-Namespace": name}
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            shard = resp.getheader("X-Sim-Shard")
            errors += resp.status != 200
            same += shard == cluster.expected(name)
            shares[shard] = shares.get(shard, 0) + 1
        conn.close()
    return {"requests": requests, "namespaces": len(names), "same": same, "errors": errors, "shares": shares}


def measure_dead_shard(workdir: Path, names: list[str]) -> dict:
    """Kill shard-2 of 4 (SIGKILL), then one GET /me per namespace through HAProxy."""
    with Cluster(4, workdir) as cluster:
        items = dict(tokens(cluster.port, names))
        victim = cluster.shards[1]
        victim.proc.kill()
        victim.proc.wait(timeout=10)
        live_ok = live_n = dead_503 = dead_n = 0
        dead_ms, shapes = [], set()
        for name in names:
            t = time.perf_counter()
            status, _, body = get(cluster.port, "/api_v3/me.json",
                                  {"X-ApiToken": items[name], "X-Sim-Namespace": name})
            ms = (time.perf_counter() - t) * 1e3
            if cluster.expected(name) == "shard-2":
                dead_n += 1
                dead_503 += status == 503
                dead_ms.append(ms)
                shapes.add(tuple(sorted(json.loads(body))) if body.startswith(b"{") else body[:40])
            else:
                live_n += 1
                live_ok += status == 200
    dead_ms.sort()
    return {"live": live_n, "live_ok": live_ok, "dead": dead_n, "dead_503": dead_503,
            "dead_p50_ms": run.pct(dead_ms, 50), "dead_max_ms": dead_ms[-1] if dead_ms else float("nan"),
            "shapes": sorted(map(str, shapes))}


# -- report ---------------------------------------------------------------------------------------
def report(argv, sizes, tput, aff, dead, started, load0) -> str:
    alone = {op: tput[("alone", op)] for op in ("me", "sso")}
    lines = [
        "## Sharding: N shards behind HAProxy (bench/shards.py)", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {run.code_version(ROOT)}; `python bench/shards.py "
        f"{' '.join(argv)}`".rstrip() + ". "
        f"{os.cpu_count()} CPUs, load average {load0:.2f} at start: the machine was shared with other "
        "work, so absolute figures are noisy; the ratios are to the lone process measured in the same run. "
        f"HAProxy {haproxy_version()}, deploy/haproxy.cfg as shipped. wrk -t1 -c16 on the same 2 cores "
        f"(its CPU is not counted); every layout up at once, {sizes['reps']} rounds of "
        f"{sizes['duration_s']} s cells in alternating order, medians; {sizes['namespaces']} namespaces "
        "in turn (demo fixture, 8 threads per shard).", "",
        "| layout | GET /me req/s | ratio | req per CPU-s | ratio "
        "| SSO req/s | ratio | req per CPU-s | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, _, _ in LAYOUTS:
        cells = []
        for op in ("me", "sso"):
            r, base = tput[(label, op)], alone[op]
            cells += [f"{r['rps']:.0f}", f"{r['rps'] / base['rps']:.2f}x",
                      f"{r['per_cpu_s']:.0f}", f"{r['per_cpu_s'] / base['per_cpu_s']:.2f}x"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    errors = sum(r["errors"] for r in tput.values())
    lines += ["", f"Errors over all cells: {errors}. req per CPU-s counts every server process (shards and "
              "HAProxy) from /proc/<pid>/stat; N cores would give about N times the 4-shard efficiency "
              "ratio times one process's throughput, as long as the load generator is elsewhere.", "",
              affinity_line(aff), "", dead_line(dead), ""]
    return "\n".join(lines)


def affinity_line(aff: dict) -> str:
    share = aff["same"] / aff["requests"]
    return (f"**Affinity**: {aff['same']} of {aff['requests']} requests over {aff['namespaces']} namespaces "
            f"({share:.2%}) reached the shard the CLI's ring names (half by `X-Sim-Namespace`, half by "
            f"`/ns/<name>/`); errors {aff['errors']}; requests per shard {aff['shares']}.")


def dead_line(dead: dict) -> str:
    keys = ", ".join(dead["shapes"])
    return (f"**Dead shard** (shard-2 of 4 killed): {dead['live_ok']} of {dead['live']} namespaces of the "
            f"other shards answered 200; {dead['dead_503']} of {dead['dead']} of the dead shard's got "
            f"HAProxy's 503 with body keys {keys} in {dead['dead_p50_ms']:.1f} ms median, "
            f"{dead['dead_max_ms']:.1f} ms at most (connection refused, answered at once: no retry, "
            "no health check).")


def haproxy_version() -> str:
    out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True, timeout=10).stdout
    return out.split()[2] if out.startswith("HAProxy version") else "?"


def write_section(path: Path, section: str) -> None:
    """Replace this bench's section of RESULTS.md (from its heading to the next ``## ``), or append it."""
    text = path.read_text() if path.exists() else ""
    head = "## Sharding: N shards behind HAProxy"
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + section.rstrip() + "\n" + (text[nxt:] if nxt != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


SIZES = {"full": {"reps": 7, "duration_s": 4, "warmup_s": 1, "namespaces": 200, "affinity": 10_000},
         "quick": {"reps": 1, "duration_s": 2, "warmup_s": 1, "namespaces": 40, "affinity": 1_000}}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller and shorter; prints, writes nothing")
    parser.add_argument("--out", type=Path, default=None,
                        help="markdown file to update (default: bench/RESULTS.md)")
    args = parser.parse_args(argv)
    for tool in ("haproxy", "wrk"):
        if not shutil.which(tool):
            print(f"bench/shards.py needs {tool}: apt-get install -y {tool}", file=sys.stderr)
            return 2
    sizes = SIZES["quick" if args.quick else "full"]
    started, load0 = dt.datetime.now(dt.UTC), os.getloadavg()[0]
    names = [f"bench-{i}" for i in range(sizes["namespaces"])]
    with tempfile.TemporaryDirectory(prefix="vsee-shards-") as tmp:
        workdir = Path(tmp)
        tput = measure_throughput(workdir, sizes, names)
        aff = measure_affinity(workdir, sizes["affinity"], names)
        dead = measure_dead_shard(workdir, names)
    section = report(argv, sizes, tput, aff, dead, started, load0)
    print(section)
    out = args.out or (None if args.quick else HERE / "RESULTS.md")
    if out:
        write_section(out, section)
        run.log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
