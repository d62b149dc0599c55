"""The lock files pin every dependency pyproject.toml names, within its range.

A dependency added or re-ranged in pyproject.toml without ``scripts/lock`` fails here,
before an image or a CI run installs something nobody tested.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            package, version = line.split("==")
            found[package.strip().lower().replace("_", "-")] = version.strip()
    return found


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", PROJECT["dependencies"]),
    ("requirements-test.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
])
def test_every_dependency_is_pinned_within_its_range(lock, requirements):
    pinned = pins(lock)
    for text in requirements:
        req = Requirement(text.split("#")[0])
        name = req.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in {lock}: run scripts/lock"
        assert req.specifier.contains(pinned[name], prereleases=True), \
            f"{lock} pins {name}=={pinned[name]}, outside {req.specifier}: run scripts/lock"
