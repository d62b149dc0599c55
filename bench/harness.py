"""What every bench/ runner shares: the servers it spawns (and stops by pid), the copy of
the code they import, ports, and the log line. bench/run.py, bench/growth.py and
bench/shards.py use it (run.py re-exports these names for older callers).
"""

from __future__ import annotations

import http.client
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from peers import on_cpu

HERE = Path(__file__).resolve().parent  # bench/
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

