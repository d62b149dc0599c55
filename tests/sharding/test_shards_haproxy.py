"""Real HAProxy (deploy/haproxy.cfg as shipped) in front of real shard processes on loopback
(marker ``shards``: .ci/stages/60-shards; deselected from the default run).

- affinity: 1,000 names, by header and by /ns/ prefix, land on the shard the CLI's ring names,
  and the shard serves the namespace under the same name;
- a dead shard costs only its own namespaces: a 503 in VSee's error shape, not a hang;
- the CLI lists what was made through the router, each namespace on its own shard.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vsee_sim.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import shards as lab  # noqa: E402  bench/shards.py: Cluster (shards + HAProxy on free ports)

pytestmark = pytest.mark.shards


@pytest.fixture(scope="module", autouse=True)
def _haproxy():
    if not shutil.which("haproxy"):
        if os.environ.get("CI"):
            pytest.fail("haproxy is not installed (.ci/stages/60-shards installs it)")
        pytest.skip("haproxy is not installed (apt-get install -y haproxy)")


def _names(count: int) -> list[str]:
    """Names of every shape the rule allows: cases, dots, dashes, underscores, 1 to 64 long."""
    tail = "abcXYZ019._-"
    return [f"{'Nn'[i % 2]}{i}{tail[: i % 12]}{'q' * (i % 50)}"[:64] for i in range(count)]


def _health(port: int, path: str, headers: dict) -> tuple[str, str]:
    status, got, body = lab.get(port, path, headers)
    assert status == 200, body
    return got.get("X-Sim-Shard"), json.loads(body)["data"]["namespace"]


def test_a_thousand_names_land_where_the_cli_says(tmp_path):
    with lab.Cluster(3, tmp_path, fixture="minimal") as cluster:
        port = cluster.port
        assert _health(port, "/_sim/health", {}) == (cluster.expected("default"), "default")
        assert _health(port, "/_sim/health", {"X-Sim-Namespace": ""})[0] == cluster.expected("default")
        wrong = []
        for i, name in enumerate(_names(1000)):
            by_header = _health(port, "/_sim/health", {"X-Sim-Namespace": name})
            prefix = f"/ns/{name}/_sim/health" if i % 2 else f"//ns//{name}//_sim/health"
            by_prefix = _health(port, prefix, {"X-Sim-Namespace": "ignored"} if i % 3 == 0 else {})
            want = (cluster.expected(name), name)
            if by_header != want or by_prefix != want:
                wrong.append((name, want, by_header, by_prefix))
        assert not wrong, wrong[:5]
        # A drop goes to the shard of the namespace dropped, whatever the request's own namespace.
        for name in _names(20):
            status, got, body = lab.get(port, f"/_sim/namespaces/{name}", {"X-Sim-Namespace": "other"}, method="DELETE")
            assert (status, got.get("X-Sim-Shard")) == (200, cluster.expected(name)), body


def test_four_shards_agree_too_and_the_cli_lists_them(tmp_path):
    with lab.Cluster(4, tmp_path, fixture="minimal") as cluster:
        names = _names(200)
        for name in names:
            assert _health(cluster.port, f"/ns/{name}/_sim/health", {}) == (cluster.expected(name), name)
        urls = ",".join(f"http://{lab.HOST}:{s.port}" for s in cluster.shards)
        result = CliRunner().invoke(main, ["namespaces", "--shards", urls])
        assert result.exit_code == 0, result.output
        listed = dict(line.split("\t")[:2] for line in result.output.splitlines())
        assert all(listed[name] == cluster.expected(name) for name in names)
        assert "moved" not in result.output


def test_a_dead_shard_costs_only_its_own_namespaces(tmp_path):
    names = _names(90)
    with lab.Cluster(3, tmp_path, fixture="minimal") as cluster:
        for name in names:
            _health(cluster.port, "/_sim/health", {"X-Sim-Namespace": name})
        victim = cluster.shards[1]
        victim.proc.kill()
        victim.proc.wait(timeout=10)
        dead = [n for n in names if cluster.expected(n) == "shard-2"]
        live = [n for n in names if n not in dead]
        assert dead and live
        for name in live:
            assert _health(cluster.port, "/_sim/health", {"X-Sim-Namespace": name})[0] == cluster.expected(name)
        for name in dead:   # a hang would end in the client's 10 s timeout and fail here
            status, headers, body = lab.get(cluster.port, f"/ns/{name}/api_v3/me")
            assert status == 503 and headers["Content-Type"] == "application/json", body
            payload = json.loads(body)
            assert payload["code"] == 503 and name in payload["message"], payload
        victim.start().wait_healthy()          # back on its port: its namespaces answer again
        assert _health(cluster.port, "/_sim/health", {"X-Sim-Namespace": dead[0]}) == ("shard-2", dead[0])


def test_nginx_routes_by_namespace_as_the_cli_computes_with_router_nginx(tmp_path):
    if not shutil.which("nginx"):
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/stages/60-shards installs it)")
        pytest.skip("nginx is not installed (apt-get install -y nginx-light)")
    with lab.Cluster(3, tmp_path, fixture="minimal", router="nginx") as cluster:
        assert _health(cluster.port, "/_sim/health", {}) == (cluster.expected("default"), "default")
        wrong = []
        for i, name in enumerate(_names(1000)):
            by_header = _health(cluster.port, "/_sim/health", {"X-Sim-Namespace": name})
            by_prefix = _health(cluster.port, f"/ns/{name}/_sim/health" if i % 2 else f"//ns//{name}//_sim/health", {})
            if not by_header == by_prefix == (cluster.expected(name), name):
                wrong.append((name, cluster.expected(name), by_header, by_prefix))
        assert not wrong, wrong[:5]
        urls = ",".join(f"http://{s}" for s in cluster.router.servers)
        result = CliRunner().invoke(main, ["shard-of", "ci-1", "ci-2", "--router", "nginx", "--shards", urls])
        assert [line.split("\t")[1] for line in result.output.splitlines()] == [
            cluster.expected("ci-1")[-1], cluster.expected("ci-2")[-1]]
        cluster.shards[0].proc.kill()
        cluster.shards[0].proc.wait(timeout=10)
        dead = next(n for n in _names(50) if cluster.expected(n) == "shard-1")
        status, headers, body = lab.get(cluster.port, "/api_v3/me", {"X-Sim-Namespace": dead})
        assert status == 503 and json.loads(body)["code"] == 503 and dead in json.loads(body)["message"]


def test_the_readmes_sharding_example_runs_as_written(tmp_path):
    import contextlib
    import re
    import signal
    import subprocess

    root = Path(__file__).resolve().parents[2]
    block = next(b for b in re.findall(r"```bash\n(.*?)```", (root / "README.md").read_text(), flags=re.S)
                 if "--shard shard-1" in b)
    ports = {p: str(lab.run.free_port()) for p in ("8000", "8001", "8002")}
    script = re.sub(r"(?<=[:\s])(800[012])\b", lambda m: ports[m.group(1)], block)
    script = script.replace("deploy/haproxy.cfg", str(root / "deploy" / "haproxy.cfg"))
    env = {**os.environ, "VSEE_SIM_ROUTER_BIND": f"127.0.0.1:{ports['8000']}",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = tmp_path / "out.log"
    with log.open("w") as sink:    # a file: the servers left running keep a pipe open forever
        proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        proc.wait(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):   # the servers it left running: its own session only
            os.killpg(proc.pid, signal.SIGTERM)
    out = log.read_text()
    assert proc.returncode == 0, out
    assert re.search(r"x-sim-shard: shard-1\s+x-sim-shard: shard-2", out), out
    assert re.search(r"^ci-1\tshard-1\tdemo$", out, re.M) and re.search(r"^ci-2\tshard-2\tdemo$", out, re.M), out
