"""Clinic-flow scaling: do the queue, availability, walk-ins and visit lists stay flat as a
clinic's visit history grows?

Two namespaces of one in-process app: ``small`` with 1,000 past visits, ``large`` with
20,000 (completed and cancelled walk-ins and appointments across the demo's rooms and
providers, inserted through the store as a long-running clinic would have them). Rounds
of each operation alternate between the two, so both see the same machine load; the
report is each operation's p50 and p99 at ``large`` as a ratio of ``small`` (target:
within 1.2x). In-process (Flask test client): this measures the simulator's own work per
request, which is what grows with state; HTTP overhead is bench/run.py's subject.

    python bench/clinic.py [--small 1000] [--large 20000] [--rounds 10] [--n 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

from vsee_sim.app import create_app

API_KEY = {"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"}
PROVIDER_826 = {"X-ApiToken": "d0c7e5a1b2f34c6d8e9fa0b1c2d3e826"}
ROOMS = {"ceproom1": ["826", "509", "541", "1096"], "room1": ["541", "403"], "vclinicroom": ["12456470"]}


def fill(world, n: int) -> None:
    db = world.account("vclinic")
    now = world.clock.ts()
    rooms = list(ROOMS.items())
    for i in range(n):
        room, providers = rooms[i % len(rooms)]
        start = now - 86400 * (1 + i % 700) - 900 * (i % 40)
        db.visits.insert({
            "id": str(900000 + i), "code": f"{i:032x}", "member_id": "575",
            "provider_id": providers[i % len(providers)], "room_code": room, "intake_id": None,
            "type": 1 + i % 2, "subtype": 3, "status": 30 if i % 3 else 40,
            "start": start, "end": start + 900, "actual_start": start, "actual_end": start + 800,
            "completed_by": "826", "reason": "call_ended", "one_time_link_token": None,
            "payment": {"duration": 15, "amount": "0.00", "description": "15-min Consultation", "id": None},
            "created": start - 60, "modified": start + 800})


def patient(client) -> dict:
    code = f"bench-{time.perf_counter_ns()}"
    body = {"type": 200, "code": code, "first_name": "B", "last_name": "N"}
    r = client.post("/api_v3/users/sso", json=body, headers=API_KEY)
    return {"X-ApiToken": r.get_json()["data"]["token"]["token"]}


def operations(client) -> dict:
    me = patient(client)

    def walk_in_and_out():
        intake = client.post("/api_v3/intakes", json={"room_code": "ceproom1"}, headers=me)
        intake_id = intake.get_json()["data"]["id"]
        visit = client.post("/api_v3/visits/add_walkin", json={"intake_id": intake_id}, headers=me)
        visit = visit.get_json()["data"]
        r = client.post("/api_v3/visits/close", json={"id": visit["id"]}, headers=me)
        assert r.status_code == 200, r.get_json()

    return {
        "GET /rooms/:code/queue": lambda: client.get("/api_v3/rooms/ceproom1/queue", headers=me),
        "GET /availability": lambda: client.get("/api_v3/availability?room_code=ceproom1", headers=me),
        "GET /visits (patient)": lambda: client.get("/api_v3/visits", headers=me),
        "GET /visits/current (provider)": lambda: client.get("/api_v3/visits/current", headers=PROVIDER_826),
        "intake + walk-in + close": walk_in_and_out,
    }


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--n", type=int, default=40, help="samples per operation per round")
    args = parser.parse_args()

    app = create_app({"FIXTURE": "demo", "SEED": 1})
    worlds = app.extensions["vsee_sim"].worlds
    sides = {}
    for label, size in (("small", args.small), ("large", args.large)):
        client = app.test_client()
        client.environ_base["HTTP_X_SIM_NAMESPACE"] = f"bench-{label}"
        client.get("/_sim/health")
        fill(worlds.get(f"bench-{label}"), size)
        sides[label] = operations(client)
    samples = {(label, op): [] for label in sides for op in sides[label]}
    for rnd in range(args.rounds):
        for op in sides["small"]:
            for label in (("small", "large") if rnd % 2 == 0 else ("large", "small")):
                fn = sides[label][op]
                for _ in range(args.n):
                    t0 = time.perf_counter()
                    fn()
                    samples[(label, op)].append(time.perf_counter() - t0)
    print(f"visits in history: small {args.small}, large {args.large}; "
          f"{args.rounds} rounds x {args.n} samples\n")
    print("| operation | small p50 ms | large p50 ms | p50 ratio | p99 ratio |\n|---|---|---|---|---|")
    for op in sides["small"]:
        s, lg = samples[("small", op)], samples[("large", op)]
        print(f"| {op} | {statistics.median(s) * 1e3:.2f} | {statistics.median(lg) * 1e3:.2f} | "
              f"{statistics.median(lg) / statistics.median(s):.2f}x | {pct(lg, 99) / pct(s, 99):.2f}x |")


if __name__ == "__main__":
    main()
