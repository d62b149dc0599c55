"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_pytest_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has a Python example"
    for block in blocks:
        scope: dict = {}
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - our own README
        tests = [fn for name, fn in scope.items() if name.startswith("test_") and callable(fn)]
        assert tests, "each Python block defines a test"
        for test in tests:
            test()


def test_readme_names_the_two_commands_and_they_exist():
    text = README.read_text()
    for command in ("scripts/serve", "scripts/test"):
        assert command in text
        assert (README.parent / command).stat().st_mode & 0o111, f"{command} is executable"
