"""vsee-sim benchmark: one runner, one run, every figure as a ratio measured in that run.

    python bench/run.py            # full run (10-15 minutes), writes bench/RESULTS.md
    python bench/run.py --quick    # ~10x smaller smoke run (a few minutes), prints only

Measures (see bench/README.md):
1. throughput and latency of GET /me and POST /users/sso at concurrency 1 and 16,
   against a bare Flask app (bench/baseline_app.py) on the same server settings (waitress);
2. start-up: spawn of ``vsee-sim serve`` to the first 200 of /_sim/health (median);
3. RSS of the server process at start and after 10k SSO users in one namespace;
4. scaling: GET /me and POST /users/sso latency with 1k and with 50k users in one account;
5. the peer comparison of issue 14 (bench/peers.py);
6. growth per collection (bench/growth.py): every operation at 1k and 10k records of each
   collection (50k users), unless ``--no-growth``.

Load: ``wrk`` (Debian package) for throughput/latency when it is on PATH, else a small
threaded http.client client (bench/load.py); the http.client client always does the fills
and the count-bounded scaling samples. Loopback only; every load is bounded in time
and in count. The pieces: harness.py (servers, the code's copy), load.py (clients),
measures.py (the measures), report.py (the markdown), growth.py and peers.py.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import measures
import report as reporting

# Re-exported: bench/shards.py and older scripts use ``run.Server``, ``run.one``, ...
from harness import (  # noqa: F401
    HERE,
    HOST,
    RUN_ID,
    THREADS,
    Server,
    code_version,
    free_port,
    log,
    shown,
    snapshot_code,
    vsee_sim_cmd,
)
from load import WRK_SCRIPT, Op, one, pct, pyload, sso_token, wrkload  # noqa: F401

SIZES = {
    "full": {"duration_s": 3, "reps": 5, "warmup_s": 1, "startup_runs": 5, "small": 1000, "mem": 10000,
             "large": 50000, "reads": 2000, "writes": 800, "rounds": 4, "warm_n": 200, "fill_cap_s": 300,
             "seed_records": 1000},
    "quick": {"duration_s": 1, "reps": 1, "warmup_s": 1, "startup_runs": 3, "small": 100, "mem": 1000,
              "large": 5000, "reads": 200, "writes": 80, "rounds": 2, "warm_n": 50, "fill_cap_s": 60,
              "seed_records": 100},
}
# reps: 5 runs per throughput cell (median): with 3, one disturbed run of a cell on this
# shared 2-CPU machine moved a pair's ratio by up to 0.15 (session 14's three full runs).
GROWTH_ROUNDS = 6  # bench/growth.py's own default: the growth table in about 1.5 minutes here (2026-12-03)
# The sections this runner writes; any other section of an existing RESULTS.md (bench/shards.py's,
# notes added by hand) is kept, after them, when the file is written again.
OWN_SECTIONS = ("## 1. ", "## 2. ", "## 3. ", "## 4. ", "## 5. ", "## Targets", "## Growth per collection")


def growth_section(args, workdir: Path, version: str) -> str | None:
    """The growth bench (bench/growth.py, issue 14 part 1) on this run's copy of the code, so
    its table carries this run's commit and machine; skipped with ``--no-growth``."""
    if args.no_growth:
        return None
    import growth  # bench/ is on sys.path: this file's directory

    return growth.run(quick=args.quick, live=args.live, workdir=workdir, version=version,
                      rounds=args.growth_rounds or (None if args.quick else GROWTH_ROUNDS))


def kept_sections(path: Path) -> str:
    """The sections of the file at ``path`` that this runner does not write."""
    if not path.exists():
        return ""
    parts = ("\n" + path.read_text()).split("\n## ")[1:]
    kept = ["## " + p.rstrip("\n") for p in parts if not ("## " + p).startswith(OWN_SECTIONS)]
    return "".join("\n" + k + "\n" for k in kept)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="~10x smaller: a smoke run in a few minutes")
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
    p.add_argument("--no-growth", action="store_true",
                   help="leave out the growth table (bench/growth.py; on by default)")
    p.add_argument("--growth", action="store_true", help=argparse.SUPPRESS)  # the old opt-in: now the default
    p.add_argument("--growth-rounds", type=int, default=None, metavar="N",
                   help=f"rounds of the growth table (default {GROWTH_ROUNDS}; 20 samples per "
                        "operation and level each)")
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
        if args.live:
            version = code_version(HERE.parent) + ", the working tree (--live)"
        else:
            version = snapshot_code(workdir)
        log(f"code: {version}")
        log(f"run {RUN_ID}: {'quick' if args.quick else 'full'}, load tool {tool}")
        startup = measures.measure_startup(args, workdir, sizes["startup_runs"])
        tput = measures.measure_throughput(args, workdir, sizes, use_wrk)
        scale = measures.measure_scaling(args, workdir, sizes)
        scale["peers_rss"] = measures.measure_peer_memory(args, workdir, sizes)
        growth = growth_section(args, workdir, version)
    load = (load0, " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    text = reporting.report(args, argv, sizes, startup, tput, scale, tool, time.perf_counter() - started,
                            load, version)
    if growth:
        text += "\n" + growth
    print(text)
    if out_path:
        out_path.write_text(text + kept_sections(out_path))
        log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
