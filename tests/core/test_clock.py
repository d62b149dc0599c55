"""The namespace clock: real, offset and frozen modes, advancing, export.

Wall time is frozen at T0 with freezegun inside each test (not in a fixture, so pytest's
own timings stay real); the real mode reads time.time(), so it freezes too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from vsee_sim.core.clock import Clock

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
T0_TS = T0.timestamp()


# -- real ---------------------------------------------------------------------------
def test_a_new_clock_is_real():
    with freeze_time(T0):
        clock = Clock()
        assert clock.mode == "real"
        assert clock.now() == T0_TS
        assert clock.ts() == int(T0_TS)


def test_freezegun_freezes_the_real_mode_and_tick_moves_it():
    with freeze_time(T0) as frozen:
        clock = Clock()
        assert clock.now() == clock.now() == T0_TS
        frozen.tick(90)
        assert clock.now() == T0_TS + 90
        assert clock.mode == "real"


def test_ts_and_ms_are_ints_truncated_from_now():
    with freeze_time(T0):
        clock = Clock()
        clock.freeze(at=1_700_000_000.987)
        assert clock.ts() == 1_700_000_000 and isinstance(clock.ts(), int)


# -- offset -------------------------------------------------------------------------
def test_advance_in_real_mode_switches_to_offset():
    with freeze_time(T0):
        clock = Clock()
        clock.advance(3600)
        assert clock.mode == "offset"
        assert clock.offset == 3600
        assert clock.now() == T0_TS + 3600


def test_advance_in_offset_mode_accumulates():
    with freeze_time(T0):
        clock = Clock()
        clock.advance(60)
        clock.advance(-20)
        clock.advance(5.5)
        assert clock.mode == "offset"
        assert clock.now() == pytest.approx(T0_TS + 45.5)


def test_offset_mode_follows_wall_time():
    with freeze_time(T0) as frozen:
        clock = Clock()
        clock.advance(100)
        frozen.tick(10)
        assert clock.now() == T0_TS + 110


def test_real_after_offset_drops_the_offset():
    with freeze_time(T0):
        clock = Clock()
        clock.advance(100)
        clock.real()
        assert (clock.mode, clock.offset, clock.frozen_at) == ("real", 0.0, None)
        assert clock.now() == T0_TS


# -- frozen -------------------------------------------------------------------------
def test_freeze_at_an_instant_ignores_wall_time():
    with freeze_time(T0) as frozen:
        clock = Clock()
        clock.freeze(at=1_000_000)
        assert clock.mode == "frozen"
        frozen.tick(500)
        assert clock.now() == 1_000_000.0
        assert isinstance(clock.frozen_at, float)


def test_freeze_without_instant_freezes_now():
    with freeze_time(T0) as frozen:
        clock = Clock()
        clock.freeze()
        frozen.tick(500)
        assert clock.now() == T0_TS


def test_freeze_in_offset_mode_freezes_the_shifted_now():
    with freeze_time(T0) as frozen:
        clock = Clock()
        clock.advance(3600)
        clock.freeze()
        frozen.tick(10)
        assert clock.now() == T0_TS + 3600


def test_advance_in_frozen_mode_moves_the_frozen_instant():
    with freeze_time(T0) as frozen:
        clock = Clock()
        clock.freeze(at=2_000_000)
        clock.advance(30)
        clock.advance(30)
        assert clock.mode == "frozen"
        assert clock.now() == 2_000_060
        frozen.tick(1000)
        assert clock.now() == 2_000_060


def test_advance_a_clock_frozen_at_the_epoch():
    """0.0 is a valid frozen instant: advancing it must not jump to wall time."""
    with freeze_time(T0):
        clock = Clock()
        clock.freeze(at=0)
        assert clock.now() == 0.0
        clock.advance(5)
        assert clock.now() == 5.0


def test_real_after_frozen_reads_wall_time_again():
    with freeze_time(T0):
        clock = Clock()
        clock.freeze(at=5)
        clock.real()
        assert clock.now() == T0_TS


# -- export ---------------------------------------------------------------------------
@pytest.mark.parametrize("setup", [
    lambda c: None,
    lambda c: c.advance(123.25),
    lambda c: c.freeze(at=1_234_567.5),
    lambda c: (c.freeze(at=1_000), c.advance(10)),
], ids=["real", "offset", "frozen", "frozen-advanced"])
def test_to_dict_from_dict_round_trip(setup):
    with freeze_time(T0) as frozen:
        clock = Clock()
        setup(clock)
        data = clock.to_dict()
        assert set(data) == {"mode", "offset", "frozen_at", "now"}
        assert data["now"] == clock.now()
        back = Clock.from_dict(data)
        assert back == clock
        assert back.now() == clock.now()
        frozen.tick(50)
        assert back.now() == clock.now()


def test_to_dict_is_json_safe():
    with freeze_time(T0):
        clock = Clock()
        clock.freeze(at=42)
        assert json.loads(json.dumps(clock.to_dict())) == clock.to_dict()


@pytest.mark.parametrize("data", [None, {}])
def test_from_dict_of_nothing_is_a_real_clock(data):
    with freeze_time(T0):
        clock = Clock.from_dict(data)
        assert clock == Clock()
        assert clock.now() == T0_TS
