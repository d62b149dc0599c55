"""Scale out by namespace: many ``vsee-sim serve --shard NAME`` processes behind HAProxy.

- ``rules``: HAProxy's consistent-hash ring and the namespace of a request (pure).
- ``service``: the operator's view across shards over HTTP (list, find, drop, export/import).
- ``edge``: the ``X-Sim-Shard`` response header (WSGI).

Nothing is shared between shards; the router (deploy/) is HAProxy, not ours. docs/sim/shards.md.
"""
