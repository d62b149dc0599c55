"""``X-Sim-Shard: <name>`` on every response of a shard (``vsee-sim serve --shard NAME``).

Installed by create_app only when the process is a shard: no cost otherwise. It tells a
client, a test and the affinity check which process answered behind the router.
"""

from __future__ import annotations

SHARD_HEADER = "X-Sim-Shard"


class ShardHeader:
    """WSGI middleware adding ``X-Sim-Shard`` to every response the app sends."""

    def __init__(self, app, name: str):
        self.app = app
        self.header = (SHARD_HEADER, name)

    def __call__(self, environ, start_response):
        header = self.header

        def with_shard(status, headers, exc_info=None):
            headers.append(header)
            return start_response(status, headers, exc_info)

        return self.app(environ, with_shard)
