"""Only what pyproject.toml cannot say: the top-level fixtures/ directory (the one source
of the demo and minimal clinics) ships inside the package as ``vsee_sim/fixtures``, so an
installed wheel serves the demo with no checkout (config.fixture_path looks there)."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["vsee_sim", "vsee_sim.*"], exclude=["*.__pycache__"]),
              "vsee_sim.fixtures"],
    package_dir={"vsee_sim.fixtures": "fixtures"},
)
