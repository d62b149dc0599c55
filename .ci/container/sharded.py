"""deploy/compose-sharded.yml run for real with podman-compose: HAProxy + 3 shards (issue 15).

Run by .ci/stages/70-compose-shards after setup-podman.sh, base.sh and haproxy.sh; standard
library only (reuses check.py's podman helpers).

    VSEE_SIM_BASE=<image> VSEE_SIM_HAPROXY_IMAGE=<image> python3 .ci/container/sharded.py

The compose file is used as shipped; the only differences from a user's `docker compose up` are
environment variables it documents: VSEE_SIM_HAPROXY_IMAGE (the router: a stand-in for the
official haproxy:2.6, built from Debian's haproxy package, since no image registry is
reachable here), VSEE_SIM_BASE (the simulator's base, as in 50-image) and VSEE_SIM_HOST_PORT
(``127.0.0.1:<free port>``: the router published on loopback only). podman-compose 1.0.3 does
not know ``profiles``, so the services are named on the command line (the same set as
``--profile check``).

1. The simulator image: the one 50-image built and handed over for this commit
   (``localhost/vsee-sim:ci-<commit>``, a clean checkout only), else built here.
2. ``podman-compose up -d``: shard-1..3, the router, the compose client (through the router:
   it must exit 0).
3. Affinity: NAMES namespaces, by ``X-Sim-Namespace`` and by ``/ns/<name>/`` prefix, twice
   each: every answer 200 from the shard ``vsee-sim shard-of`` (run in a shard container, with
   the shards' URLs on the compose network) names, serving that namespace by that name.
4. Browser paths under ``/ns/<name>/`` (landing page, portal, Swagger UI) reach the same shard.
5. ``vsee-sim namespaces --shards ...`` (in a shard container) lists every namespace on its shard.
6. ``podman kill`` of shard-2: its namespaces get the router's 503 in VSee's JSON, with
   Retry-After, within a few seconds (``timeout connect``: the dead container's address is gone,
   so nothing refuses the connection); the other shards' namespaces still answer. Then
   ``podman start``: the shard comes back on a new address and gets its namespaces again.
7. No container log has an ERROR, CRITICAL or Traceback line; ``podman-compose down -v``;
   every container, volume, network and image made here is removed (the base and the router
   stand-in stay cached).
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check import CA_BUNDLE, ROOT, Failed, check_log, commit_image, free_port, images, layers, podman, say  # noqa: E402

COMPOSE_FILE = "deploy/compose-sharded.yml"
SHARDS = ["shard-1", "shard-2", "shard-3"]
SHARD_URLS = ",".join(f"http://{name}:8000" for name in SHARDS)  # as the compose file's comment says
SERVICES = [*SHARDS, "router", "client"]
IMAGE, CLIENT_IMAGE = "vsee-sim:local", "vsee-sim-compose-client:local"  # the compose file's names
NAMES = 300
VICTIM = "shard-2"
UP_WITHIN = 120          # seconds for every shard to answer through the router
DEAD_WITHIN = 5.0        # seconds for a dead shard's 503 (timeout connect is 2 s)
BACK_WITHIN = 60         # seconds for a restarted shard to get its namespaces again
PROJECT = f"vseeshards{os.getpid()}"
figures: dict[str, str] = {}


def simulator_image() -> None:
    image = commit_image()
    if image and podman("image", "exists", image, check=False).returncode == 0:
        podman("tag", image, IMAGE)
        figures["simulator image"] = f"{image} (built by 50-image)"
        return
    base = os.environ.get("VSEE_SIM_BASE") or sys.exit("sharded: set VSEE_SIM_BASE (the base image)")
    build = ["build", "--format", "docker", "--network", "host", "--build-arg", f"BASE={base}",
             "-t", IMAGE, "."]
    if os.path.exists(CA_BUNDLE):
        build[1:1] = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
    say("podman " + shlex.join(build))
    t = time.monotonic()
    done = subprocess.run(["podman", *build], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise Failed(f"the image build failed:\n{done.stdout[-6000:]}{done.stderr[-4000:]}")
    figures["simulator image"] = f"built here in {time.monotonic() - t:.0f} s (nothing handed over)"


# ---------------------------------------------------------------- HTTP through the router

def get(port: int, path: str, namespace: str | None = None) -> tuple[int, dict, bytes, float]:
    """(status, headers, body, seconds); no redirects followed; bounded by a 10 s timeout."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    t = time.monotonic()
    try:
        conn.request("GET", path, headers={"X-Sim-Namespace": namespace} if namespace else {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.monotonic() - t
    except OSError as exc:
        return 0, {}, repr(exc).encode(), time.monotonic() - t
    finally:
        conn.close()


def served_by(port: int, path: str, namespace: str | None = None) -> tuple[str | None, str | None]:
    """(X-Sim-Shard, the namespace /_sim/health says it served) of a 200, else fails."""
    status, headers, body, _ = get(port, path, namespace)
    if status != 200:
        raise Failed(f"GET {path} (namespace {namespace}) through the router: {status} {body[:300]!r}")
    return headers.get("x-sim-shard"), json.loads(body)["data"]["namespace"]


# ---------------------------------------------------------------- the stack

def compose(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    argv = ["podman-compose", "-p", PROJECT, "-f", COMPOSE_FILE, *args]
    done = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Failed(f"{shlex.join(argv)} exited {done.returncode}:\n"
                     f"{done.stdout[-6000:]}{done.stderr[-3000:]}")
    return done


def container(service: str) -> str:
    return f"{PROJECT}_{service}_1"  # podman-compose 1.0.3's naming


def cli(*args: str) -> str:
    """The vsee-sim CLI of the image, in shard-1's container (on the compose network)."""
    return podman("exec", container("shard-1"), "vsee-sim", *args, timeout=60).stdout


def wait_up(port: int, owner: dict[str, str]) -> None:
    """Every shard answers through the router (shards take a second or two to start)."""
    one_each = {shard: next(n for n, s in owner.items() if s == shard) for shard in SHARDS}
    deadline = time.monotonic() + UP_WITHIN
    t = time.monotonic()
    while one_each:
        for shard, name in list(one_each.items()):
            if get(port, "/_sim/health", name)[0] == 200:
                del one_each[shard]
        if one_each and time.monotonic() > deadline:
            raise Failed(f"not answering through the router after {UP_WITHIN} s: {sorted(one_each)}")
        if one_each:
            time.sleep(0.25)
    took = time.monotonic() - t
    figures["up"] = f"all 3 shards answering through the router {took:.1f} s after `up -d` returned"


def check_client() -> None:
    name = container("client")
    done = podman("wait", name, timeout=150)
    log = podman("logs", name)
    out = log.stdout + log.stderr
    if done.stdout.strip() != "0" or "signed in as user" not in out:
        raise Failed(f"the compose client exited {done.stdout.strip()}:\n{out[-3000:]}")
    said = next(line for line in out.splitlines() if "signed in as user" in line)
    say(f"compose client through the router: {said}")


# ---------------------------------------------------------------- the checks

def names() -> list[str]:
    tail = "abcXYZ019._-"
    return [f"{'Cc'[i % 2]}i{i}{tail[: i % 12]}" for i in range(NAMES)]


def ring(all_names: list[str]) -> dict[str, str]:
    """name -> shard, from `vsee-sim shard-of NAME... --shards URL,URL,URL` (no request sent)."""
    owner = {}
    for line in cli("shard-of", *all_names, "--shards", SHARD_URLS).splitlines():
        name, index, _url = line.split("\t")
        owner[name] = SHARDS[int(index) - 1]
    if sorted(owner) != sorted(all_names):
        raise Failed(f"shard-of answered for {len(owner)} of {len(all_names)} names")
    counts = {shard: list(owner.values()).count(shard) for shard in SHARDS}
    if min(counts.values()) == 0:
        raise Failed(f"the ring gives a shard nothing: {counts}")
    figures["spread"] = ", ".join(f"{s} {n}" for s, n in counts.items()) + f" of {len(all_names)} names"
    return owner


def check_affinity(port: int, owner: dict[str, str]) -> None:
    wrong = []
    for round_ in range(2):
        for name, shard in owner.items():
            for path, header in (("/_sim/health", name), (f"/ns/{name}/_sim/health", None)):
                got = served_by(port, path, header)
                if got != (shard, name):
                    wrong.append((round_, path, header, got, shard))
    if wrong:
        raise Failed(f"{len(wrong)} answers not from the shard shard-of names, e.g. {wrong[:5]}")
    say(f"affinity: {4 * len(owner)} requests of {len(owner)} namespaces, each from the shard shard-of names")


def check_browser_paths(port: int, owner: dict[str, str]) -> None:
    checked = 0
    for name in list(owner)[:30]:
        for path in (f"/ns/{name}/", f"/ns/{name}/vc/next/", f"/ns/{name}/docs", f"/ns/{name}/docs/"):
            status, headers, body, _ = get(port, path)
            if status >= 400 or headers.get("x-sim-shard") != owner[name]:
                raise Failed(f"GET {path}: {status} from {headers.get('x-sim-shard')}, "
                             f"not from {owner[name]}: {body[:200]!r}")
            checked += 1
    say(f"browser paths: {checked} landing, portal and /docs pages under /ns/<name>/, each from its shard")


def check_listing(owner: dict[str, str]) -> None:
    listed = {}
    for line in cli("namespaces", "--shards", SHARD_URLS).splitlines():
        cells = line.split("\t")
        if "moved" in line and cells[0] != "default":
            raise Failed(f"a namespace is on a shard the ring does not send it to: {line}")
        listed[cells[0]] = cells[1]
    mislisted = {n: (listed.get(n), s) for n, s in owner.items() if listed.get(n) != s}
    if mislisted:
        raise Failed(f"`vsee-sim namespaces --shards` lists {len(mislisted)} names wrongly, e.g. "
                     f"{list(mislisted.items())[:5]}")
    say(f"vsee-sim namespaces --shards: {len(listed)} names, the {len(owner)} made here on their shards")


def check_dead_shard(port: int, owner: dict[str, str]) -> None:
    dead = [n for n, s in owner.items() if s == VICTIM][:20]
    alive = [n for n, s in owner.items() if s != VICTIM][:20]
    podman("kill", container(VICTIM), timeout=30)
    with ThreadPoolExecutor(len(dead)) as pool:  # at once: each waits out `timeout connect`
        answers = list(pool.map(lambda name: get(port, f"/ns/{name}/api_v3/me.json"), dead))
    slowest = max(took for *_, took in answers)
    for name, (status, headers, body, took) in zip(dead, answers, strict=True):
        try:
            error = json.loads(body)
        except ValueError:
            error = None
        json_503 = (status == 503 and isinstance(error, dict) and error.get("code") == 503
                    and set(error) == {"code", "message"} and name in str(error["message"])
                    and headers.get("content-type", "").startswith("application/json"))
        if not json_503 or headers.get("retry-after") != "1" or took > DEAD_WITHIN:
            raise Failed(f"namespace {name} of the killed {VICTIM}: {status} in {took:.2f} s, "
                         f"{headers}, {body[:300]!r}")
    for name in alive:
        if served_by(port, f"/ns/{name}/_sim/health") != (owner[name], name):
            raise Failed(f"namespace {name} of {owner[name]} is not served with {VICTIM} dead")
    figures["dead shard"] = (f"{len(dead)} of its namespaces got 503 JSON in at most {slowest:.2f} s "
                             f"(timeout connect 2 s); {len(alive)} of the others 200")
    say(f"{VICTIM} killed: {figures['dead shard']}")

    podman("start", container(VICTIM), timeout=60)
    t = time.monotonic()
    while True:
        status, headers, _, _ = get(port, f"/ns/{dead[0]}/_sim/health")
        if status == 200 and headers.get("x-sim-shard") == VICTIM:
            break
        if time.monotonic() - t > BACK_WITHIN:
            raise Failed(f"{VICTIM} restarted, but its namespace {dead[0]} still gets {status} "
                         f"after {BACK_WITHIN} s")
        time.sleep(0.25)
    back = time.monotonic() - t
    figures["restarted shard"] = f"its namespaces served by {VICTIM} again {back:.1f} s after `podman start`"
    for name in dead + alive:
        if served_by(port, "/_sim/health", name) != (owner[name], name):
            raise Failed(f"after the restart, namespace {name} is not on {owner[name]}")
    say(f"{VICTIM} restarted: {figures['restarted shard']}; no namespace moved")


# ---------------------------------------------------------------- run, clean up

ENV: dict[str, str] = {}


def clean_up(before: set[str], keep: set[str]) -> None:
    subprocess.run(["podman-compose", "-p", PROJECT, "-f", COMPOSE_FILE, "down", "-v", "-t", "2"],
                   cwd=ROOT, env=ENV, capture_output=True, timeout=180)
    label = f"label=io.podman.compose.project={PROJECT}"
    for name in podman("ps", "-a", "--filter", label, "--format", "{{.Names}}", check=False).stdout.split():
        podman("rm", "--force", "--volumes", "--time", "2", name, check=False, timeout=60)
    volumes = podman("volume", "ls", "--filter", label, "--format", "{{.Name}}", check=False).stdout.split()
    for volume in volumes:
        podman("volume", "rm", "--force", volume, check=False)
    podman("network", "rm", "--force", f"{PROJECT}_default", check=False)
    # The handed-over image too: it was made for this stage only.
    handed = commit_image()
    for tag in (IMAGE, CLIENT_IMAGE, *([handed] if handed else [])):
        if podman("image", "exists", tag, check=False).returncode == 0:
            podman("rmi", "--force", tag, check=False, timeout=120)
    for _ in range(3):  # what the builds made: children before parents
        for image in images() - before - keep:
            podman("rmi", image, check=False, timeout=120)


def image_ids(*names: str) -> set[str]:
    ids = set()
    for name in names:
        found = podman("image", "inspect", "--format", "{{.Id}}", name, check=False).stdout.strip()
        ids |= {found, f"sha256:{found}"} if found else set()
    return ids


def main() -> int:
    router = os.environ.get("VSEE_SIM_HAPROXY_IMAGE") or sys.exit("sharded: set VSEE_SIM_HAPROXY_IMAGE")
    port = free_port()
    ENV.update(os.environ, VSEE_SIM_HOST_PORT=f"127.0.0.1:{port}", VSEE_SIM_HAPROXY_IMAGE=router)
    all_names = names()
    before, keep = images(), image_ids(router, os.environ.get("VSEE_SIM_BASE", ""))
    handed = commit_image()
    if handed and podman("image", "exists", handed, check=False).returncode == 0:  # removed after use
        before -= layers(handed)
    try:
        simulator_image()
        t = time.monotonic()
        compose("up", "-d", *SERVICES)
        figures["up -d"] = f"{time.monotonic() - t:.1f} s"
        owner = ring(all_names)
        wait_up(port, owner)
        check_client()
        check_affinity(port, owner)
        check_browser_paths(port, owner)
        check_listing(owner)
        check_dead_shard(port, owner)
        for service in SERVICES:
            check_log(container(service))
    except (Failed, subprocess.TimeoutExpired) as exc:
        print(f"sharded: FAILED: {exc}", file=sys.stderr)
        for service in SERVICES:
            log = podman("logs", "--tail", "40", container(service), check=False)
            print(f"--- log of {service} (last 40 lines)\n{log.stdout}{log.stderr}", file=sys.stderr)
        return 1
    finally:
        clean_up(before, keep)
    for key, value in figures.items():
        say(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
