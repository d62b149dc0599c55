"""Settings: walking a settings tree by path. Pure."""

from __future__ import annotations

from typing import Any

from vsee_sim.core.errors import NotFound


def setting_at(tree: dict, path: str) -> Any:
    """The value at ``visit/time/max_wait_time`` (any depth); 404 when absent."""
    node: Any = tree
    for part in [p for p in path.strip("/").split("/") if p]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise NotFound(f"Setting {path.strip('/')} not found.")
    return node
