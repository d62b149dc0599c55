"""Start-up and memory of vsee-sim against the bare Flask baseline, alternated (issue 14, 4 and 5).

    python bench/startup.py                  # 7 alternated spawns each, RSS after 10k SSO users
    python bench/startup.py --runs 5 --users 0 --cli 0
    python bench/startup.py --runs 3 --cli 0 --namespaces 200   # the RSS figures only (~30 s)

bench/run.py's measures 2 and 3, in a smaller loop for working on start-up: the spawns of
``vsee-sim serve --fixture demo`` and of the dict baseline (bench/baseline_app.py under
waitress, same settings) alternate, so the machine's load hits both alike; medians and the
ratio. Then RSS of each at start and of vsee-sim after ``--users`` SSO users in one namespace
(the baseline's RSS at start is the target's denominator), and what a demo namespace costs
(``--namespaces``: RSS grown over that many, each made by one ``GET /me``). Last, ``vsee-sim --help`` and
``vsee-sim routes`` against ``python -c 'import flask'``, alternated. The servers import a
compiled copy of vsee_sim/ (bench/run.py's snapshot_code).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import baseline_server, snapshot_code, vsee_server
from load import one, pyload, sso_op

DEMO_TOKEN = "6366a7018a39536a1ef4b63626f8e734"  # the demo clinic's user 201, documented, never expires


def spawn_times(args, workdir: Path) -> dict:
    out = {"vsee": [], "baseline": [], "vsee_rss": [], "baseline_rss": []}
    for _ in range(args.runs):
        for kind in ("vsee", "baseline"):
            server = vsee_server(args, workdir) if kind == "vsee" else baseline_server(workdir)
            with server.start():
                out[kind].append(server.wait_healthy())
                out[f"{kind}_rss"].append(server.rss_kib())
    return out


def memory_after(args, workdir: Path) -> tuple[int, int]:
    with vsee_server(args, workdir).start() as server:
        server.wait_healthy()
        start = server.rss_kib()
        r = pyload(server.port, sso_op(args, "mem"), 16, count=args.users, max_seconds=300)
        if r["errors"]:
            raise RuntimeError(f"{r['errors']} errors in the fill: {r['first_error']}")
        return start, server.rss_kib()


def namespace_cost(args, workdir: Path) -> float:
    """KiB of RSS per demo namespace, each made by one request (``GET /me``)."""
    with vsee_server(args, workdir).start() as server:
        server.wait_healthy()
        start = server.rss_kib()
        for i in range(args.namespaces):
            status, body = one(server.port, "GET", "/api_v3/me.json",
                               {"X-ApiToken": DEMO_TOKEN, "X-Sim-Namespace": f"cost-{i}"})
            if status != 200:
                raise RuntimeError(f"GET /me in a new namespace: {status} {body}")
        return (server.rss_kib() - start) / args.namespaces


def cli_times(args) -> dict:
    env = harness.SERVER_ENV
    cmds = {"import flask": [sys.executable, "-c", "import flask"],
            "vsee-sim --help": [sys.executable, "-m", "vsee_sim.cli", "--help"],
            "vsee-sim routes": [sys.executable, "-m", "vsee_sim.cli", "routes"]}
    times = {name: [] for name in cmds}
    for _ in range(args.cli):
        for name, argv in cmds.items():
            t = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True, timeout=60)
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(v) for name, v in times.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=7, help="spawns of each server, alternated (default 7)")
    p.add_argument("--users", type=int, default=10000, help="SSO users for the memory point (0: skip)")
    p.add_argument("--cli", type=int, default=7, help="runs of each CLI command (0: skip)")
    p.add_argument("--namespaces", type=int, default=0,
                   help="demo namespaces made for their cost (0: skip; 200 is enough)")
    p.add_argument("--fixture", default="demo")
    p.add_argument("--account", default="vclinic")
    p.add_argument("--api-key", default="vclinic_api_key")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="vsee-startup-") as tmp:
        workdir = Path(tmp)
        print(f"code: {snapshot_code(workdir)}")
        t = spawn_times(args, workdir)
        v, b = statistics.median(t["vsee"]), statistics.median(t["baseline"])
        print(f"start-up: vsee-sim {v:.3f} s, baseline {b:.3f} s, ratio {v / b:.2f}x "
              f"(median of {args.runs}; vsee {' '.join(f'{x:.3f}' for x in t['vsee'])}; "
              f"baseline {' '.join(f'{x:.3f}' for x in t['baseline'])})")
        rv, rb = statistics.median(t["vsee_rss"]), statistics.median(t["baseline_rss"])
        print(f"RSS at start: vsee-sim {rv / 1024:.1f} MiB, baseline {rb / 1024:.1f} MiB, "
              f"ratio {rv / rb:.2f}x")
        if args.users:
            start, after = memory_after(args, workdir)
            print(f"RSS after {args.users} SSO users: {after / 1024:.1f} MiB = {after / rb:.2f}x "
                  f"the baseline at start; {(after - start) / args.users:.2f} KiB per user "
                  f"(start {start / 1024:.1f} MiB)")
        if args.namespaces:
            print(f"a demo namespace: {namespace_cost(args, workdir):.0f} KiB of RSS "
                  f"(over {args.namespaces}, each made by one GET /me)")
        if args.cli:
            c = cli_times(args)
            f = c["import flask"]
            print("CLI: " + ", ".join(f"{name} {s:.3f} s ({s / f:.2f}x)" for name, s in c.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
