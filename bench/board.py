"""The inspector's clinic board: GET /_sim/ui/api/board as visits grow (in process).

    python bench/board.py [--visits 1000] [--repeat 25]

Measures the board of every room and of one room on the demo clinic (9 visits), then again
after adding ``--visits`` visits (every status, three rooms, two patients, one provider),
through Flask's test client (no HTTP server: the figure is the board's own cost). Each cell
is the median of ``--repeat`` requests; figures are ratios against the demo measured in the
same run, so a busy machine hits both alike. Standard library only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from vsee_sim.app import create_app

BOARD = "/_sim/ui/api/board"


def median_ms(client, path: str, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:200]
        size = len(response.data)
    return statistics.median(times), size


def fill(world, count: int) -> None:
    db, now = world.account("vclinic"), world.clock.ts()
    rooms = ("ceproom1", "room1", "abc")
    with world.transaction():
        for n in range(count):
            status = (10, 20, 25, 30, 40)[n % 5]
            db.visits.insert({
                "id": str(910000 + n), "type": 1 if status in (10, 25) else 2, "status": status,
                "room_code": rooms[n % 3], "member_id": ("575", "201")[n % 2], "provider_id": "826",
                "created": now - 3600 + n, "start": now - 3600 + 60 * n, "end": now - 3600 + 60 * n + 900,
                "modified": now})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    app = create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0})
    client = app.test_client()
    world = app.extensions["vsee_sim"].worlds.get("default")
    world.clock.freeze()   # waits and slots stand still: every request sees the same board
    paths = {"every room": BOARD, "one room": f"{BOARD}?room=ceproom1"}
    for path in paths.values():
        client.get(path)   # warm: imports, first-use caches
    demo = {name: median_ms(client, path, args.repeat) for name, path in paths.items()}
    fill(world, args.visits)
    grown = {name: median_ms(client, path, args.repeat) for name, path in paths.items()}
    print(f"| board | demo (9 visits) | {args.visits} more visits | ratio | bytes |")
    print("|---|---|---|---|---|")
    for name in paths:
        (a, _), (b, size) = demo[name], grown[name]
        print(f"| {name} | {a:.1f} ms | {b:.1f} ms | {b / a:.2f}x | {size:,} |")


if __name__ == "__main__":
    main()
