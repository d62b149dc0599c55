"""When webhook deliveries are sent: never here. A request whose transaction queued one,
a tick and a clock move only kick the sender pool (``sending.DISPATCHER``), which posts
after the response has gone, in its own threads.

A retry falls due on the namespace clock: ``tick`` runs when ``/_sim/clock`` moves it, when
the ticker wakes, and when a namespace is made or reset.
"""

from __future__ import annotations

import logging

from vsee_sim.control.events.sending import DISPATCHER
from vsee_sim.core.store import World

log = logging.getLogger("vsee_sim.control")


def install(app, state) -> None:
    settings = state.settings
    state.webhooks = DISPATCHER
    # a waiting request holds a server thread: at most half of them wait at once
    DISPATCHER.configure(settings.webhook_senders, settings.webhook_connect_timeout,
                         settings.webhook_read_timeout, max(1, settings.server_threads // 2))

    def kick_webhooks(world: World) -> None:
        try:
            DISPATCHER.kick(world)
        except Exception:  # the request has committed: its response must still go out
            log.exception("webhook kick failed on namespace %s", world.name)

    app.after_commit.append(kick_webhooks)


def tick(world: World) -> None:
    DISPATCHER.kick(world)
