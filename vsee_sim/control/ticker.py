"""The ticker: runs ``control.tick`` on every namespace on the wall clock.

A namespace whose clock runs (real or offset mode) has work falling due without any
request: a webhook retry, the autopilot's next patient, a walk-in's max wait. A frozen
clock has nothing due until it is moved, and moving it ticks at once.

Ticks run on a small pool, one at a time per namespace, so a slow tick of one namespace
(a large autopilot round) holds one worker, not every other namespace's clock. A tick
never posts a webhook: it hands due deliveries to the sender pool
(``control.events.sending``), so a receiver that never answers holds no tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from vsee_sim.core.store import World, Worlds

log = logging.getLogger("vsee_sim.control")
WORKERS = 4


class Ticker:
    def __init__(self, worlds: Worlds, interval: float, tick: Callable[[World], None] | None = None):
        self.worlds = worlds
        self.interval = interval
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vsee-sim-ticker", daemon=True)
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="vsee-sim-tick")
        self._busy: dict[str, Future] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.round()
            except RuntimeError:  # the pool is shut down: the interpreter is exiting
                return
            except Exception:  # the ticker must outlive any one bad round
                log.exception("ticker round failed")

    def round(self) -> list[str]:
        """Start a tick on every running namespace not still busy with its last one;
        the names started."""
        if self._tick is None:
            from vsee_sim.control import tick

            self._tick = tick
        busy, started = {}, []
        for name, world in self.worlds.items():
            running = self._busy.get(name)
            if running is not None and not running.done():
                busy[name] = running
            elif world.clock.mode != "frozen":
                busy[name] = self._pool.submit(self._tick, world)
                started.append(name)
        self._busy = busy  # namespaces gone since are forgotten here too
        return started
