"""The inspector opens fast on a busy namespace: time to the page showing data, in Chromium.

One app served by the server we ship (waitress on a thread, ``serving.server.InThread``),
two namespaces: ``busy`` with 1,000 past visits (bench/clinic.py's ``fill``) and 500
journal entries (real requests: GET /visits/<id>, /me, the queue), and ``fresh`` (the demo
as it starts: the same-run baseline). Each round opens ``/ns/<name>/_sim/ui`` in a new
Debian-chromium context (cold cache) and reads ``performance.mark("vsee-inspector-data")``,
which inspector.js sets once the journal list is drawn: milliseconds from navigation start
to the page showing data; and the same for the clinic board (``/_sim/ui#board``,
``performance.mark("vsee-board-data")`` set by board.js once every room is drawn: the tab
that reads the visits). Rounds alternate between the namespaces; medians are reported, and
the ratio busy/fresh. Target: busy under 300 ms (issue 16).

    python bench/inspector.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from clinic import fill  # noqa: E402  (bench/clinic.py: 1,000 past visits, as a long-running clinic has them)

from vsee_sim.app import create_app  # noqa: E402
from vsee_sim.serving.server import InThread  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-proxy-server",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROVIDER = "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"


def get(url: str, headers: dict) -> None:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError:  # an error answer is journaled like any other
        pass


def prepare(app, base: str) -> dict:
    worlds = app.extensions["vsee_sim"].worlds
    busy = worlds.get("busy")
    with busy.transaction():
        fill(busy, 1000)
    headers = {"X-ApiToken": PROVIDER, "X-AccountCode": "vclinic"}
    paths = ["/api_v3/me", "/api_v3/rooms/ceproom1/queue"]
    paths += [f"/api_v3/visits/{900000 + i}" for i in range(50)]
    for i in range(500):
        get(f"{base}/ns/busy{paths[i % len(paths)]}", headers)
    worlds.get("fresh")
    return {name: {"journal": len(worlds.get(name).journal),
                   "visits": len(worlds.get(name).account("vclinic").visits)} for name in ("busy", "fresh")}


def server_ms(app, name: str, n: int = 40) -> float:
    """Median in-process time of the page itself (it carries the clock and the newest 200
    requests): the server's share of opening the inspector, free of the browser's noise."""
    client = app.test_client()
    found = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(f"/ns/{name}/_sim/ui")
        found.append((time.perf_counter() - t0) * 1000)
    return statistics.median(found)


TABS = {"journal": ("", "#journal-list li", "vsee-inspector-data"),
        "board": ("#board", "#board .board-room", "vsee-board-data")}


def open_once(browser, url: str, tab: str = "journal") -> float:
    fragment, drawn, mark = TABS[tab]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(url + fragment, wait_until="commit")
        # (wait_for_function would evaluate a string: the page's CSP forbids that, rightly)
        page.wait_for_selector(drawn, timeout=15_000)
        return page.evaluate(f"performance.getEntriesByName('{mark}')[0].startTime")
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    app = create_app({"FIXTURE": "demo", "SEED": 7, "TICK_INTERVAL": 0})
    server = InThread(app)
    try:
        sizes = prepare(app, server.url)
        times = {(tab, name): [] for tab in TABS for name in ("busy", "fresh")}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            open_once(browser, f"{server.url}/ns/fresh/_sim/ui")   # warm-up: chromium's own first start
            for _ in range(args.rounds):
                for tab in TABS:
                    for name in ("busy", "fresh"):
                        times[tab, name].append(open_once(browser, f"{server.url}/ns/{name}/_sim/ui", tab))
            browser.close()
        served = {name: server_ms(app, name) for name in ("fresh", "busy")}
    finally:
        server.stop()
    print(f"{time.strftime('%Y-%m-%d')}, {args.rounds} rounds, sizes {sizes}")
    print("| tab | namespace | journal entries | visits | time to data, median ms | min | max "
          "| page served in, ms |")
    print("|---|---|---|---|---|---|---|---|")
    for tab in TABS:
        for name in ("fresh", "busy"):
            found, size = times[tab, name], sizes[name]
            print(f"| {tab} | {name} | {size['journal']} | {size['visits']} | {statistics.median(found):.0f} "
                  f"| {min(found):.0f} | {max(found):.0f} | {served[name]:.1f} |")
    print()
    for tab in TABS:
        busy, fresh = statistics.median(times[tab, "busy"]), statistics.median(times[tab, "fresh"])
        verdict = "met" if busy < 300 else "NOT met"
        print(f"{tab}: busy / fresh {busy / fresh:.2f}x; target: busy under 300 ms -> {verdict}")
    print(f"page served: busy / fresh {served['busy'] / served['fresh']:.2f}x")

if __name__ == "__main__":
    main()
