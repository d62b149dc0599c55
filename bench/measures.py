"""The measures of bench/run.py (see bench/README.md): start-up, throughput and the create +
read pairs against the bare Flask baselines, scaling from 1k to 50k users (with memory), and
the baselines' memory. Each returns plain figures; report.py writes them."""

from __future__ import annotations

import statistics
import uuid
from pathlib import Path

from harness import HOST, RUN_ID, log, server_of, shown, vsee_server
from load import Op, me_op, pct, pyload, sso_op, sso_token, wrkload
from peers import pairload, room_pair, sso_pair


def measure_startup(args, workdir: Path, runs: int) -> dict:
    out = {}
    for kind in ("vsee", "baseline", "tinydb"):
        times, rss = [], []
        for _ in range(runs):
            server = server_of(kind, args, workdir)
            with server.start():
                times.append(server.wait_healthy())
                rss.append(server.rss_kib())
                out[f"{kind}_cmd"] = shown(server.argv)
        out[kind] = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                     "runs": times, "rss_kib": statistics.median(rss)}
        log(f"start-up {kind}: median {out[kind]['median_s']:.3f}s over {runs} runs "
            f"({', '.join(f'{t:.3f}' for t in times)})")
    return out


def measure_throughput(args, workdir: Path, sizes: dict, use_wrk: bool,
                       cells: tuple[str, ...] = ("GET /me", "POST /users/sso", "rooms", "sso"),
                       kinds: tuple[str, ...] = ("baseline", "vsee", "tinydb")) -> dict:
    """GET /me and POST /users/sso at c=1 and c=16 on vsee-sim, the dict baseline and the
    TinyDB one; then the create + read pairs (wrk only) in a fresh namespace per cell,
    seeded with ``seed_records`` rooms and SSO users first. ``cells`` picks among them
    (bench/peers.py runs a subset).

    The servers run side by side and the cells alternate their order (baseline, vsee-sim,
    tinydb, then the reverse, ...) so a change in the machine's load hits all; each figure
    is the median of ``reps`` runs.
    """
    results: dict = {}
    servers = {kind: server_of(kind, args, workdir) for kind in kinds}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_healthy()
        ns = f"tput-{RUN_ID}"
        ops = {kind: [me_op(sso_token(args, servers[kind].port, ns, f"reader{RUN_ID}"), ns), sso_op(args, ns)]
               for kind in kinds}

        def cell(name: str, conc: int, load) -> None:
            runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
            for kind in kinds:
                load(kind, sizes["warmup_s"])
            for rep in range(sizes["reps"]):
                for kind in (kinds if rep % 2 == 0 else kinds[::-1]):
                    runs[kind].append(load(kind, sizes["duration_s"]))
            for kind, rs in runs.items():
                r = {k: statistics.median(x[k] for x in rs) for k in ("rps", "p50_ms", "p99_ms")}
                r.update(n=sum(x["n"] for x in rs), errors=sum(x["errors"] for x in rs),
                         first_error=next((x["first_error"] for x in rs if x["first_error"]), []),
                         rps_runs=[x["rps"] for x in rs])
                results[(kind, name, conc)] = r
                log(f"{kind:8} {name:32} c={conc:<2} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms"
                    f"  p99 {r['p99_ms']:.2f} ms  n={r['n']} errors={r['errors']} {r['first_error']}"
                    f"  runs {[round(x) for x in r['rps_runs']]}")

        for i, opname in enumerate(("GET /me", "POST /users/sso")):
            for conc in (1, 16) if opname in cells else ():
                def load(kind: str, seconds: float, i=i, conc=conc) -> dict:
                    port, op = servers[kind].port, ops[kind][i]
                    if use_wrk:
                        return wrkload(port, op, conc, seconds, workdir)
                    return pyload(port, op, conc, duration=seconds)

                cell(opname, conc, load)
        if not use_wrk:
            log("create + read pairs skipped: they need wrk")
            return results
        for which in ("rooms", "sso"):
            for conc in (1, 16) if which in cells else ():
                pairs = {kind: pair_in_new_namespace(args, servers[kind].port, which, sizes["seed_records"])
                         for kind in kinds}

                def load(kind: str, seconds: float, pairs=pairs, conc=conc) -> dict:
                    # A room code is 1-32 characters (rules.clean_code): the unique part stays
                    # short ("p" + 8 hex + "t1n" + the count), or creates past n=999 were 400s.
                    return pairload(servers[kind].port, pairs[kind], conc, seconds, workdir,
                                    f"p{uuid.uuid4().hex[:8]}", HOST)

                cell(pairs["vsee"].name, conc, load)
    finally:
        for server in servers.values():
            server.stop()
    return results


def pair_in_new_namespace(args, port: int, which: str, seed_records: int):
    """A create + read pair in a namespace of its own, holding ``seed_records`` rooms and SSO
    users first (a provider's token makes the rooms: creating one is a provider's act)."""
    ns = f"pair-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    token = sso_token(args, port, ns, f"provider{RUN_ID}", user_type="400")
    seeding = {"rooms": room_pair(token, ns), "sso": sso_pair(args, ns)}
    for pair in seeding.values():
        if seed_records:
            headers = {k: v for k, v in pair.headers.items() if k != "Content-Type"}
            form = {k: v.replace(" {n}", "").replace("{n}", "") for k, v in pair.form.items()}
            op = Op(pair.name, "POST", pair.create_path, headers, form, unique_code=True)
            r = pyload(port, op, 16, count=seed_records, max_seconds=300, prefix=f"seed{which}")
            if r["errors"] or r["n"] < seed_records:
                raise RuntimeError(f"seeding {pair.name} on port {port}: {r['first_error']}")
    return seeding[which]


def measure_scaling(args, workdir: Path, sizes: dict) -> dict:
    """Two fresh vsee-sim servers side by side: one with ``small`` users in one account, one
    with ``large`` (its RSS read at start, at ``mem`` users and at ``large``). Then rounds of
    count-bounded samples at concurrency 1 alternate between them, so both points see the
    same machine load; each point's p50/p99 come from all its samples pooled."""
    out: dict = {"fills": []}
    servers = {"small": vsee_server(args, workdir), "large": vsee_server(args, workdir)}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_healthy()
        out["rss_start_kib"] = servers["large"].rss_kib()
        ns = f"scale-{RUN_ID}"
        created = {}
        ops = {}
        for label, server in servers.items():
            token = sso_token(args, server.port, ns, f"reader{RUN_ID}")
            ops[label] = (me_op(token, ns), sso_op(args, ns))
            created[label] = 1  # the reader

        def fill_to(label: str, target: int) -> None:
            need = target - created[label]
            if need <= 0:
                return
            r = pyload(servers[label].port, ops[label][1], 16, count=need, max_seconds=sizes["fill_cap_s"])
            before = created[label]
            created[label] += r["n"]
            out["fills"].append({"server": label, "from": before, "to": created[label],
                                 "seconds": r["seconds"], "rps": r["rps"], "errors": r["errors"]})
            log(f"fill {label}: {before} -> {created[label]} users: {r['seconds']:.1f}s ({r['rps']:.0f}/s) "
                f"errors={r['errors']} {r['first_error']}")
            if r["errors"] or created[label] < target:
                raise RuntimeError(f"fill stopped at {created[label]}/{target}: {r['first_error']}")

        fill_to("small", sizes["small"])
        fill_to("large", sizes["mem"])
        out["rss_mem_kib"] = servers["large"].rss_kib()
        out["mem_users"] = created["large"]
        fill_to("large", sizes["large"])
        out["rss_large_kib"] = servers["large"].rss_kib()
        out["large_users"] = created["large"]

        samples = {(label, kind): [] for label in servers for kind in ("read", "write")}
        errors = {key: 0 for key in samples}
        out["users_before"] = dict(created)
        for label in servers:
            pyload(servers[label].port, ops[label][0], 1, count=sizes["warm_n"])
        rounds = sizes["rounds"]
        for rnd in range(rounds):
            order = ("small", "large") if rnd % 2 == 0 else ("large", "small")
            per_round = (("read", 0, sizes["reads"] // rounds), ("write", 1, sizes["writes"] // rounds))
            for kind, idx, n in per_round:
                for label in order:
                    r = pyload(servers[label].port, ops[label][idx], 1, count=n, max_seconds=120)
                    samples[(label, kind)].extend(r["latencies"])
                    errors[(label, kind)] += r["errors"]
                    if kind == "write":
                        created[label] += r["n"]
        out["users_after"] = dict(created)
        for (label, kind), lat in samples.items():
            lat.sort()
            out.setdefault(label, {})[kind] = {
                "n": len(lat), "errors": errors[(label, kind)], "p50_ms": pct(lat, 50) * 1e3,
                "p99_ms": pct(lat, 99) * 1e3, "mean_ms": statistics.fmean(lat) * 1e3 if lat else float("nan"),
                "max_ms": lat[-1] * 1e3 if lat else float("nan")}
        for label in servers:
            a = out[label]
            log(f"{label} ({out['users_before'][label]} -> {created[label]} users): "
                f"GET /me p50 {a['read']['p50_ms']:.2f} p99 {a['read']['p99_ms']:.2f} ms; "
                f"SSO p50 {a['write']['p50_ms']:.2f} p99 {a['write']['p99_ms']:.2f} ms "
                f"(errors {a['read']['errors']}/{a['write']['errors']})")
    finally:
        for server in servers.values():
            server.stop()
    return out


def measure_peer_memory(args, workdir: Path, sizes: dict) -> dict:
    """RSS of each bare Flask baseline at start and after ``mem`` SSO users (vsee-sim's comes
    from measure_scaling, which fills a server to that point anyway)."""
    out = {}
    for kind in ("baseline", "tinydb"):
        with server_of(kind, args, workdir).start() as server:
            server.wait_healthy()
            start = server.rss_kib()
            r = pyload(server.port, sso_op(args, f"mem-{RUN_ID}"), 16, count=sizes["mem"],
                       max_seconds=sizes["fill_cap_s"])
            out[kind] = {"start_kib": start, "after_kib": server.rss_kib(), "users": r["n"],
                         "seconds": r["seconds"], "errors": r["errors"]}
            log(f"memory {kind}: {start} KiB at start, {out[kind]['after_kib']} KiB after {r['n']} SSO users "
                f"({r['seconds']:.1f} s, errors {r['errors']})")
    return out

