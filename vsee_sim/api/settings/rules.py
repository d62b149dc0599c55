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
        elif isinstance(node, list) and 0 <= _index(part) < len(node):
            node = node[_index(part)]
        else:
            raise NotFound(f"Setting {path.strip('/')} not found.")
    return node


def _index(part: str) -> int:
    """A list index written in ASCII digits, or -1 (never a valid index)."""
    return int(part) if part.isascii() and part.isdigit() and len(part) < 10 else -1
