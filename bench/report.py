"""The markdown of bench/run.py's measures (bench/RESULTS.md, parts 1-5 and the targets)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
from pathlib import Path

import peers
from harness import THREADS


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def fmt_n(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def report(args, argv: list[str], sizes: dict, startup: dict, tput: dict, scale: dict,
           tool: str, total_s: float, load: tuple[str, str],
           version: str) -> str:
    small, large, memn = fmt_n(sizes["small"]), fmt_n(sizes["large"]), fmt_n(sizes["mem"])
    L: list[str] = []
    L.append("# vsee-sim benchmark results" + (" (quick run)" if args.quick else ""))
    L.append("")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or "?")
    L.append(f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    L.append(f"- Machine: nproc {os.cpu_count()} ({cpu}), Linux {platform.release()}, "
             f"Python {platform.python_version()}")
    L.append(f"- Code: {version}")
    L.append(f"- Load tool: {tool}; the fills and the scaling samples use the http.client client "
             "in bench/run.py")
    L.append(f"- Whole run: {total_s:.0f} s; load average (1/5/15 min) at start {load[0]}, at end {load[1]} "
             "(other work on the machine shows here; cells alternate between the servers compared)")
    L.append("- Commands:")
    L.append(f"  - runner: `{shlex.join(['python', 'bench/run.py', *argv])}`")
    L.append(f"  - vsee-sim: `{startup['vsee_cmd']}`")
    L.append(f"  - baseline: `{startup['baseline_cmd']}`")
    L.append("")

    L.append("## 1. Throughput and latency vs the bare Flask baseline")
    L.append("")
    L.append(f"Same server settings (waitress, one process, {THREADS} app threads, no access log); "
             f"median of {sizes['reps']} runs of {sizes['duration_s']:g} s per cell, "
             f"after {sizes['warmup_s']:g} s warm-up, alternating between the two servers "
             "(both up side by side); "
             "ratio = vsee-sim / baseline (throughput: higher is better; latency: lower is better).")
    L.append("")
    L.append("| request | conc | vsee-sim req/s | baseline req/s | ratio | vsee-sim p50 | baseline p50 "
             "| ratio | vsee-sim p99 | baseline p99 | ratio | errors |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for opname in ("GET /me", "POST /users/sso"):
        for conc in (1, 16):
            v, b = tput[("vsee", opname, conc)], tput[("baseline", opname, conc)]
            L.append(f"| {opname} | {conc} | {v['rps']:.0f} | {b['rps']:.0f} | {ratio(v['rps'], b['rps'])} "
                     f"| {v['p50_ms']:.2f} ms | {b['p50_ms']:.2f} ms | {ratio(v['p50_ms'], b['p50_ms'])} "
                     f"| {v['p99_ms']:.2f} ms | {b['p99_ms']:.2f} ms | {ratio(v['p99_ms'], b['p99_ms'])} "
                     f"| {v['errors']}/{b['errors']} |")
    L.append("")

    s, sb = startup["vsee"], startup["baseline"]
    L.append("## 2. Start-up")
    L.append("")
    L.append("Spawn of the server process to the first 200 of `/_sim/health` (polled every 5 ms).")
    L.append("")
    L.append("| server | median | min | max | runs | ratio to baseline |")
    L.append("|---|---:|---:|---:|---:|---:|")
    L.append(f"| vsee-sim serve (fixture {args.fixture}) | {s['median_s']:.3f} s | {s['min_s']:.3f} s "
             f"| {s['max_s']:.3f} s | {len(s['runs'])} | {ratio(s['median_s'], sb['median_s'])} |")
    L.append(f"| baseline (waitress + Flask) | {sb['median_s']:.3f} s | {sb['min_s']:.3f} s "
             f"| {sb['max_s']:.3f} s | {len(sb['runs'])} | 1.00x |")
    L.append("")

    r0, rm, rl = scale["rss_start_kib"], scale["rss_mem_kib"], scale["rss_large_kib"]
    L.append("## 3. Memory (VmRSS of the server process)")
    L.append("")
    L.append("| point | RSS | ratio to vsee-sim at start | ratio to baseline at start | per SSO user |")
    L.append("|---|---:|---:|---:|---:|")
    L.append(f"| baseline at start | {mib(sb['rss_kib'])} | {ratio(sb['rss_kib'], r0)} | 1.00x | |")
    L.append(f"| vsee-sim at start | {mib(r0)} | 1.00x | {ratio(r0, sb['rss_kib'])} | |")
    L.append(f"| vsee-sim after {scale['mem_users']} SSO users (target {memn}) | {mib(rm)} | {ratio(rm, r0)} "
             f"| {ratio(rm, sb['rss_kib'])} | {(rm - r0) / scale['mem_users']:.2f} KiB |")
    L.append(f"| vsee-sim after {scale['large_users']} SSO users | {mib(rl)} | {ratio(rl, r0)} "
             f"| {ratio(rl, sb['rss_kib'])} | {(rl - r0) / scale['large_users']:.2f} KiB |")
    L.append("")

    a, z = scale["small"], scale["large"]
    ub, ua = scale["users_before"], scale["users_after"]
    L.append(f"## 4. Scaling: {small} vs {large} users in one account")
    L.append("")
    L.append(f"Two vsee-sim servers side by side, one holding {small} SSO users in the account and one "
             f"{large}; {sizes['rounds']} rounds alternate between them, each round "
             f"{sizes['reads'] // sizes['rounds']} GET /me then {sizes['writes'] // sizes['rounds']} "
             "POST /users/sso (new code each) per server, at concurrency 1 with the http.client client; "
             "samples pooled per point. "
             f"Each write adds a user: the small point goes {ub['small']} -> {ua['small']} users, the large "
             f"{ub['large']} -> {ua['large']}. Ratio = large / small (1.00x is flat).")
    L.append("")
    L.append(f"| request | p50 @{small} | p50 @{large} | ratio | p99 @{small} | p99 @{large} | ratio "
             f"| mean @{small} | mean @{large} | ratio | max @{small} | max @{large} | samples | errors |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, name in (("read", "GET /me"), ("write", "POST /users/sso")):
        x, y = a[key], z[key]
        L.append(f"| {name} | {x['p50_ms']:.2f} ms | {y['p50_ms']:.2f} ms "
                 f"| {ratio(y['p50_ms'], x['p50_ms'])} "
                 f"| {x['p99_ms']:.2f} ms | {y['p99_ms']:.2f} ms | {ratio(y['p99_ms'], x['p99_ms'])} "
                 f"| {x['mean_ms']:.2f} ms | {y['mean_ms']:.2f} ms | {ratio(y['mean_ms'], x['mean_ms'])} "
                 f"| {x['max_ms']:.1f} ms | {y['max_ms']:.1f} ms | {x['n']}/{y['n']} "
                 f"| {x['errors'] + y['errors']} |")
    L.append("")
    L.append("Fills (POST /users/sso, concurrency 16, new code per request):")
    L.append("")
    L.append("| server | users | time | users/s | ratio to the first large fill's rate |")
    L.append("|---|---|---:|---:|---:|")
    first = next(f["rps"] for f in scale["fills"] if f["server"] == "large")
    for f in scale["fills"]:
        L.append(f"| {f['server']} | {f['from']} -> {f['to']} | {f['seconds']:.1f} s | {f['rps']:.0f} "
                 f"| {ratio(f['rps'], first)} |")
    total_fill = sum(f["seconds"] for f in scale["fills"] if f["server"] == "large")
    L.append(f"| large | total to {scale['large_users']} | {total_fill:.1f} s "
             f"| {scale['large_users'] / total_fill:.0f} | |")
    L.append("")

    peer_lines, peer_targets = peers.section(tput, startup, scale, sizes)
    L.extend(peer_lines)

    L.append("## Targets (benchmarks, not tests)")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---:|:---:|")

    def row(name: str, value: str, ok: bool) -> None:
        L.append(f"| {name} | {value} | {'yes' if ok else 'NO'} |")

    row("start-up under 1 s (median)", f"{s['median_s']:.3f} s", s["median_s"] < 1.0)
    for conc in (1, 16):
        v, b = tput[("vsee", "GET /me", conc)], tput[("baseline", "GET /me", conc)]
        row(f"GET /me >= 70% of baseline throughput (c={conc})", ratio(v["rps"], b["rps"]),
            v["rps"] >= 0.7 * b["rps"])
    for key, name in (("read", "GET /me"), ("write", "POST /users/sso")):
        for p in ("p50_ms", "p99_ms"):
            q = z[key][p] / a[key][p]
            row(f"{name} {p[:3]} at {large} within 20% of {small}", f"{q:.2f}x", q <= 1.2)
    for name, value, ok in peer_targets:
        row(name, value, ok)
    L.append("")
    return "\n".join(L) + "\n"
