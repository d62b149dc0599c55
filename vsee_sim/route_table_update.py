"""Writes vsee_sim/route_table.py (the rules vsee_sim/lazy_views.py adds at start) from an
app whose blueprints are registered eagerly.

    python -m vsee_sim.route_table_update            # after adding, removing or changing a route
    python -m vsee_sim.route_table_update --check    # exit 1 if the table is out of date
"""

from __future__ import annotations

import sys

from vsee_sim.lazy_views import PACKAGE_DIR, build_table, render_table


def current_table_source() -> str:
    """route_table.py as it should read for the code as it is."""
    from vsee_sim.api import AREA_PACKAGES
    from vsee_sim.app import create_app
    from vsee_sim.control import route_packages
    from vsee_sim.inspector import route_packages as inspector_packages

    app = create_app({"TICK_INTERVAL": 0, "LAZY_VIEWS": False})
    return render_table(build_table(app, [*AREA_PACKAGES, *route_packages(), *inspector_packages()]))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = PACKAGE_DIR / "route_table.py"
    source = current_table_source()
    if not argv:
        path.write_text(source)
        print(f"wrote {path}")
        return 0
    if argv == ["--check"]:
        if path.read_text() == source:
            return 0
        print(f"{path} is out of date: run python -m vsee_sim.route_table_update", file=sys.stderr)
        return 1
    print("usage: python -m vsee_sim.route_table_update [--check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
