"""Which HTTP server should run vsee-sim? One run, one app, every candidate (issue 12).

Each candidate serves the same ``create_app()`` (demo clinic, seed 1, no access log,
8 app threads, one process) and gets, in the same run:

1. throughput: ``GET /api_v3/me.json`` with the documented token at concurrency 1 and 16,
   measured by wrk pinned to CPU 1 while the servers are pinned to CPU 0 (``taskset``), all
   up side by side, 5 rounds of 3 s cells in alternating order (median); reported as req/s,
   p50, p99 and the ratio to gunicorn gthread (``vsee-sim serve`` before this change);
2. the slow-client probes of issue 12, each on a fresh server: 8 and 20 sockets that send a
   partial request head; 20 that announce ``Content-Length: 100000`` on a POST whose view
   reads the body and send 1 byte; 8 idle connections. While they are open, 5 normal
   requests (fresh connections, 10 s timeout each) are timed.

    python bench/servers.py                    # all candidates installed, writes nothing
    python bench/servers.py --out /tmp/s.md    # ... and writes the markdown there
    python bench/servers.py serve KIND PORT    # (internal) one candidate in this process

Candidates (each skipped if not installed): ``gunicorn`` (gthread), ``granian-wsgi``
(granian's WSGI interface, 1 worker, blocking threads), ``granian-asgi`` and ``granian-rsgi``
(granian's ASGI or RSGI interface in front of ``bench/buffered.py``: the body is read on the
event loop before a thread is given), ``waitress`` (plain ``waitress.serve``), ``uvicorn``
(+ a2wsgi) and ``vsee-sim`` (what ``vsee-sim serve --quiet`` runs now: waitress with
vsee_sim/serving's JSON errors, timeouts and limits).
Loopback only; every load is bounded by wrk's ``-d`` and every probe by socket timeouts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

HOST = "127.0.0.1"
THREADS = 8
TOKEN = "6366a7018a39536a1ef4b63626f8e734"  # the documentation's example token (demo fixture)
ME = "/api_v3/me.json"
CANDIDATES = {  # name -> module that must be importable
    "gunicorn": "gunicorn", "granian-wsgi": "granian", "granian-asgi": "granian", "granian-rsgi": "granian",
    "waitress": "waitress", "uvicorn": "a2wsgi", "vsee-sim": "waitress",
}
ROOT = Path(__file__).resolve().parent.parent


# -- one candidate, in this process ------------------------------------------------------
def serve(kind: str, port: int) -> None:
    sys.path.insert(0, str(ROOT))
    from vsee_sim.app import create_app

    if kind == "vsee-sim":  # what `vsee-sim serve --quiet` runs: waitress + vsee_sim/serving
        from vsee_sim.serving.server import serve as vsee_serve

        vsee_serve({"FIXTURE": "demo", "SEED": 1}, HOST, port, THREADS, quiet=True)
        return
    app = create_app({"FIXTURE": "demo", "SEED": 1})
    if kind == "gunicorn":
        from gunicorn.app.base import BaseApplication

        class G(BaseApplication):
            def load_config(self):
                for key, value in {"bind": f"{HOST}:{port}", "workers": 1, "worker_class": "gthread",
                                   "threads": THREADS, "timeout": 120, "graceful_timeout": 5,
                                   "accesslog": None, "errorlog": "-",
                                   "control_socket_disable": True}.items():  # 27.x opens one under $HOME
                    if key in self.cfg.settings:
                        self.cfg.set(key, value)

            def load(self):
                return app

        G().run()
    elif kind.startswith("granian-"):
        from granian.constants import Interfaces
        from granian.server.mt import MTServer

        if kind == "granian-wsgi":
            target, interface = app, Interfaces.WSGI
        else:
            from buffered import BufferedWSGI

            target = BufferedWSGI(app, threads=THREADS)
            interface = Interfaces.ASGINL if kind == "granian-asgi" else Interfaces.RSGI
        MTServer._check_gil = lambda self: None  # run the worker as a thread of this process
        server = MTServer("app", address=HOST, port=port, interface=interface, workers=1,
                          blocking_threads=THREADS if kind == "granian-wsgi" else 1, log_access=False)
        server.serve(target_loader=lambda *_: target, wrap_loader=False)
    elif kind == "waitress":
        import waitress

        waitress.serve(app, host=HOST, port=port, threads=THREADS, _quiet=True,
                       connection_limit=1000, asyncore_use_poll=True)
    elif kind == "uvicorn":
        import uvicorn
        from a2wsgi import WSGIMiddleware

        uvicorn.run(WSGIMiddleware(app, workers=THREADS), host=HOST, port=port, log_level="warning",
                    access_log=False, lifespan="off")
    else:
        raise SystemExit(f"unknown server {kind}")


# -- the runner -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind: str, workdir: Path):
        self.kind, self.port = kind, free_port()
        self.log = workdir / f"{kind}-{self.port}.log"
        argv = [sys.executable, __file__, "serve", kind, str(self.port)]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
            argv = ["taskset", "-c", "0", *argv]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited:\n{self.log.read_text()[-2000:]}")
            if request_ms(self.port, "/_sim/health", timeout=2) is not None:
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{kind} not up after 30 s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session only
                self.proc.wait(timeout=5)


def request_ms(port: int, path: str = ME, timeout: float = 10.0) -> float | None:
    """One GET on a fresh connection: milliseconds to a complete 200, or None."""
    t0 = time.perf_counter()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-ApiToken: {TOKEN}\r\n"
                         "Connection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return (time.perf_counter() - t0) * 1000


def wrk(port: int, conc: int, seconds: int) -> dict:
    argv = ["wrk", "-t1", f"-c{conc}", f"-d{seconds}s", "--latency", "-H", f"X-ApiToken: {TOKEN}",
            f"http://{HOST}:{port}{ME}"]
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
        argv = ["taskset", "-c", "1", *argv]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found:
        raise RuntimeError(f"wrk said:\n{out}")
    rps = float(found.group(1))

    def pct(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock_err = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": sock_err.group(1) if sock_err else ""}


PROBES = {
    "8 partial heads": (8, b"GET / HTTP/1.1\r\nHost: x\r\n"),
    "20 partial heads": (20, b"GET / HTTP/1.1\r\nHost: x\r\n"),
    "20 short bodies": (20, b"POST /api_v3/users/sso.json HTTP/1.1\r\nHost: x\r\n"
                            b"X-ApiKey: vclinic_api_key\r\n"
                            b"Content-Type: application/x-www-form-urlencoded\r\n"
                            b"Content-Length: 100000\r\n\r\nc"),
    "8 idle": (8, b""),
}


def probe(port: int, count: int, payload: bytes) -> dict:
    socks = []
    try:
        for _ in range(count):
            s = socket.create_connection((HOST, port), timeout=5)
            if payload:
                s.sendall(payload)
            socks.append(s)
        time.sleep(0.3)  # let the server take them in before the normal requests
        times = [request_ms(port) for _ in range(5)]
    finally:
        for s in socks:
            s.close()
    ok = [t for t in times if t is not None]
    return {"answered": len(ok), "of": len(times), "median_ms": statistics.median(ok) if ok else None,
            "max_ms": max(ok) if ok else None}


def available() -> list[str]:
    return [k for k, mod in CANDIDATES.items() if find_spec(mod) and (k != "uvicorn" or find_spec("uvicorn"))]


def run(args) -> str:
    workdir = Path(args.workdir or "/tmp/vsee-sim-servers")
    workdir.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in available() if not args.only or k in args.only]
    started = time.time()
    load0 = os.getloadavg()
    tput: dict[tuple[str, int], list[dict]] = {}
    servers = {}
    try:  # all up side by side (idle ones cost nothing); cells alternate, so load drift hits all alike
        for kind in kinds:
            servers[kind] = Server(kind, workdir)
            for _ in range(200):
                request_ms(servers[kind].port)  # warm
        for rnd in range(args.rounds):
            order = kinds if rnd % 2 == 0 else list(reversed(kinds))
            for conc in (1, 16):
                for kind in order:
                    tput.setdefault((kind, conc), []).append(wrk(servers[kind].port, conc, args.seconds))
            done = {k: [tput[(k, c)][-1]["rps"] for c in (1, 16)] for k in kinds}
            print("round", rnd + 1, done, flush=True)
    finally:
        for server in servers.values():
            server.stop()
    probes: dict[tuple[str, str], dict] = {}
    for kind in kinds if not args.no_probes else []:
        for name, (count, payload) in PROBES.items():
            server = Server(kind, workdir)
            try:
                probes[(kind, name)] = probe(server.port, count, payload)
            finally:
                server.stop()
            print(kind, name, probes[(kind, name)], flush=True)
    return report(kinds, tput, probes, started, load0, args)


def report(kinds, tput, probes, started, load0, args) -> str:
    base = "gunicorn" if "gunicorn" in kinds else kinds[0]
    lines = [
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; "
        f"whole run {time.time() - started:.0f} s",
        f"- Machine: nproc {os.cpu_count()}, Python {platform.python_version()}; load average at start "
        f"{' '.join(f'{x:.2f}' for x in load0)}, at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- Versions: {versions(kinds)}",
        f"- Command: `python bench/servers.py{' --out ' + args.out if args.out else ''}`; "
        "server pinned to CPU 0, "
        f"wrk (1 thread) to CPU 1; all servers up side by side, {args.rounds} rounds of {args.seconds} s per "
        "cell, alternating order, median; "
        f"{THREADS} app threads, no access log, one process",
        "",
        "| server | c=1 req/s | ratio | p50 | p99 | c=16 req/s | ratio | p50 | p99 | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    med = {key: {f: statistics.median(r[f] for r in rows) for f in ("rps", "p50", "p99")}
           for key, rows in tput.items()}
    for kind in kinds:
        cells = []
        for conc in (1, 16):
            m, b = med[(kind, conc)], med[(base, conc)]
            cells += [f"{m['rps']:.0f}", f"{m['rps'] / b['rps']:.2f}x", f"{m['p50']:.2f} ms",
                      f"{m['p99']:.2f} ms"]
        errors = sum(r["errors"] for c in (1, 16) for r in tput[(kind, c)])
        lines.append(f"| {kind} | {' | '.join(cells)} | {errors} |")
    lines += ["", "Normal request (`GET /api_v3/me.json`, fresh connection, 10 s timeout) while the probe's "
              "sockets are open: answered of 5, median and max.", "",
              "| server | " + " | ".join(PROBES) + " |", "|---|" + "---|" * len(PROBES)]
    for kind in kinds:
        cells = []
        for name in PROBES:
            p = probes.get((kind, name), {"answered": 0, "of": 0})
            timing = f", {p['median_ms']:.1f} / {p['max_ms']:.1f} ms" if p["answered"] else ", timed out"
            cells.append(f"{p['answered']}/{p['of']}{timing}")
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def versions(kinds) -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("gunicorn", "granian", "waitress", "uvicorn", "a2wsgi"):
        with contextlib.suppress(PackageNotFoundError):
            out.append(f"{name} {version(name)}")
    return ", ".join(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--workdir")
    parser.add_argument("--no-probes", action="store_true", help="throughput only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    text = run(args)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
