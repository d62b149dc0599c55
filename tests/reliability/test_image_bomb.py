"""Images cannot exhaust the server (issue 12, problem 4): a real ``vsee-sim serve`` process.

Ten rounds of eight concurrent ``GET /files/:id?size=2048x2048`` of a 9400x9400 PNG (just
under Pillow's decompression-bomb limit, 271 KiB of file), then eight of a 4096x4096 PNG
(exactly the pixel budget, each at a different size, so none comes from the cache; those
the resizer cannot take get a 503 and are fetched again after the burst): the worker's peak
RSS (``VmHWM``, reset first through ``/proc/<pid>/clear_refs``) stays under +300 MiB of
what it was before, and every request is answered. Meanwhile a client of another namespace
and one of the same namespace call ``GET /me`` in a loop; their latencies are printed as
figures for docs/reliability.md ("Images"), not asserted (no wall-clock assertions).

Bounded: the server is killed at teardown whatever happens; every request has a timeout.
Run: ``.venv/bin/python -m pytest -m soak tests/reliability/test_image_bomb.py -s -n 0``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.soak

MIB = 1024 * 1024
BOUND = 300 * MIB                  # the worker may grow by at most this much
START_TIMEOUT = 60
PATIENT = {"X-ApiToken": "4df5b2b7dec8a8c40e142e43c1825502"}    # demo patient 350936
LEMUEL = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}     # demo patient 201
BOMB_SIZES = ["2048x2048"] * 8                                   # the largest output allowed
BOMB_ROUNDS = 10
BUDGET_SIZES = [f"{2048 - 16 * i}x{2048 - 8 * i}" for i in range(8)]   # eight distinct resizes


def rgb_png(width: int, height: int) -> bytes:
    """A one-colour RGB PNG, made row by row with zlib: little memory to make, a small file."""
    row, packer = b"\x00" + b"\x20\x80\xc0" * width, zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM), in bytes."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


class Server:
    """``vsee-sim serve`` in its own process group; the serving process's pid from its "ready" line."""

    def __init__(self, workdir: Path):
        self.workdir, self.log = workdir, workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.worker: int | None = None

    def start(self) -> Server:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", str(self.port), "--seed", "7",
             "--quiet"], cwd=self.workdir, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        ready = threading.Event()

        def pump() -> None:
            with open(self.log, "ab") as log:
                for line in self.proc.stdout:
                    log.write(line)
                    log.flush()
                    found = re.search(rb"vsee-sim: ready \(pid (\d+)", line)
                    if found:
                        self.worker = int(found.group(1))
                        ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(START_TIMEOUT) or self.worker is None:
            self.stop()
            pytest.fail(f"the server did not come up:\n{self.log.read_text(errors='replace')[-3000:]}")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            self.proc = None

    def reset_peak(self) -> bool:
        """Reset the worker's VmHWM to its current RSS (Linux clear_refs 5)."""
        try:
            Path(f"/proc/{self.worker}/clear_refs").write_text("5")
            return True
        except OSError:
            return False


@pytest.fixture()
def server(tmp_path):
    started = Server(tmp_path).start()
    try:
        yield started
    finally:
        started.stop()


def upload(server: Server, ns: str, data: bytes, name: str) -> str:
    response = requests.post(f"{server.base}/api_v3/files", headers={**PATIENT, "X-Sim-Namespace": ns},
                             files={"file": (name, data)}, data={"meta.category": "user_document"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["data"]["id"]


class Probe(threading.Thread):
    """``GET /me`` in a loop until stopped: (start, latency in ms) of each call."""

    def __init__(self, server: Server, ns: str):
        super().__init__(daemon=True)
        self.url, self.ns = f"{server.base}/api_v3/me", ns
        self.stopped, self.calls, self.failures = threading.Event(), [], []
        self._counted = threading.Condition()

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stopped.is_set():
                began = time.perf_counter()
                try:
                    response = session.get(self.url, headers={**LEMUEL, "X-Sim-Namespace": self.ns}, timeout=60)
                    ok = response.status_code == 200
                except requests.RequestException as exc:
                    ok, response = False, exc
                with self._counted:
                    self.calls.append((began, (time.perf_counter() - began) * 1000))
                    self._counted.notify_all()
                if not ok:
                    self.failures.append(str(response))

    def wait_calls(self, count: int) -> None:
        """Until this probe has made ``count`` calls (a quiet phase measured in calls, not time)."""
        with self._counted:
            assert self._counted.wait_for(lambda: len(self.calls) >= count or not self.is_alive(), timeout=120)

    def figures(self, since: float, until: float) -> dict:
        times = sorted(ms for began, ms in self.calls if since <= began < until)
        if not times:
            return {"calls": 0}
        return {"calls": len(times), "p50_ms": round(statistics.median(times), 1),
                "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
                "max_ms": round(times[-1], 1)}


def burst(server: Server, ns: str, file_id: str, sizes: list[str]) -> tuple[list[requests.Response], float]:
    url = f"{server.base}/api_v3/files/{file_id}"

    def get(size: str) -> requests.Response:
        return requests.get(url, params={"size": size}, headers={**PATIENT, "X-Sim-Namespace": ns}, timeout=120)

    began = time.perf_counter()
    with ThreadPoolExecutor(len(sizes)) as pool:
        responses = list(pool.map(get, sizes))
    return responses, time.perf_counter() - began


def test_eight_image_bombs_cost_under_300_mib_and_hold_up_no_one(server):
    bomb, at_budget = rgb_png(9400, 9400), rgb_png(4096, 4096)
    bomb_id = upload(server, "bomb", bomb, "bomb.png")
    budget_id = upload(server, "bomb", at_budget, "budget.png")
    # Warm up: Pillow's PNG plugin and the namespaces exist before the baseline is read.
    burst(server, "bomb", budget_id, ["16x16"])
    for ns in ("other", "bomb"):
        assert requests.get(f"{server.base}/api_v3/me", headers={**LEMUEL, "X-Sim-Namespace": ns},
                            timeout=10).status_code == 200
    base = status(server.worker, "VmRSS")
    peak_reset = server.reset_peak()
    probes = [Probe(server, "other"), Probe(server, "bomb")]
    for probe in probes:
        probe.start()
    try:
        t0 = time.perf_counter()
        probes[0].wait_calls(300)                   # quiet: the same probes, nothing else
        t1 = time.perf_counter()
        bombs, bomb_seconds = [], 0.0
        for _ in range(BOMB_ROUNDS):            # long enough for the probes to measure
            answered, seconds = burst(server, "bomb", bomb_id, BOMB_SIZES)
            bombs, bomb_seconds = bombs + answered, bomb_seconds + seconds
        t2 = time.perf_counter()
        resized, budget_seconds = burst(server, "bomb", budget_id, BUDGET_SIZES)
        t3 = time.perf_counter()
    finally:
        for probe in probes:
            probe.stopped.set()
            probe.join(timeout=70)
    peak, after = status(server.worker, "VmHWM"), status(server.worker, "VmRSS")
    busy = [size for size, response in zip(BUDGET_SIZES, resized, strict=True) if response.status_code == 503]
    retried = [requests.get(f"{server.base}/api_v3/files/{budget_id}", params={"size": size},
                            headers={**PATIENT, "X-Sim-Namespace": "bomb"}, timeout=120) for size in busy]
    phases = {"quiet": (t0, t1), "bomb_burst": (t1, t2), "budget_burst": (t2, t3)}
    figures = {
        "baseline_rss_mib": round(base / MIB, 1), "peak_growth_mib": round((peak - base) / MIB, 1),
        "rss_after_growth_mib": round((after - base) / MIB, 1), "peak_reset": peak_reset,
        "bomb_png_kib": round(len(bomb) / 1024), "bomb_bursts_s": round(bomb_seconds, 2),
        "budget_png_kib": round(len(at_budget) / 1024), "budget_burst_s": round(budget_seconds, 2),
        "budget_resized": len(BUDGET_SIZES) - len(busy), "budget_503": len(busy),
        **{f"me_{where}_{phase}": probe.figures(*window)
           for where, probe in (("other_ns", probes[0]), ("same_ns", probes[1]))
           for phase, window in phases.items()},
    }
    print("\nimage-bomb figures:", json.dumps(figures))

    for response in bombs:    # over the budget: served as it is, saying why
        assert response.status_code == 200, response.text[:300]
        assert response.content == bomb and response.headers["Content-Type"] == "image/png"
        assert "9400x9400" in response.headers["X-Sim-Not-Resized"]
    answers = {size: response for size, response in zip(BUDGET_SIZES, resized, strict=True)}
    answers.update(zip(busy, retried, strict=True))
    for response in resized:  # at the budget: resized, or told to retry when the resizer is full
        assert response.status_code in (200, 503), response.text[:300]
        if response.status_code == 503:
            assert response.headers["Retry-After"] and response.json()["code"] == 503
    for size, response in answers.items():
        assert response.status_code == 200, response.text[:300]
        assert "X-Sim-Not-Resized" not in response.headers
        assert Image.open(io.BytesIO(response.content)).size == tuple(int(v) for v in size.split("x"))
    for probe in probes:
        assert probe.calls and not probe.failures, probe.failures[:3]
    assert peak - base < BOUND, figures
