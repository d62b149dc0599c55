"""The README's examples run as written: Python blocks as a user's pytest suite (with the
plugin), shell blocks against a live simulator (the plugin's loopback server)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
# Shell blocks that talk to a running simulator (not the ones that install or serve it:
# the wheel stage of CI, .ci/stages/20-wheel, does what the pip block says).
SHELL_BLOCKS = [b for b in re.findall(r"```sh\n(.*?)```", TEXT, flags=re.S)
                if "scripts/" not in b and "pip install" not in b]
MONDAY = "2026-11-30T16:00:00Z"     # 08:00 in the demo providers' Pacific time: slots are open


def test_readme_python_examples_pass_as_a_users_suite(tmp_path):
    assert PYTHON_BLOCKS, "the README has a Python example"
    for i, block in enumerate(PYTHON_BLOCKS):
        (tmp_path / f"test_readme_{i}.py").write_text(block)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    tests = sum(len(re.findall(r"^def test_", b, flags=re.M)) for b in PYTHON_BLOCKS)
    assert f"{tests} passed" in run.stdout


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=[f"sh{i}" for i in range(len(SHELL_BLOCKS))])
def test_readme_shell_examples_run_against_a_live_simulator(block, vsee_server):
    from vsee_sim.remote import Remote

    sim = Remote(vsee_server, namespace="default")
    assert sim.post("/_sim/reset").status == 200
    assert sim.post("/_sim/clock/freeze", {"at": MONDAY}).status == 200
    script = block.replace("http://127.0.0.1:8000", vsee_server)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"{script}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
    # What the README says each block prints, it prints.
    after = TEXT.split(block, 1)[1].split("```", 2)[1]   # from the closing fence to the next block
    promises = [p for run_ in re.findall(r"prints ((?:`[^`]+`(?: then | and )?)+)", after)
                for p in re.findall(r"`([^`]+)`", run_)]
    for promised in promises:
        pattern = re.escape(promised.replace("http://127.0.0.1:8000", vsee_server)).replace(
            re.escape("<id>"), r"\d+")
        assert re.search(pattern, run.stdout), (promised, run.stdout)


def test_readme_names_the_two_commands_and_they_exist():
    for command in ("scripts/serve", "scripts/test"):
        assert command in TEXT
        assert (README.parent / command).stat().st_mode & 0o111, f"{command} is executable"
