"""The ticker: runs ``control.tick`` on every namespace on the wall clock.

A namespace whose clock runs (real or offset mode) has work falling due without any
request: a webhook retry, the autopilot's next patient, a walk-in's max wait. A frozen
clock has nothing due until it is moved, and moving it ticks at once.
"""

from __future__ import annotations

import logging
import threading

from vsee_sim.core.store import Worlds

log = logging.getLogger("vsee_sim.control")


class Ticker:
    def __init__(self, worlds: Worlds, interval: float):
        self.worlds = worlds
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vsee-sim-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from vsee_sim.control import tick

        while not self._stop.wait(self.interval):
            try:
                for _, world in self.worlds.items():
                    if world.clock.mode != "frozen":
                        tick(world)
            except Exception:  # the ticker must outlive any one bad tick
                log.exception("ticker round failed")
