"""``--data``'s change log: what a restart rebuilds from the document and the log, how a
cut fold, a torn line, orphaned temp files, a bad path and a failing disk are handled.

No timing: flushes and folds are called directly, or awaited on ``persisted_version``.
"""

from __future__ import annotations

import copy
import logging
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vsee_sim.config import load_fixture
from vsee_sim.core.datafile import DataFile
from vsee_sim.core.persistence import check_data_path, remove_orphans
from vsee_sim.core.store import Worlds

FIXTURE = os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo")
ACCOUNT = "vclinic"


def new_worlds() -> Worlds:
    return Worlds(load_fixture, FIXTURE, 7)


def state(worlds: Worlds) -> dict[str, dict]:
    """Every namespace's export without what a load renews (the clock's "now", the id
    generator's stream; its counters only move forward, checked elsewhere)."""
    out = {}
    for name, world in worlds.items():
        data = copy.deepcopy(world.to_dict())
        data["clock"].pop("now", None)
        data.pop("ids")
        out[name] = data
    return out


@pytest.fixture()
def path(tmp_path) -> Path:
    return tmp_path / "state.json"


@pytest.fixture()
def made():
    """DataFiles of a test; their threads are stopped at teardown (no final save)."""
    files: list[DataFile] = []

    def make(path: Path, worlds: Worlds, interval: float = 3600) -> DataFile:
        datafile = DataFile(str(path), worlds, interval)
        files.append(datafile)
        return datafile

    yield make
    for datafile in files:
        datafile._stop.set()
        for thread in (datafile._thread, datafile._folder):
            if thread:
                thread.join(timeout=10)
        datafile._close_wal()


def reload(path: Path, make) -> Worlds:
    worlds = new_worlds()
    make(path, worlds).load()
    return worlds


def churn(worlds: Worlds, rng: random.Random, steps: int) -> None:
    """Writes of every kind the log records, across namespaces."""
    names = ["a", "b", "c"]
    for step in range(steps):
        name = rng.choice(names)
        world = worlds.get(name)
        account = world.accounts[world.default_account]
        users = account.users
        op = rng.randrange(10)
        with world.transaction():
            if op <= 2:
                users.insert({"id": str(90000 + step), "code": f"c{step}", "email": f"u{step}@x.example"})
            elif op == 3 and len(users):
                users.update(rng.choice(users.all())["id"], first_name=f"F{step}")
            elif op == 4 and len(users):
                users.delete(rng.choice(users.all())["id"])
            elif op == 5:
                world.tokens.insert({"token": world.ids.hex32(), "user_id": "1", "account": account.code})
                world.sim_collection("webhooks").insert({"id": f"w{step}", "url": "http://127.0.0.1:9/x"})
            elif op == 6:
                world.clock.advance(rng.randrange(1, 5000))
                world.touch()
            elif op == 7:
                account.collection("fresh_kind").insert({"id": f"k{step}"})
        if op == 8:
            with pytest.raises(RuntimeError), world.transaction():
                users.insert({"id": f"rolled-{step}", "code": "r"})
                raise RuntimeError
        elif op == 9:
            if rng.random() < 0.5:
                worlds.reset(name, rng.choice(["demo", "minimal"]))
            else:
                worlds.drop(name)


@pytest.mark.parametrize("seed", range(4))
def test_a_restart_rebuilds_what_was_flushed(path, made, seed):
    rng = random.Random(seed)
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    for round_ in range(6):
        churn(worlds, rng, 25)
        df.flush()
        if round_ == 2:  # a fold in the middle: document plus a newer log
            df._start_fold()
            df._folder.join()
    assert state(reload(path, made)) == state(worlds)


def test_writes_after_the_last_flush_are_the_only_loss(path, made):
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    churn(worlds, random.Random(1), 30)
    df.flush()
    expected = state(worlds)
    worlds.get("a").accounts[ACCOUNT].users.insert({"id": "unflushed", "code": "u"})
    assert state(reload(path, made)) == expected


@pytest.mark.parametrize("cut", ["before-document", "after-document"])
def test_a_fold_cut_by_a_crash_loses_nothing(path, made, cut):
    """Killed between renaming the log to .old and removing it: the document may be the
    previous one or the new one; .old and the new log replay on either."""
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    churn(worlds, random.Random(2), 40)
    df.flush()
    df.stop()                                     # a document to start from
    df = made(path, worlds)
    df.load()
    churn(worlds, random.Random(3), 40)
    df.flush()
    os.replace(f"{path}.wal", f"{path}.wal.old")  # the fold's first step ...
    df._close_wal()
    df._wal_bytes = 0
    if cut == "after-document":
        df._write_document(worlds.items())        # ... and its second, but not its third
    churn(worlds, random.Random(4), 40)
    df.flush()                                    # appends go on meanwhile, to a new log
    again = new_worlds()
    df2 = made(path, again)
    df2.load()
    assert state(again) == state(worlds)
    assert not Path(f"{path}.wal.old").exists()   # the load finished the fold
    assert state(reload(path, made)) == state(worlds)


def test_a_torn_last_line_is_dropped_and_cut_off(path, made):
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    churn(worlds, random.Random(5), 20)
    df.flush()
    expected = state(worlds)
    with open(f"{path}.wal", "ab") as fh:
        fh.write(b'{"ns":"a","meta":{"clock"')      # a kill in the middle of an append
    assert state(reload(path, made)) == expected
    assert Path(f"{path}.wal").read_bytes().endswith(b"\n")


def test_a_bad_line_in_the_middle_is_refused_naming_it(path, made):
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    worlds.get("a")
    df.flush()
    wal = Path(f"{path}.wal")
    content = wal.read_bytes()
    wal.write_bytes(content + b'{"ns": "a", "meta": 5}\n' + content.splitlines(keepends=True)[-1])
    with pytest.raises(ValueError, match=r"state\.json\.wal line \d+ is not a vsee-sim change"):
        reload(path, made)
    assert wal.read_bytes().startswith(content)  # left as it was


def test_ids_resume_past_every_crash_not_just_the_last(path, made):
    """Two crashes in a row with no write between: the second restart must not replay the
    stream of the first (whose tokens may have been handed out and lost)."""
    worlds = new_worlds()
    df = made(path, worlds)
    df.load()
    worlds.get("a")
    df.stop()
    first = new_worlds()
    made(path, first).load()
    handed_out = [first.get("a").ids.hex32() for _ in range(5)]  # lost: never flushed
    second = new_worlds()
    made(path, second).load()
    assert second.get("a").ids.restarts == first.get("a").ids.restarts + 1
    assert [second.get("a").ids.hex32() for _ in range(5)] != handed_out


def test_orphaned_temp_files_are_removed_at_load(path, made):
    directory = path.parent
    orphans = [f".vsee-sim-{path.name}.k3j2h1g0.tmp", ".vsee-sim-ab12cd34.tmp"]
    others = [".vsee-sim-other.json.k3j2h1g0.tmp", "notes.tmp", "keep.json"]
    for name in orphans + others:
        (directory / name).write_text("{")
    worlds = new_worlds()
    made(path, worlds).load()
    assert sorted(p.name for p in directory.iterdir()) == sorted(others)
    assert remove_orphans(str(path)) == []


def test_a_path_that_cannot_be_written_is_named(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        check_data_path(str(tmp_path / "missing" / "state.json"))
    with pytest.raises(ValueError, match="is a directory"):
        check_data_path(str(tmp_path))
    check_data_path(str(tmp_path / "state.json"))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="not writable"):
            check_data_path(str(locked / "state.json"))


@pytest.mark.slow
@pytest.mark.parametrize("where", ["missing/dir/state.json"])
def test_serve_refuses_a_data_path_it_cannot_write_in_one_line(tmp_path, where):
    proc = subprocess.run(
        [sys.executable, "-m", "vsee_sim.cli", "serve", "--port", "0", "--data", str(tmp_path / where),
         "--fixture", FIXTURE, "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "--data" in lines[0] and "Traceback" not in lines[0]


def test_a_failing_disk_is_logged_once_shown_in_health_and_caught_up(path, made, caplog):
    worlds = new_worlds()
    df = made(path, worlds, interval=0.02)
    df.load()
    real_append = df._append
    failures, failed_enough, healthy = [], threading.Event(), threading.Event()

    def full_disk(lines):
        if not healthy.is_set():
            failures.append(1)
            if len(failures) >= 5:
                failed_enough.set()
            raise OSError(28, "No space left on device")
        return real_append(lines)

    df._append = full_disk
    caplog.set_level(logging.WARNING, logger="vsee_sim.persistence")
    df.start()
    worlds.get("a").accounts[ACCOUNT].users.insert({"id": "90001", "code": "d"})
    assert failed_enough.wait(30)
    status = df.status()
    assert status["failing"] == ["save"]
    assert "No space left on device" in status["last_error"]["message"]
    assert df.persisted_version < worlds.version
    healthy.set()
    assert df.wait_persisted(worlds.version, timeout=30)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "No space left on device" in errors[0].getMessage()
    assert any("works again" in r.getMessage() for r in caplog.records)
    assert df.status()["failing"] == []
    assert reload(path, made).get("a").accounts[ACCOUNT].users.get("90001")
