# Sourced by scripts/serve and scripts/test: a project venv with vsee-sim installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extra=${1:-}
stamp=".venv/.installed${extra:+-$extra}"
# The versions we ship and test are pinned by the lock files (scripts/lock makes them from
# pyproject.toml's ranges). Reinstall only when the project's dependencies changed.
lock=requirements${extra:+-$extra}.lock
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -c "$lock" -e ".${extra:+[$extra]}"
  touch "$stamp"
fi
