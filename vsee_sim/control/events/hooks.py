"""When webhook deliveries are sent: after each request's transaction commits, and on a tick.

A delivery queued by a request is sent before that request's response goes out (when
its receiver answers), so a test needs no waiting. A retry falls due on the namespace
clock: ``tick`` runs when ``/_sim/clock`` moves it and when the ticker wakes.
"""

from __future__ import annotations

import logging

from vsee_sim.control.events import service
from vsee_sim.core.store import World

log = logging.getLogger("vsee_sim.control")


def install(app, state) -> None:
    def deliver_webhooks(world: World) -> None:
        if not service.has_open(world):  # the common case: nothing queued
            return
        try:
            service.deliver_due(world)
        except Exception:  # the request has committed: its response must still go out
            log.exception("webhook delivery failed on namespace %s", world.name)

    app.after_commit.append(deliver_webhooks)


def tick(world: World) -> None:
    service.deliver_due(world)
