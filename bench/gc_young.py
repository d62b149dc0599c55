"""The cyclic collector's share of a create + read pair, at Python's setting and at ours (issue 14).

    python bench/gc_young.py                 # 3 alternated rounds of each setting
    python bench/gc_young.py --pairs 4000 --rounds 2

In process (the app called through WSGI, no server): a namespace holding 1000 rooms and
1000 SSO users, then ``--pairs`` of ``POST /rooms`` + ``GET /rooms/:code``. Each round runs
the pairs once in a fresh process per setting (Python's 700 allocations between collections
of the youngest generation, then ``vsee_sim.app.GC_YOUNG_THRESHOLD``), alternated. Printed:
the process's CPU time for the pairs, the time inside the collector (``gc.callbacks``), the
collections and the full ones. Ratios are ours / Python's, per round and as medians.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"HTTP_X_ACCOUNTCODE": "vclinic", "HTTP_X_APIKEY": "vclinic_api_key", "HTTP_X_SIM_NAMESPACE": "gc"}


def call(app, method: str, path: str, headers: dict, body: bytes = b"") -> bytes:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "wsgi.version": (1, 0),
               "wsgi.url_scheme": "http", "wsgi.input": BytesIO(body), "wsgi.errors": sys.stderr,
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False, **headers}
    if body:
        environ.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)))
    return b"".join(app(environ, lambda *a: None))


def one_run(pairs: int, threshold: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from vsee_sim.app import create_app

    app = create_app({"FIXTURE": "demo", "SEED": 1})
    gc.set_threshold(threshold, *gc.get_threshold()[1:])
    sso = {"first_name": "P", "last_name": "R", "type": "400", "code": "gc-provider"}
    token = json.loads(call(app, "POST", "/api_v3/users/sso.json", HEADERS, urlencode(sso).encode()))
    provider = {**HEADERS, "HTTP_X_APITOKEN": token["data"]["token"]["token"]}

    def room(code: str) -> bytes:
        return urlencode({"name": f"Bench Room {code}", "code": code, "domain": "vclinic.vsee.me"}).encode()
    for i in range(1000):
        call(app, "POST", "/api_v3/rooms.json", provider, room(f"s{i}"))
        user = {"first_name": "B", "last_name": "U", "type": "200", "code": f"u{i}"}
        call(app, "POST", "/api_v3/users/sso.json", HEADERS, urlencode(user).encode())
    spent = {"gc_s": 0.0, "collections": 0, "full": 0}
    started = [0.0]

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        spent["gc_s"] += time.perf_counter() - started[0]
        spent["collections"] += 1
        spent["full"] += info["generation"] == 2
    gc.callbacks.append(watch)
    t0 = time.process_time()
    for i in range(pairs):
        call(app, "POST", "/api_v3/rooms.json", provider, room(f"r{i}"))
        call(app, "GET", f"/api_v3/rooms/r{i}.json", provider)
    return {"cpu_s": time.process_time() - t0, **spent}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", type=int, default=8000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: one run at this threshold
    args = p.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one_run(args.pairs, args.one)))
        return 0
    sys.path.insert(0, str(ROOT))
    from vsee_sim.app import GC_YOUNG_THRESHOLD

    ratios = []
    for r in range(args.rounds):
        got = {}
        for threshold in (700, GC_YOUNG_THRESHOLD):
            child = [sys.executable, __file__, "--pairs", str(args.pairs), "--one", str(threshold)]
            out = subprocess.run(child, capture_output=True, text=True, check=True, timeout=900)
            got[threshold] = json.loads(out.stdout.strip().splitlines()[-1])
            g = got[threshold]
            print(f"round {r + 1} threshold {threshold:>6}: cpu {g['cpu_s']:.2f} s, in the collector "
                  f"{g['gc_s']:.2f} s ({g['gc_s'] / g['cpu_s'] * 100:.1f}%), collections {g['collections']}, "
                  f"full {g['full']}")
        ratios.append(got[GC_YOUNG_THRESHOLD]["cpu_s"] / got[700]["cpu_s"])
        print(f"round {r + 1}: cpu ours / Python's {ratios[-1]:.2f}x")
    print(f"median cpu ours / Python's: {statistics.median(ratios):.2f}x over {len(ratios)} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
