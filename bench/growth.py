"""Growth per collection (issue 14): does every operation cost the same whatever a namespace holds?

For each collection a namespace can grow, one namespace per level (1k and 10k records;
50k for users, the account's visits and notifications) is seeded through the control plane
(``GET /_sim/state``, records added to the export, ``POST /_sim/state``), and then every
operation that touches the collection is timed as real HTTP requests on the server we ship
(``vsee-sim serve``: waitress, 8 threads, no access log). Rounds alternate between the levels
so both see the same machine load; the report is p50 and p99 at each level and the ratio
large / small. A list whose result grows with the data is timed per returned item.

    python bench/growth.py            # ~10 minutes; prints the markdown section
    python bench/growth.py --quick    # levels / 10, fewer samples: under a minute
    python bench/growth.py --only rooms,users --out /tmp/growth.md

``run(quick) -> str`` is the same, for a main runner. The scenarios are in
bench/growth_cases.py.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import growth_cases  # noqa: E402
import growth_seed  # noqa: E402
import harness as runner  # noqa: E402  (servers, the code's copy, ports, log)
from growth_cases import Op  # noqa: E402
from load import pct  # noqa: E402

ROUNDS = {"full": 6, "quick": 2}    # bench/run.py's whole run passes its --growth-rounds
SAMPLES = {"full": 20, "quick": 6}   # per operation, level and round (an Op may scale it)
MAX_BODY = 512 * 1024 * 1024         # an import of 50k users is ~25 MB


class Client:
    """One keep-alive connection to the server, for one namespace."""

    clock = staticmethod(time.perf_counter)

    def __init__(self, port: int, namespace: str):
        self.port, self.namespace = port, namespace
        self.conn = http.client.HTTPConnection(runner.HOST, port, timeout=120)

    def request(self, method: str, path: str, headers: dict | None = None,
                body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"X-Sim-Namespace": self.namespace, **(headers or {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (ConnectionError, http.client.RemoteDisconnected):
                # the server closes a keep-alive connection idle for 120 s (while the other
                # levels were measured) before reading a request: send it again, once
                self.conn.close()
                self.conn = http.client.HTTPConnection(runner.HOST, self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, headers: dict | None = None, body=None) -> dict:
        raw = json.dumps(body).encode() if body is not None else None
        hdrs = {**(headers or {}), **({"Content-Type": "application/json"} if raw is not None else {})}
        status, data = self.request(method, path, hdrs, raw)
        if status != 200:
            raise RuntimeError(f"{method} {path} in {self.namespace}: {status} {data[:300]!r}")
        return json.loads(data)


class InProcess(Client):
    """The same requests to an in-process app (Flask's test client): ``--in-process`` times
    the thread's CPU (``time.thread_time``), which other work on the machine barely moves, as a
    second opinion on flatness when the HTTP figures are noisy. Not the shipped server."""

    clock = staticmethod(time.thread_time)

    def __init__(self, app, namespace: str):
        self.namespace = namespace
        self.client = app.test_client()

    def request(self, method: str, path: str, headers: dict | None = None,
                body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"X-Sim-Namespace": self.namespace, **(headers or {})}
        resp = self.client.open(path, method=method, headers=headers, data=body)
        return resp.status_code, resp.get_data()


class LineCounter(InProcess):
    """``--lines``: the same in-process requests, each measured by the Python lines it runs
    (``sys.settrace`` line events of every frame): as repeatable as an instruction count, and a
    scan shows as lines that grow with the data, whatever else runs on the machine."""

    lines = 0

    @staticmethod
    def clock() -> float:
        return LineCounter.lines / 1e3   # measure_case reports clock units x 1e3: lines

    def request(self, method: str, path: str, headers: dict | None = None,
                body: bytes | None = None) -> tuple[int, bytes]:
        def tracer(frame, event, arg):
            if event == "line":
                LineCounter.lines += 1
            return tracer

        sys.settrace(tracer)
        try:
            return super().request(method, path, headers, body)
        finally:
            sys.settrace(None)


def seed(client: Client, base: dict, case, n: int) -> None:
    doc = copy.deepcopy(base)
    grown = growth_seed.Doc(doc)
    grown.add_staff_token()
    case.grow(grown, n)
    body = json.dumps(doc, separators=(",", ":")).encode()
    status, data = client.request("POST", "/_sim/state", {"Content-Type": "application/json"}, body)
    if status != 200:
        raise RuntimeError(f"seeding {case.name} at {n}: {status} {data[:300]!r}")


def time_op(client: Client, op: Op, i: int) -> tuple[float, int]:
    """One timed request (its unmeasured preparation and clean-up around it): seconds, items."""
    ctx = op.prepare(client, i) if op.prepare else {}
    method, path, headers, body = op.build(i, ctx)
    t0 = client.clock()
    status, data = client.request(method, path, headers, body)
    elapsed = client.clock() - t0
    if status != 200:
        raise RuntimeError(f"{op.name} in {client.namespace}: {status} {data[:300]!r}")
    items = 1
    if op.items is not None:
        items = max(1, op.items(json.loads(data)))
    if op.after:
        op.after(client, i, ctx, json.loads(data))
    return elapsed, items


def measure_case(connect, base: dict, case, quick: bool, deep: bool = False) -> list[dict]:
    """``connect(namespace)`` -> a Client (HTTP) or InProcess."""
    mode = "quick" if quick else "full"
    levels = [max(10, n // 10) if quick and not case.bounded else n
              for n in case.levels + (case.deep if deep else ())]
    clients = {}
    for n in levels:
        c = clients[n] = connect(f"growth-{case.name}-{n}-{runner.RUN_ID}")
        t0 = time.perf_counter()
        seed(c, base, case, n)
        runner.log(f"{case.name}: seeded {n} in {time.perf_counter() - t0:.1f} s")
    ops = case.ops()
    samples = {(op.name, n): [] for op in ops for n in levels}
    items = {(op.name, n): [] for op in ops for n in levels}
    counter = 0
    for op in ops:  # warm-up: caches, lazily built indexes, first-use imports
        for n in levels:
            if case.fill:
                case.fill(clients[n], n)
            for _ in range(1 if op.scale < 0.1 else 2):  # a whole big list: one is enough
                counter += 1
                time_op(clients[n], op, counter)
    for rnd in range(ROUNDS[mode]):
        order = levels if rnd % 2 == 0 else list(reversed(levels))
        for op in ops:
            for n in order:
                if case.fill:
                    case.fill(clients[n], n)
                for _ in range(max(1, int(SAMPLES[mode] * op.scale))):
                    counter += 1
                    elapsed, k = time_op(clients[n], op, counter)
                    samples[(op.name, n)].append(elapsed / k if op.items else elapsed)
                    items[(op.name, n)].append(k)
    rows = []
    for op in ops:
        row = {"case": case.name, "what": case.what, "op": op.name, "per_item": op.items is not None,
               "levels": levels, "p50": {}, "p99": {}, "items": {}}
        for n in levels:
            lat = sorted(samples[(op.name, n)])
            row["p50"][n] = pct(lat, 50) * 1e3
            row["p99"][n] = pct(lat, 99) * 1e3
            row["items"][n] = statistics.median(items[(op.name, n)])
        rows.append(row)
    for c in clients.values():
        c.request("DELETE", f"/_sim/namespaces/{c.namespace}")
    return rows


UNIT = "ms"   # "lines" with --lines


def fmt_ms(v: float, per_item: bool) -> str:
    if UNIT == "lines":
        return f"{v:.1f} lines" if per_item else f"{v:.0f} lines"
    return f"{v * 1e3:.1f} us" if per_item and v < 0.1 else f"{v:.2f} ms"


def report(rows: list[dict], version: str, seconds: float, load: tuple[str, str], quick: bool,
           in_process: bool = False) -> str:
    worst = max((r["p50"][r["levels"][-1]] / r["p50"][r["levels"][0]] for r in rows), default=0)
    flat = sum(1 for r in rows if r["p50"][r["levels"][1]] / r["p50"][r["levels"][0]] <= 1.2)
    L = ["## Growth per collection (bench/growth.py, issue 14)", "",
         f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {version}; whole run {seconds:.0f} s"
         + (" (--quick: levels / 10)" if quick else ""),
         f"- Machine: nproc {os.cpu_count()}, Python {sys.version.split()[0]}; load average at start "
         f"{load[0]}, at end {load[1]}",
         ("- In process (`--lines`): Flask's test client, the Python lines each request runs "
          "(sys.settrace line events: repeatable, a scan shows as lines that grow); "
          if UNIT == "lines" else
          "- In process (`--in-process`): Flask's test client, the thread's CPU time per request "
          "(not the shipped server: a second opinion on flatness); "
          if in_process else
          "- Server: `vsee-sim serve --fixture demo --seed 1 --threads 8 --quiet` (waitress); "
          "http.client, one keep-alive connection, concurrency 1; ")
         + "one namespace per level seeded through `POST /_sim/state`; "
         f"{ROUNDS['quick' if quick else 'full']} rounds alternating between the levels, "
         "samples pooled per cell",
         "- Lists whose result grows with the data: time per returned item (`/item`); "
         "`items` is the median number returned at the largest level",
         f"- {flat} of {len(rows)} operations within 1.2x from the first to the second level (p50); "
         f"largest p50 ratio last/first level {worst:.2f}x",
         "",
         "| collection (what grows) | operation | p50 1k | p50 10k | p50 50k | p99 1k | p99 10k | p99 50k "
         "| p50 10k/1k | p50 50k/1k | p99 last/1k | items |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lv = r["levels"]
        third = lv[2] if len(lv) > 2 else None
        per = r["per_item"]
        p50 = [fmt_ms(r["p50"][n], per) for n in lv[:2]] + [fmt_ms(r["p50"][third], per) if third else ""]
        p99 = [fmt_ms(r["p99"][n], per) for n in lv[:2]] + [fmt_ms(r["p99"][third], per) if third else ""]
        q1 = r["p50"][lv[1]] / r["p50"][lv[0]]
        q2 = f"{r['p50'][third] / r['p50'][lv[0]]:.2f}x" if third else ""
        q99 = r["p99"][lv[-1]] / r["p99"][lv[0]]
        name = r["op"] + (" /item" if per else "")
        L.append(f"| {r['case']} ({r['what']}) | {name} | {' | '.join(p50)} | {' | '.join(p99)} | "
                 f"{q1:.2f}x | {q2} | {q99:.2f}x | {r['items'][lv[-1]]:g} |")
    if quick:
        L.append("")
        L.append("(--quick: the columns are 100 / 1k / 5k, not 1k / 10k / 50k.)")
    return "\n".join(L) + "\n"


def run(quick: bool = False, only: list[str] | None = None, live: bool = False,
        in_process: bool = False, deep: bool = False, rounds: int | None = None,
        workdir: Path | None = None, version: str | None = None, lines: bool = False) -> str:
    """Spawn one server, measure every case (or ``only`` these), return the markdown section.

    ``deep`` adds the 50k levels of the account's visits and the notifications; ``rounds``
    overrides ROUNDS. A main runner passes its ``workdir`` and ``version`` when it has already
    copied the code (bench/run.py): the server then imports that same copy."""
    started = time.perf_counter()
    load0 = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    cases = [c for c in growth_cases.CASES if not only or c.name in only]
    if only and len(cases) != len(only):
        known = ", ".join(c.name for c in growth_cases.CASES)
        raise SystemExit(f"--only: unknown case; the cases are: {known}")
    if rounds:
        ROUNDS["quick" if quick else "full"] = max(1, rounds)
    rows: list[dict] = []
    if lines:
        global UNIT
        UNIT, in_process = "lines", True
        ROUNDS["quick" if quick else "full"] = rounds or 1
        SAMPLES["quick" if quick else "full"] = 3   # the count is the same every time
    if in_process:
        os.environ.update(VSEE_SIM_MAX_BODY_BYTES=str(MAX_BODY), VSEE_SIM_MAX_NAMESPACES="0")
        from vsee_sim.app import create_app

        app = create_app({"FIXTURE": "demo", "SEED": 1})
        base = InProcess(app, f"growth-base-{runner.RUN_ID}").json("GET", "/_sim/state")
        kind = LineCounter if lines else InProcess
        for case in cases:
            rows.extend(measure_case(lambda ns: kind(app, ns), base, case, quick, deep))
        load = (load0, " ".join(Path("/proc/loadavg").read_text().split()[:3]))
        version = runner.code_version(HERE.parent) + ", in process"
        return report(rows, version, time.perf_counter() - started, load, quick, in_process=True)
    with tempfile.TemporaryDirectory(prefix="vsee-growth-") as tmp:
        if workdir is None:
            workdir = Path(tmp)
            if live:
                version = runner.code_version(HERE.parent) + ", the working tree (--live)"
                runner.SERVER_ENV = dict(os.environ)
            else:
                version = runner.snapshot_code(workdir)
        saved = runner.SERVER_ENV
        runner.SERVER_ENV = {**(saved if saved is not None else os.environ),
                             "VSEE_SIM_MAX_BODY_BYTES": str(MAX_BODY), "VSEE_SIM_MAX_NAMESPACES": "0"}
        try:
            port = runner.free_port()
            argv = runner.vsee_sim_cmd() + ["serve", "--port", str(port), "--fixture", "demo", "--seed", "1",
                                            "--threads", str(runner.THREADS), "--quiet"]
            with runner.Server("vsee-sim-growth", argv, port, workdir).start() as server:
                server.wait_healthy()
                base = Client(port, f"growth-base-{runner.RUN_ID}").json("GET", "/_sim/state")
                for case in cases:
                    rows.extend(measure_case(lambda ns: Client(port, ns), base, case, quick, deep))
        finally:
            runner.SERVER_ENV = saved
    load = (load0, " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    return report(rows, version or "?", time.perf_counter() - started, load, quick)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="levels / 10 and fewer samples (under a minute)")
    p.add_argument("--only", default="", help="comma-separated case names (default: all)")
    p.add_argument("--live", action="store_true", help="the server imports the working tree as it is")
    p.add_argument("--in-process", action="store_true",
                   help="time the thread's CPU per request in an in-process app (a second opinion)")
    p.add_argument("--deep", action="store_true",
                   help="also 50k of the account's visits and of the notifications (users always go to 50k)")
    p.add_argument("--rounds", type=int, default=None, help="rounds alternating between the levels")
    p.add_argument("--lines", action="store_true",
                   help="in process, count the Python lines each request runs (repeatable; slow: use --only)")
    p.add_argument("--out", default=None, help="also write the markdown section to this file")
    args = p.parse_args(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()] or None
    text = run(args.quick, only, args.live, args.in_process, args.deep, args.rounds, lines=args.lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
