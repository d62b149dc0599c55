"""The ticker: every running namespace ticks; a stuck one holds only itself."""

from __future__ import annotations

import threading

from vsee_sim.config import load_fixture
from vsee_sim.control.ticker import Ticker
from vsee_sim.core.store import Worlds


def test_a_stuck_namespace_does_not_hold_the_others():
    worlds = Worlds(load_fixture, "minimal", 1)
    stuck, quick, frozen = (worlds.get(n) for n in ("stuck", "quick", "frozen"))
    frozen.clock.freeze()
    release, ticked = threading.Event(), {"quick": threading.Event()}
    counts = {"stuck": 0, "quick": 0}

    def tick(world):
        counts[world.name] += 1
        if world.name == "stuck":
            release.wait(10)
        else:
            ticked[world.name].set()

    ticker = Ticker(worlds, interval=3600, tick=tick)
    try:
        assert sorted(ticker.round()) == ["quick", "stuck"]          # frozen clocks wait for a move
        assert ticked["quick"].wait(5)
        ticked["quick"].clear()
        assert ticker.round() == ["quick"]                           # stuck is still busy: not started twice
        assert ticked["quick"].wait(5)
        assert counts == {"stuck": 1, "quick": 2}
    finally:
        release.set()
        ticker.stop()
