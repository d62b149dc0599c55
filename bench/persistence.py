"""``--data`` persistence: restart time, write-to-save gap, request latency while saving,
and what 15 SIGKILLs under 4 writer threads lose.

    python bench/persistence.py [--sizes 50,100,200] [--kills 15] [--seconds 8]

1. Restart: data files of 50/100/200 demo namespaces (about 65 KB each: 200 make ~13 MB).
   In-process ``DataFile.load()`` (median of 3), and ``vsee-sim serve --data`` from spawn
   to its "vsee-sim: ready" line (median of 3)
   beside ``vsee-sim serve`` without ``--data`` (the ratio is what the data costs). Then
   files of 10 and 20 namespaces read the old way (TinyDB's ``db.table(name).all()`` per
   table, which re-reads and re-parses the file each time) beside today's load.
2. At the largest size, two servers side by side (with and without ``--data``), 4 writer
   threads of SSO into 8 namespaces for ``--seconds``, alternating: SSO p50/p99 on each,
   and on the ``--data`` one the write-to-save gap: a probe writes, reads ``write_version``
   and asks ``/_sim/health?wait_persisted=V``; the gap is from the write's answer to that
   answer (an upper bound: it includes one health request).
3. Crash: ``--kills`` rounds of 4 writer threads, SIGKILL of the server's process group
   after a random number of acknowledged writes (40-400), restart, then every acknowledged
   token is asked for (``GET /me``): acknowledged, lost, and the oldest lost write's age
   (kill time minus its acknowledgement) against the bound (0.2 s).

Loopback only; every server is spawned here on a free port and killed by its process group.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vsee_sim.config import load_fixture  # noqa: E402
from vsee_sim.core.datafile import DataFile  # noqa: E402
from vsee_sim.core.store import Worlds  # noqa: E402

API = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
BOUND = 0.2
WRITE_NS = [f"w-{i}" for i in range(8)]
OLD_READ = """
import sys, time
from tinydb import TinyDB
from vsee_sim.core.persistence import AtomicJSONStorage, read_tables
t = time.perf_counter()
read_tables(TinyDB(sys.argv[1], storage=AtomicJSONStorage))
print(time.perf_counter() - t)
"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def make_file(path: Path, namespaces: int) -> int:
    worlds = Worlds(load_fixture, "demo", 7)
    datafile = DataFile(str(path), worlds)
    datafile.load()
    for i in range(namespaces):
        worlds.get(f"ns-{i}")
    datafile.stop()
    return path.stat().st_size


def load_time(path: Path) -> float:
    worlds = Worlds(load_fixture, "demo", 7)
    t = time.perf_counter()
    DataFile(str(path), worlds).load()
    return time.perf_counter() - t


class Server:
    def __init__(self, workdir: Path, data: Path | None):
        self.workdir, self.data, self.proc = workdir, data, None

    def start(self) -> float:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", str(self.port),
                "--quiet", "--seed", "7"]
        if self.data:
            argv += ["--data", str(self.data)]
        env = {**os.environ, "VSEE_SIM_FLUSH_INTERVAL": str(BOUND), "PYTHONUNBUFFERED": "1"}
        t = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=self.workdir, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                if b"vsee-sim: ready" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        ready.wait(120)
        took = time.perf_counter() - t
        if self.proc.poll() is not None:
            raise SystemExit(f"server exited: {self.proc.returncode}")
        return took

    def kill(self) -> None:
        if self.proc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def sso(self, session, ns: str, code: str) -> tuple[str, str]:
        r = session.post(f"{self.base}/api_v3/users/sso.json", headers={**API, "X-Sim-Namespace": ns},
                         data={"first_name": "B", "last_name": code, "code": code, "type": "200"}, timeout=30)
        r.raise_for_status()
        data = r.json()["data"]
        return data["id"], data["token"]["token"]


def writers(server: Server, stop: threading.Event, out: list, prefix: str, n: int = 4,
            namespaces: list[str] = WRITE_NS) -> list[threading.Thread]:
    def work(k: int) -> None:
        session, i = requests.Session(), 0
        try:
            while not stop.is_set():
                ns = namespaces[(k * 3 + i) % len(namespaces)]
                t = time.perf_counter()
                user_id, token = server.sso(session, ns, f"{prefix}-{k}-{i}")
                done = time.perf_counter()
                out.append((ns, user_id, token, done, done - t))
                i += 1
        except (requests.RequestException, ValueError):
            pass

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    return threads


def part_restart(workdir: Path, sizes: list[int]) -> dict[int, Path]:
    files = {}
    print("## Restart with --data\n")
    print("| namespaces | file MB | load in-process s (median of 3) | serve --data to ready s | "
          "serve without --data s | ratio |\n|---|---|---|---|---|---|")
    plain = Server(workdir, None)
    for size in sizes:
        path = workdir / f"state-{size}.json"
        mb = make_file(path, size) / 1e6
        files[size] = path
        loads = [load_time(path) for _ in range(3)]
        with_data, without = [], []
        for _ in range(3):
            server = Server(workdir, path)
            with_data.append(server.start())
            server.kill()
            without.append(plain.start())
            plain.kill()
        w, wo = statistics.median(with_data), statistics.median(without)
        print(f"| {size} | {mb:.1f} | {statistics.median(loads):.2f} | {w:.2f} | {wo:.2f} | {w / wo:.2f}x |")
    print("\nThe old way to read a data file (TinyDB: one re-read and re-parse of the whole file per "
          "table), on small files, beside today's load of the same file (subprocess capped at 60 s):\n")
    print("| namespaces | old TinyDB read s | load today s | ratio |\n|---|---|---|---|")
    for size in (10, 20):
        path = workdir / f"old-{size}.json"
        make_file(path, size)
        new = statistics.median(load_time(path) for _ in range(3))
        try:
            old = subprocess.run([sys.executable, "-c", OLD_READ, str(path)], capture_output=True,
                                 text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
            old_s = float(old.stdout.strip())
            print(f"| {size} | {old_s:.2f} | {new:.3f} | {old_s / new:.0f}x |")
        except subprocess.TimeoutExpired:
            print(f"| {size} | over 60 (stopped) | {new:.3f} | |")
    print()
    return files


def part_gap(workdir: Path, data: Path, seconds: float) -> None:
    print(f"## Under write load at {data.name} (4 writer threads, 8 namespaces)\n")
    namespaces = [f"ns-{i}" for i in range(8)]  # namespaces the file holds
    servers = {"--data": Server(workdir, data), "no --data": Server(workdir, None)}
    for server in servers.values():
        server.start()
    samples = {label: [] for label in servers}
    gaps: list[float] = []
    try:
        if True:  # the same namespaces on the other side too
            session = requests.Session()
            for ns in namespaces:
                session.get(f"{servers['no --data'].base}/_sim/health", headers={"X-Sim-Namespace": ns})
        for rnd in range(4):
            for label in (("--data", "no --data") if rnd % 2 == 0 else ("no --data", "--data")):
                server, stop, out = servers[label], threading.Event(), []
                threads = writers(server, stop, out, f"g{rnd}{label[:2]}", namespaces=namespaces)
                end = time.perf_counter() + seconds / 4
                session = requests.Session()
                while time.perf_counter() < end:
                    if label == "--data":
                        server.sso(session, "ns-9", f"probe-{time.perf_counter_ns()}")
                        acked = time.perf_counter()
                        health = session.get(f"{server.base}/_sim/health", timeout=30).json()["data"]
                        session.get(f"{server.base}/_sim/health",
                                    params={"wait_persisted": health["write_version"]}, timeout=30)
                        gaps.append(time.perf_counter() - acked)
                    time.sleep(0.05)
                stop.set()
                for t in threads:
                    t.join(30)
                samples[label].extend(lat for *_, lat in out)
        print("| server | SSO writes | p50 ms | p99 ms |\n|---|---|---|---|")
        for label, lat in samples.items():
            print(f"| {label} | {len(lat)} | {statistics.median(lat) * 1e3:.1f} | {pct(lat, 99) * 1e3:.1f} |")
        p99 = pct(samples["--data"], 99) / pct(samples["no --data"], 99)
        print(f"\nSSO p99 with --data / without: {p99:.2f}x. Write-to-save gap ({len(gaps)} probes): "
              f"p50 {statistics.median(gaps) * 1e3:.0f} ms, p99 {pct(gaps, 99) * 1e3:.0f} ms, "
              f"max {max(gaps) * 1e3:.0f} ms (bound {BOUND * 1e3:.0f} ms).\n")
    finally:
        for server in servers.values():
            server.kill()


def part_crash(workdir: Path, kills: int, seed: int) -> None:
    print(f"## {kills} SIGKILLs under 4 writer threads (seed {seed})\n")
    rng = random.Random(seed)
    data = workdir / "crash.json"
    server = Server(workdir, data)
    server.start()
    acked_total, lost_ages, restarts = 0, [], []
    try:
        for rnd in range(kills):
            stop, out = threading.Event(), []
            threads = writers(server, stop, out, f"c{rnd}")
            target = rng.randint(40, 400)
            while len(out) < target:
                time.sleep(0.005)
            killed_at = time.perf_counter()
            server.kill()
            stop.set()
            for t in threads:
                t.join(30)
            acked_total += len(out)
            restarts.append(server.start())
            session = requests.Session()
            for ns, _, token, done, _ in out:
                r = session.get(f"{server.base}/api_v3/me", timeout=30,
                                headers={"X-ApiToken": token, "X-Sim-Namespace": ns})
                if r.status_code != 200:
                    lost_ages.append(killed_at - done)
    finally:
        server.kill()
    older = sum(age > BOUND for age in lost_ages)
    print(f"acknowledged {acked_total}, lost {len(lost_ages)}, lost older than {BOUND} s: {older}; "
          f"oldest lost {max(lost_ages, default=0) * 1e3:.0f} ms before the kill; "
          f"restart to ready median {statistics.median(restarts):.2f} s.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200")
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {fh.read().split()[0]} (cores: {os.cpu_count()})\n")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = part_restart(workdir, sizes)
        part_gap(workdir, files[sizes[-1]], args.seconds)
        part_crash(workdir, args.kills, args.seed)
    with open("/proc/loadavg") as fh:
        print(f"load average at end: {fh.read().split()[0]}")


if __name__ == "__main__":
    main()
