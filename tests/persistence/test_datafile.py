"""``--data FILE`` in-process: when the DataFile writes, what it restores, how it fails.

Background flushes are awaited on ``persisted_version`` (state), never on a sleep alone.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vsee_sim.app import create_app
from vsee_sim.config import load_fixture
from vsee_sim.core import datafile as datafile_module
from vsee_sim.core import persistence
from vsee_sim.core.datafile import DataFile
from vsee_sim.core.persistence import AtomicJSONStorage
from vsee_sim.core.store import Worlds

FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")
ACCOUNT = "vclinic"
API_HEADERS = {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"}


def new_worlds() -> Worlds:
    return Worlds(load_fixture, FIXTURE, 7)


def state(worlds: Worlds) -> dict[str, dict]:
    """Every namespace's export, without the clock's moving "now" nor the id generator
    (a load resumes it on a new stream: see test_a_load_resumes_the_id_generator)."""
    out = {}
    for name, world in worlds.items():
        data = copy.deepcopy(world.to_dict())
        data["clock"].pop("now", None)
        data.pop("ids")
        out[name] = data
    return out


def test_a_load_resumes_the_id_generator(path, datafiles):
    """Writes after the last flush may be lost; their ids were handed out already."""
    worlds = new_worlds()
    df = datafiles(path, worlds)
    world = worlds.get("a")
    add_user(worlds, "a", "90001")
    world.ids.next_number("users")
    saved = copy.deepcopy(world.ids.to_dict())
    df.flush()
    lost = [world.ids.hex32() for _ in range(5)]
    lost_number = world.ids.next_number("users")

    again = new_worlds()
    datafiles(path, again).load()
    resumed = again.get("a").ids
    assert resumed.restarts == saved["restarts"] + 1
    assert [resumed.hex32() for _ in range(5)] != lost
    assert int(resumed.next_number("users")) > int(lost_number) + 1000


def add_user(worlds: Worlds, ns: str, uid: str, **fields) -> None:
    worlds.get(ns).accounts[ACCOUNT].users.insert({"id": uid, "code": f"code-{uid}", **fields})


class Counting:
    """Counts the appends that reach the log."""

    def __init__(self, datafile: DataFile):
        self.n = 0
        self._append = datafile._append

        def append(lines):
            self.n += 1
            return self._append(lines)

        datafile._append = append


def saved_text(path: Path) -> str:
    """Everything on disk for a data file: the document and its logs."""
    return "".join(p.read_text() for p in (path, Path(f"{path}.wal"), Path(f"{path}.wal.old")) if p.exists())


def wait_persisted(datafile: DataFile, version: int) -> None:
    """The background flusher signals each write: wait on that, not on time."""
    assert datafile.wait_persisted(version, timeout=10), (
        f"persisted_version {datafile.persisted_version} never reached {version}")


@pytest.fixture()
def path(tmp_path) -> Path:
    return tmp_path / "state.json"


@pytest.fixture()
def datafiles():
    """DataFiles made by a test; their flusher threads are stopped at teardown."""
    made: list[DataFile] = []

    def make(path: Path, worlds: Worlds, interval: float = 3600) -> DataFile:
        datafile = DataFile(str(path), worlds, interval)
        made.append(datafile)
        return datafile

    yield make
    for datafile in made:
        datafile._stop.set()
        if datafile._thread:
            datafile._thread.join(timeout=5)


# -- flush -------------------------------------------------------------------------------
def test_flush_writes_only_when_the_version_changed(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds)
    writes = Counting(df)
    assert df.load() == 0
    wal = Path(f"{path}.wal")
    assert df.flush() == df.persisted_version
    assert writes.n == 0 and not path.exists() and not wal.exists()  # nothing yet: no file

    worlds.get("a")
    version = df.flush()
    assert writes.n == 1 and wal.exists()
    assert version == worlds.version == df.persisted_version
    size = wal.stat().st_size

    assert df.flush() == version
    df.flush()
    assert writes.n == 1
    assert wal.stat().st_size == size  # nothing appended

    add_user(worlds, "a", "90001")
    assert df.flush() == worlds.version > version
    assert writes.n == 2
    assert size < wal.stat().st_size < 2 * size  # one record appended, not the namespace again
    df.flush()
    assert writes.n == 2


def test_a_rolled_back_request_still_counts_as_a_change(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds)
    world = worlds.get("a")
    df.flush()
    with pytest.raises(RuntimeError), world.transaction():
        add_user(worlds, "a", "90001")
        raise RuntimeError
    writes = Counting(df)
    df.flush()  # redundant but harmless: the version moved
    assert writes.n == 1
    again = new_worlds()
    datafiles(path, again).load()
    assert again.get("a").accounts[ACCOUNT].users.get("90001") is None


def test_a_stop_leaves_only_the_data_file(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds)
    for i in range(5):
        add_user(worlds, "a", f"9000{i}")
        df.flush()
    assert sorted(p.name for p in path.parent.iterdir()) == [f"{path.name}.wal"]
    df.stop()
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    document = json.loads(path.read_text())
    assert {"_namespaces", "a/_accounts", "a/_tokens", f"a/{ACCOUNT}/users"} <= set(document)


def test_a_failed_write_keeps_the_old_file_and_is_retried(path, datafiles, monkeypatch):
    worlds = new_worlds()
    df = datafiles(path, worlds)
    add_user(worlds, "a", "90001")
    df.stop()  # the whole state in the document
    before = path.read_bytes()
    persisted = df.persisted_version

    add_user(worlds, "a", "90002")
    df.flush()  # in the log

    def broken_dumps(data, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(persistence.json, "dumps", broken_dumps)
    df.stop()  # the fold fails: logged, not raised
    assert df.last_error["message"] == "disk full"
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]  # the temp file is gone
    assert df.persisted_version > persisted  # the change itself is in the log

    monkeypatch.undo()
    df.stop()
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert "90002" in path.read_text()


def test_a_failed_append_is_cut_back_and_retried(path, datafiles, monkeypatch):
    """A disk that fails in the middle of an append: the partial line is cut off, the
    change stays pending, nothing is marked persisted; the next flush writes it."""
    worlds = new_worlds()
    df = datafiles(path, worlds)
    add_user(worlds, "a", "90001")
    df.flush()
    wal = Path(f"{path}.wal")
    before = wal.read_bytes()
    persisted = df.persisted_version
    add_user(worlds, "a", "90002")
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datafile_module.os, "write", half_then_full)
    with pytest.raises(OSError):
        df.flush()
    assert wal.read_bytes() == before
    assert df.persisted_version == persisted
    monkeypatch.undo()
    assert df.flush() == worlds.version
    again = new_worlds()
    datafiles(path, again).load()
    assert again.get("a").accounts[ACCOUNT].users.get("90002") is not None


def test_background_flusher_catches_up(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds, interval=0.01)
    df.load()
    df.start()
    add_user(worlds, "a", "90001")
    wait_persisted(df, worlds.version)
    assert "90001" in saved_text(path)


def test_background_flusher_survives_a_failing_write(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds, interval=0.01)
    real_append = df._append
    failures = []

    def flaky(lines):
        if not failures:
            failures.append(1)
            raise OSError("transient")
        return real_append(lines)

    df._append = flaky
    df.start()
    add_user(worlds, "a", "90001")
    wait_persisted(df, worlds.version)
    assert failures and "90001" in saved_text(path)


def test_stop_flushes_and_ends_the_thread(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds, interval=3600)  # the flusher itself would never get to it
    df.start()
    add_user(worlds, "a", "90001")
    df.stop()
    assert df.persisted_version == worlds.version
    assert not df._thread.is_alive()
    assert "90001" in path.read_text()


# -- load --------------------------------------------------------------------------------
def test_load_restores_every_namespace(path, datafiles):
    worlds = new_worlds()
    df = datafiles(path, worlds)
    a, b = worlds.get("a"), worlds.get("b")
    add_user(worlds, "a", "90001", email="Only@A.example")
    a.accounts[ACCOUNT].users.update("90001", first_name="Changed")
    first_user = b.accounts[ACCOUNT].users.all()[0]["id"]
    b.accounts[ACCOUNT].users.delete(first_user)
    b.accounts[ACCOUNT].collection("brand_new").insert({"id": "n1"})
    a.tokens.insert({"token": a.ids.hex32(), "user_id": "90001", "account": ACCOUNT, "expiry": None})
    a.outbox.insert({"id": a.ids.uuid(), "to": "only@a.example", "code": "123456"})
    b.clock.freeze(at=1_700_000_000)
    a.clock.advance(3600)
    add_user(worlds, "b", "90002")  # a write after the clock moves, so the flush sees it
    df.flush()

    again = new_worlds()
    df2 = datafiles(path, again)
    assert df2.load() == 2
    writes = Counting(df2)
    assert sorted(again.names()) == ["a", "b"]
    assert state(again) == state(worlds)
    assert df2.persisted_version == again.version
    df2.flush()
    assert writes.n == 0  # what was just loaded is not written back
    # the restored worlds work like the originals: indexes, ids, clocks
    ra, rb = again.get("a"), again.get("b")
    assert ra.accounts[ACCOUNT].users.find_one("email", "only@a.example", fold=True)["id"] == "90001"
    assert ra.ids.hex32() != a.ids.hex32()  # resumed on a new stream (see above)
    assert rb.clock.now() == 1_700_000_000
    assert ra.clock.mode == "offset" and ra.clock.offset == 3600
    assert rb.accounts[ACCOUNT].users.get(first_user) is None


def test_a_namespace_keeps_its_fixture_across_a_restart(path, datafiles):
    """A namespace reset to another fixture is still on it after a restart (health, reset)."""
    worlds = new_worlds()
    df = datafiles(path, worlds)
    worlds.reset("a", "minimal")
    df.flush()
    again = new_worlds()
    datafiles(path, again).load()
    assert again.get("a").fixture_name == "minimal"


@pytest.mark.parametrize("content", ["", "   \n"])
def test_load_of_an_empty_file_or_no_file(path, datafiles, content):
    worlds = new_worlds()
    assert datafiles(path, worlds).load() == 0  # no file
    path.write_text(content)
    assert datafiles(path, worlds).load() == 0
    assert worlds.names() == []


def test_dropping_a_namespace_and_creating_another_is_flushed(path, datafiles):
    """worlds.version is a sum over namespaces: drop one and create a fresh one from the
    same fixture and the sum is back where it was, so the flush thinks nothing changed."""
    worlds = new_worlds()
    df = datafiles(path, worlds)
    worlds.get("a")
    worlds.get("b")
    df.flush()
    worlds.drop("b")
    worlds.get("c")
    df.flush()
    again = new_worlds()
    datafiles(path, again).load()
    assert sorted(again.names()) == ["a", "c"]


def test_clearing_the_outbox_over_http_is_flushed(path, datafiles):
    """DELETE /_sim/outbox changes what a restart would load, so it must reach the file."""
    ns_name = "outbox-ns"
    app = create_app({"FIXTURE": FIXTURE, "SEED": 7})
    worlds = app.extensions["vsee_sim"].worlds
    df = datafiles(path, worlds)
    client = app.test_client()
    client.environ_base["HTTP_X_SIM_NAMESPACE"] = ns_name
    world = worlds.get(ns_name)
    world.outbox.insert({"id": "m1", "to": "a@example.com", "template": "activation", "code": "1"})
    add_user(worlds, ns_name, "90001")
    df.flush()
    assert client.get("/_sim/outbox").json["data"]
    assert client.delete("/_sim/outbox").status_code == 200
    df.flush()
    again = new_worlds()
    datafiles(path, again).load()
    assert again.get(ns_name).outbox.all() == []


# -- a corrupt file ------------------------------------------------------------------------
# Decision: a data file that is not a vsee-sim document is never overwritten (it may be the
# only copy of someone's state) and the simulator refuses to start with one clear line that
# names the file, instead of a traceback (and instead of starting empty).
CORRUPT = {
    "truncated": '{"_namespaces": {"1": {"name": "a"',
    "not-json": "this is not json",
    "json-list": "[1, 2, 3]",
    "wrong-shape": '{"_namespaces": {"1": {"no_name": true}}}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_file_gives_a_clear_error_and_is_left_alone(path, datafiles, content):
    path.write_text(content)
    worlds = new_worlds()
    df = datafiles(path, worlds)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        df.load()
    assert path.read_text() == content


def test_the_atomic_storage_reads_what_it_wrote(path):
    storage = AtomicJSONStorage(str(path))
    assert storage.read() is None
    storage.write({"t": {"1": {"a": "é"}}})
    assert storage.read() == {"t": {"1": {"a": "é"}}}
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.slow
def test_serve_on_a_corrupt_file_exits_with_one_clear_line(tmp_path):
    data = tmp_path / "state.json"
    data.write_text(CORRUPT["truncated"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", "0", "--data", str(data),
         "--fixture", FIXTURE, "--quiet"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the server kept running on a corrupt data file")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the server and anything it started
        proc.wait(timeout=10)
    assert proc.returncode != 0
    assert str(data) in output
    assert "Traceback" not in output, output[-3000:]
    assert data.read_text() == CORRUPT["truncated"]


def test_health_can_wait_until_a_write_is_on_disk(tmp_path):
    """GET /_sim/health?wait_persisted=V answers once V is flushed: durable, no polling."""
    from vsee_sim.app import create_app

    app = create_app({"FIXTURE": "demo", "DATA": str(tmp_path / "state.json"), "FLUSH_INTERVAL": 0.05})
    client = app.test_client()
    client.post("/api_v3/users/sso.json", headers={"X-ApiKey": "vclinic_api_key"},
                data={"first_name": "D", "last_name": "W", "code": "durable-1", "type": "200"})
    written = client.get("/_sim/health").get_json()["data"]["write_version"]
    health = client.get(f"/_sim/health?wait_persisted={written}").get_json()["data"]
    assert health["persisted_version"] >= written
    assert "durable-1" in saved_text(tmp_path / "state.json")
    assert health["persistence"]["persisted"] >= written
    assert health["persistence"]["file"] == str(tmp_path / "state.json")
    assert health["persistence"]["last_error"] is None
    app.extensions["vsee_sim"].datafile.stop()
