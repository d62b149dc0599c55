"""Crash safety of ``--data FILE``: SIGKILL a real server, restart it on the same file.

The flush policy promises: once ``/_sim/health`` reports ``persisted_version`` at or
above the ``write_version`` seen after a write, that write survives any crash; and a
kill at any moment leaves a file that loads (atomic replace: temp file, fsync, rename).
The servers run as their own process group and are always killed in teardown.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from vsee_sim.config import load_fixture
from vsee_sim.core.datafile import DataFile
from vsee_sim.core.store import Worlds

pytestmark = pytest.mark.slow

FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")
API_HEADERS = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}
NAMESPACES = ("crash-a", "crash-b")
START_TIMEOUT = 30                             # seconds for a server to say it is ready
TEMP_PREFIX, TEMP_SUFFIX = ".vsee-sim-", ".tmp"  # write_document's temp files


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``vsee-sim serve --data FILE`` in its own process group."""

    def __init__(self, workdir: Path, data: Path):
        self.workdir, self.data = workdir, data
        self.proc: subprocess.Popen | None = None
        self.session = requests.Session()
        self.log = workdir / "server.log"

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> Server:
        for _ in range(3):  # a port picked by bind(0) may be taken again before the server binds it
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            env = {**os.environ, "VSEE_SIM_FLUSH_INTERVAL": "0.2", "PYTHONUNBUFFERED": "1"}
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", str(self.port),
                 "--data", str(self.data), "--fixture", FIXTURE, "--seed", "7", "--quiet"],
                cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True)
            if self._wait_ready():
                return self
            if "Address already in use" not in self.log.read_text(errors="replace"):
                break
        self.kill()
        pytest.fail(f"the server did not come up; its log:\n{self.log.read_text(errors='replace')[-4000:]}")

    def _wait_ready(self) -> bool:
        """Wait for the server's own "ready" line (its state, not a timer), copying its output
        to the log; then one health call confirms it answers. False if it exits first."""
        said_ready, finished = threading.Event(), threading.Event()

        def pump(proc: subprocess.Popen) -> None:
            with open(self.log, "ab") as log:
                for line in proc.stdout:              # until the process is gone (EOF)
                    log.write(line)
                    log.flush()
                    if b"vsee-sim: ready" in line:
                        said_ready.set()
                        finished.set()
            finished.set()

        threading.Thread(target=pump, args=(self.proc,), daemon=True).start()
        finished.wait(START_TIMEOUT)
        if not said_ready.is_set():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)            # it exited (or hung): let the caller read the log
            return False
        return self.session.get(f"{self.base}/_sim/health", timeout=10).status_code == 200

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and anything it started): no atexit, no flush."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None
        self.session.close()

    # -- calls ------------------------------------------------------------------
    def health(self, ns: str | None = None) -> dict:
        headers = {"X-Sim-Namespace": ns} if ns else {}
        response = self.session.get(f"{self.base}/_sim/health", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def wait_persisted(self, version: int) -> dict:
        """Ask the server to answer once the flusher has written ``version`` (state, not time)."""
        response = self.session.get(f"{self.base}/_sim/health", params={"wait_persisted": version},
                                    headers={"X-Sim-Namespace": NAMESPACES[0]}, timeout=15)
        health = response.json()["data"]
        assert health["persisted_version"] is not None and health["persisted_version"] >= version, health
        return health

    def sso(self, ns: str, code: str, session: requests.Session | None = None) -> tuple[str, str]:
        response = (session or self.session).post(
            f"{self.base}/api_v3/users/sso.json",
            data={"first_name": "Crash", "last_name": code, "code": code, "type": "200"},
            headers={**API_HEADERS, "X-Sim-Namespace": ns}, timeout=10)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        return data["id"], data["token"]["token"]

    def me(self, ns: str, token: str) -> requests.Response:
        return self.session.get(f"{self.base}/api_v3/me",
                                headers={"X-ApiToken": token, "X-Sim-Namespace": ns}, timeout=10)


@pytest.fixture()
def servers(tmp_path):
    """Start servers on one data file; every one is killed at teardown, whatever happens."""
    started: list[Server] = []
    data = tmp_path / "state.json"

    def start() -> Server:
        server = Server(tmp_path, data)
        started.append(server)
        return server.start()

    start.data = data
    yield start
    for server in started:
        server.kill()


def check_file(data: Path) -> set[str]:
    """What a restart would load parses: anything else in the data file's directory is
    its log or a temp file of a cut fold. Returns the namespaces stored."""
    own = {data.name, f"{data.name}.wal", f"{data.name}.wal.old", "server.log"}
    for path in data.parent.iterdir():
        if path.name in own or path.is_dir():
            continue
        assert path.name.startswith(TEMP_PREFIX) and path.name.endswith(TEMP_SUFFIX), path
    return stored_namespaces(data)


def stored_namespaces(data: Path) -> set[str]:
    """Load a copy of the data file and its log in-process (a load may cut a torn line)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / data.name
        for suffix in ("", ".wal", ".wal.old"):
            if Path(f"{data}{suffix}").exists():
                shutil.copyfile(f"{data}{suffix}", f"{copy}{suffix}")
        worlds = Worlds(load_fixture, FIXTURE, 7)
        DataFile(str(copy), worlds).load()
        return set(worlds.names())


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    """One crash, shared by the tests below: 200 acknowledged and flushed SSO writes in two
    namespaces, 20 more that may not be flushed, SIGKILL, restart on the same file.

    What the restarted server says about the 20 unflushed tokens is read at once, before
    any other request could write.
    """
    workdir = tmp_path_factory.mktemp("crash")
    data = workdir / "state.json"
    first, second = Server(workdir, data), Server(workdir, data)
    try:
        first.start()
        acked: dict[str, dict[str, tuple[str, str]]] = {ns: {} for ns in NAMESPACES}
        for i in range(200):
            ns = NAMESPACES[i % 2]
            code = f"acked-{i:04d}"
            acked[ns][code] = first.sso(ns, code)
        # a second SSO with a known code maps to the same user (it only issues a token)
        code0, (id0, _) = next(iter(acked[NAMESPACES[0]].items()))
        assert first.sso(NAMESPACES[0], code0)[0] == id0

        bound = first.health(NAMESPACES[0])["write_version"]
        first.wait_persisted(bound)

        maybe: dict[str, dict[str, tuple[str, str]]] = {ns: {} for ns in NAMESPACES}
        for i in range(20):  # may or may not reach the file before the kill
            ns = NAMESPACES[i % 2]
            maybe[ns][f"maybe-{i:04d}"] = first.sso(ns, f"maybe-{i:04d}")
        first.kill()

        stored = check_file(data)
        second.start()
        after_restart = {
            (ns, code): (response.status_code, response.json().get("data", {}).get("id"))
            for ns in NAMESPACES for code, (_, token) in maybe[ns].items()
            for response in [second.me(ns, token)]
        }
        yield {"server": second, "stored": stored, "acked": acked, "maybe": maybe,
               "after_restart": after_restart}
    finally:
        first.kill()
        second.kill()


def test_the_file_left_by_sigkill_holds_every_namespace(crashed):
    assert set(NAMESPACES) | {"default"} <= crashed["stored"]
    health = crashed["server"].health()
    assert health["status"] == "ok"
    assert health["namespaces"] == len(crashed["stored"])
    assert health["persisted_version"] is not None


def test_acknowledged_writes_survive_sigkill(crashed):
    server = crashed["server"]
    for ns in NAMESPACES:
        # the token issued before the kill still works: the user and its token are back
        for code, (user_id, token) in crashed["acked"][ns].items():
            response = server.me(ns, token)
            assert response.status_code == 200, (ns, code, response.text)
            assert response.json()["data"]["id"] == user_id


def test_a_write_after_the_bound_is_wholly_there_or_wholly_gone(crashed):
    for ns in NAMESPACES:
        for code, (user_id, _) in crashed["maybe"][ns].items():
            status, got_id = crashed["after_restart"][(ns, code)]
            assert status in (200, 401), (ns, code, status)
            if status == 200:
                assert got_id == user_id, (ns, code)


def test_sso_after_restart_maps_known_codes_and_makes_fresh_ids(crashed):
    server = crashed["server"]
    for ns in NAMESPACES:
        known = {user_id for user_id, _ in crashed["acked"][ns].values()}
        # SSO with the same code maps to the same user (in another order than created)
        for code, (user_id, _) in reversed(list(crashed["acked"][ns].items())):
            assert server.sso(ns, code)[0] == user_id, (ns, code)
        # ids continue after the restored ones: a new user takes no acknowledged id
        new_id, _ = server.sso(ns, f"after-restart-{ns}")
        assert new_id not in known


def test_tokens_lost_in_a_crash_are_not_handed_out_again(crashed):
    """A token acknowledged to a client but lost in the crash must stay dead (401).

    The id/token generator is restored from the file, so after a restart it replays the
    sequence that produced the lost tokens: new logins receive them again, and the old
    client's token now authenticates as somebody else.
    """
    server = crashed["server"]
    lost = {(ns, code) for (ns, code), (status, _) in crashed["after_restart"].items() if status == 401}
    if not lost:  # every write of the window was flushed: nothing was lost this time
        return
    for ns in NAMESPACES:
        for i in range(40):
            server.sso(ns, f"reissue-{ns}-{i}")
    for ns, code in sorted(lost):
        user_id, token = crashed["maybe"][ns][code]
        response = server.me(ns, token)
        assert response.status_code == 401, (
            f"lost token of {ns}/{code} (user {user_id}) now opens user "
            f"{response.json().get('data', {}).get('id')}")


def _hammer(server: Server, ns_list, writes: int, rng: random.Random) -> int:
    """Write from 4 threads; SIGKILL the server once ``writes`` are acknowledged."""
    lock = threading.Lock()
    count = [0]
    reached, stop = threading.Event(), threading.Event()
    prefix = f"h{rng.randrange(10**9)}"

    def worker(n: int) -> None:
        session = requests.Session()
        i = 0
        try:
            while not stop.is_set():
                server.sso(ns_list[(n + i) % len(ns_list)], f"{prefix}-{n}-{i}", session)
                i += 1
                with lock:
                    count[0] += 1
                    if count[0] >= writes:
                        reached.set()
        except (requests.RequestException, AssertionError):
            pass  # the server died under us: expected
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    reached.wait(timeout=20)
    server.kill()  # without waiting for any flush
    stop.set()
    for t in threads:
        t.join(timeout=15)
    return count[0]


def test_kill_during_heavy_writing_always_leaves_a_loadable_file(servers):
    seed = int(os.environ.get("VSEE_SIM_CRASH_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    known: set[str] = set()
    for round_ in range(3):
        server = servers()
        health = server.health(NAMESPACES[0])
        assert health["status"] == "ok"
        if round_:
            # every namespace the file held is back
            assert health["namespaces"] >= len(known), (seed, round_, health)
        server.wait_persisted(health["write_version"])  # the file exists before we cut it
        writes = rng.randint(1, 150)
        done = _hammer(server, NAMESPACES, writes, rng)
        assert done >= writes, (seed, round_, done, writes)
        known = check_file(servers.data)
        assert NAMESPACES[0] in known, (seed, round_)

    server = servers()
    health = server.health()
    assert health["status"] == "ok"
    assert health["namespaces"] == len(known), (seed, health)


# -- the promise under load: 15 kills, 4 writers ------------------------------------------
BOUND = 0.2          # VSEE_SIM_FLUSH_INTERVAL the servers run with: the most a crash may lose
KILLS = 15
WRITER_NAMESPACES = [f"soak-{i}" for i in range(8)]


def _write_until_killed(server: Server, writes: int, rng: random.Random) -> tuple[list[tuple], float]:
    """4 threads of SSO writes into 8 namespaces; SIGKILL once ``writes`` are acknowledged.
    Returns every acknowledged write (ns, code, user id, token, time acked) and the kill time."""
    acked: list[tuple] = []
    lock, reached, stop = threading.Lock(), threading.Event(), threading.Event()
    prefix = f"s{rng.randrange(10**9)}"

    def worker(n: int) -> None:
        session = requests.Session()
        i = 0
        try:
            while not stop.is_set():
                ns = WRITER_NAMESPACES[(n * 3 + i) % len(WRITER_NAMESPACES)]
                code = f"{prefix}-{n}-{i}"
                user_id, token = server.sso(ns, code, session)
                done = time.monotonic()  # acknowledged: the client has the answer
                with lock:
                    acked.append((ns, code, user_id, token, done))
                    if len(acked) >= writes:
                        reached.set()
                i += 1
        except (requests.RequestException, AssertionError):
            pass  # the server died under us: expected
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    reached.wait(timeout=60)
    killed_at = time.monotonic()  # before the signal: an ack after this is not counted older
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    return acked, killed_at


@pytest.mark.soak
def test_no_acknowledged_write_older_than_the_bound_is_lost_across_15_kills(servers):
    """The flush policy's promise, as a client sees it: of the writes acknowledged before
    a SIGKILL, none older than the bound is missing after the restart; every restart
    loads; temp files of cut folds are removed at start. Bounded: 15 rounds of at most
    a few hundred writes each."""
    seed = int(os.environ.get("VSEE_SIM_CRASH_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    surviving: list[tuple] = []
    losses: list[float] = []
    acked_total = 0
    server = servers()
    for ns in WRITER_NAMESPACES:
        server.health(ns)  # every namespace exists (and is saved) before the first kill
    server.wait_persisted(server.health()["write_version"])
    for round_ in range(KILLS):
        acked, killed_at = _write_until_killed(server, rng.randint(40, 400), rng)
        acked_total += len(acked)
        orphan = servers.data.parent / f"{TEMP_PREFIX}{servers.data.name}.zzzzzzzz{TEMP_SUFFIX}"
        orphan.write_text("{")  # what a kill during a fold leaves
        server = servers()
        assert not orphan.exists(), (seed, round_, "an orphaned temp file survived the start")
        for ns, code, user_id, token, done in acked:
            response = server.me(ns, token)
            if response.status_code == 200:
                assert response.json()["data"]["id"] == user_id, (seed, round_, ns, code)
                surviving.append((ns, code, user_id, token))
            else:
                assert response.status_code == 401, (seed, round_, response.text)
                losses.append(killed_at - done)
        too_old = [age for age in losses if age > BOUND]
        assert not too_old, (f"seed {seed} round {round_}: {len(too_old)} acknowledged writes older "
                             f"than {BOUND} s were lost (oldest {max(too_old):.3f} s)")
    # nothing that survived one crash was lost to a later one
    for ns, code, user_id, token in surviving:
        response = server.me(ns, token)
        assert response.status_code == 200 and response.json()["data"]["id"] == user_id, (seed, ns, code)
    print(f"\n{KILLS} kills, seed {seed}: {acked_total} acknowledged, {len(losses)} lost, "
          f"oldest lost {max(losses, default=0):.3f} s before the kill (bound {BOUND} s)")
