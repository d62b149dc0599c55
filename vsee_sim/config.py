"""Settings, read from the environment (VSEE_SIM_*) and overridden by CLI flags or create_app()."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

KIB, MIB = 1024, 1024 * 1024
SEED_RANGE = (-(2**63), 2**63 - 1)   # a signed 64-bit integer: what ids, exports and data files hold
_SHARD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # a header-safe token
PACKAGED_FIXTURES = Path(__file__).resolve().parent / "fixtures"   # in an installed wheel (setup.py)
REPO_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"     # in a checkout (the source)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Settings:
    fixture: str = "demo"
    seed: int = 0
    data: str | None = None                # --data FILE: persist every namespace to a TinyDB file
    flush_interval: float = 0.2            # seconds: the most a crash can lose with --data
    max_body_bytes: int = 16 * 1024 * 1024
    max_namespaces: int = 1000             # least recently used ones are forgotten beyond this
    control: bool = True                   # /_sim on or off
    admin_token: str | None = None         # protects /_sim when set
    signing_secret: str | None = None      # keys signed file URLs; random per process when unset
    tick_interval: float = 1.0             # wall seconds between ticks (webhook retries, autopilot); 0: off
    # Webhook sending: a pool of threads shared by every namespace, short timeouts per attempt.
    webhook_senders: int = 8
    webhook_connect_timeout: float = 2.0
    webhook_read_timeout: float = 3.0
    # Memory bounds in bytes (docs/sim/traffic.md, docs/sim/state.md).
    journal_body_bytes: int = 64 * KIB            # a request or response body kept in the journal
    journal_bytes: int = 4 * MIB                  # one namespace's journal
    journal_total_bytes: int = 64 * MIB           # every namespace's journals together
    snapshot_bytes: int = 32 * MIB                # one namespace's snapshots
    snapshot_total_bytes: int = 128 * MIB         # every namespace's snapshots together
    cors_origins: list[str] = field(default_factory=lambda: [r"^https?://(localhost|127\.0\.0\.1)(:\d+)?$"])

    server_threads: int = 8                # the HTTP server's app threads (vsee-sim serve --threads)
    header_timeout: float = 10.0           # seconds for a request's head to arrive (then 408)
    body_timeout: float = 30.0             # seconds more for its body
    shard: str | None = None               # --shard NAME: this process is one shard (X-Sim-Shard, health)
    lazy_views: bool = True                # an area's views imported on first use (lazy_views.py)

    @classmethod
    def from_env(cls, overrides: dict | None = None) -> Settings:
        """Settings from VSEE_SIM_* and ``overrides``; SettingsError (a ValueError) names the
        variable of a value that is not a number or out of its range."""
        s = cls(
            fixture=os.environ.get("VSEE_SIM_FIXTURE", "demo"),
            data=os.environ.get("VSEE_SIM_DATA") or None,
            control=_env_bool("VSEE_SIM_CONTROL", True),
            admin_token=os.environ.get("VSEE_SIM_ADMIN_TOKEN") or None,
            signing_secret=os.environ.get("VSEE_SIM_SIGNING_SECRET") or None,
            shard=(os.environ.get("VSEE_SIM_SHARD") or "").strip() or None,
        )
        for name, kind, low, high in _NUMBERS:
            raw = (os.environ.get("VSEE_SIM_" + name.upper()) or "").strip()
            if raw:
                setattr(s, name, _number("VSEE_SIM_" + name.upper(), raw, kind, low, high))
        if os.environ.get("VSEE_SIM_CORS_ORIGINS"):
            s.cors_origins = [o.strip() for o in os.environ["VSEE_SIM_CORS_ORIGINS"].split(",") if o.strip()]
        for key, value in (overrides or {}).items():
            name = key.lower()
            if hasattr(s, name) and value is not None:
                setattr(s, name, value)
        if s.shard is not None and not _SHARD_NAME.match(s.shard):
            raise SettingsError(f"--shard / VSEE_SIM_SHARD={s.shard!r}: use 1-64 letters, digits, "
                                "'.', '_' or '-' (it is sent in the X-Sim-Shard header)")
        if s.max_namespaces == 1 and not s.data:  # with --data every namespace is kept anyway
            raise SettingsError("VSEE_SIM_MAX_NAMESPACES=1: use 0 (no bound) or at least 2 "
                                "(default and one more)")
        return s


class SettingsError(ValueError):
    """A VSEE_SIM_* value the simulator cannot use; the message names the variable."""


# Numeric settings read from VSEE_SIM_<NAME>: (name, type, least value, greatest value or None).
_NUMBERS = (("seed", int, *SEED_RANGE), ("flush_interval", float, 0.01, None),
            ("max_body_bytes", int, 1024, None), ("max_namespaces", int, 0, None),
            ("tick_interval", float, 0, None), ("webhook_senders", int, 1, None),
            ("webhook_connect_timeout", float, 0.01, None), ("webhook_read_timeout", float, 0.01, None),
            ("journal_body_bytes", int, 0, None), ("journal_bytes", int, 0, None),
            ("journal_total_bytes", int, 0, None), ("snapshot_bytes", int, 0, None),
            ("snapshot_total_bytes", int, 0, None), ("header_timeout", float, 0.1, None),
            ("body_timeout", float, 0.1, None))


def _number(variable: str, raw: str, kind: type, low: float, high: float | None) -> int | float:
    try:
        value = kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise SettingsError(f"{variable}={raw!r}: not {what}") from None
    if not math.isfinite(value):
        raise SettingsError(f"{variable}={raw!r}: must be a finite number")
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise SettingsError(f"{variable}={raw!r}: must be {bound}")
    return value


def fixture_path(name: str) -> Path:
    """A fixture by file path or by name (``demo`` -> fixtures/demo.json).

    Names are looked up in ``VSEE_SIM_FIXTURES_DIR`` (if set), then among the fixtures the
    package ships, then in the checkout's ``fixtures/``."""
    candidate = Path(name)
    if candidate.suffix == ".json":
        if candidate.is_file():
            return candidate
        raise FileNotFoundError(f"No fixture file {name!r}.")
    dirs = [os.environ.get("VSEE_SIM_FIXTURES_DIR"), str(PACKAGED_FIXTURES), str(REPO_FIXTURES)]
    for directory in filter(None, dirs):
        path = Path(directory) / f"{name}.json"
        if path.exists():
            return path
    raise FileNotFoundError(f"No fixture named {name!r} (looked in {', '.join(filter(None, dirs))}).")


@lru_cache(maxsize=16)
def _read(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_fixture(name: str) -> dict:
    """The fixture's data; parsed anew per call so every namespace gets its own copy.

    OSError if there is no such fixture, ValueError if it is not JSON.
    """
    path = fixture_path(name)
    try:
        return json.loads(_read(str(path), path.stat().st_mtime))
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
