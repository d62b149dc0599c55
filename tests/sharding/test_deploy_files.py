"""deploy/: the routers' configs, the sharded compose file and the Kubernetes manifests agree
with each other and with the CLI's ring, read as files (no engine, no network). The engines'
own checks (haproxy -c, nginx -t, kubernetes-validate) run in .ci/stages/60-shards."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from vsee_sim.sharding.rules import BE_WEIGHT_SCALE, WEIGHT

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
HAPROXY = (DEPLOY / "haproxy.cfg").read_text()
NGINX = (DEPLOY / "nginx.conf").read_text()


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()) if d]


def _haproxy_lines() -> list[str]:
    return [line.split("#")[0].strip() for line in HAPROXY.splitlines() if line.split("#")[0].strip()]


def test_haproxy_hashes_as_the_cli_does():
    lines = _haproxy_lines()
    assert "balance hash var(txn.ns)" in lines
    assert "hash-type consistent sdbm avalanche" in lines
    assert any(line.startswith(f"default-server weight {WEIGHT} ") for line in lines)
    assert BE_WEIGHT_SCALE == 16
    servers = [line for line in lines if line.startswith("server ")]
    assert servers == [f'server shard-{i} "${{VSEE_SIM_SHARD_{i}}}" id {i}' for i in range(1, 9)]
    # A namespace never moves to another shard: no health check, no redispatch.
    assert not any(" check" in line or "redispatch" in line for line in lines)
    assert "retries 0" in lines


def test_haproxy_errors_are_vsee_error_bodies():
    for status in (502, 503, 504):
        line = next(x for x in _haproxy_lines() if x.startswith(f"http-error status {status} "))
        assert "content-type application/json" in line
        assert f"'{{\"code\":{status},\"message\":\"" in line and "json(utf8s)" in line


def test_nginx_never_moves_a_namespace():
    servers = re.findall(r"^\s*server (shard-\d+:8000)(.*);", NGINX, re.M)
    assert [s for s, _ in servers] == ["shard-1:8000", "shard-2:8000", "shard-3:8000"]
    assert all("max_fails=0" in rest and "weight" not in rest for _, rest in servers)
    assert "hash $vsee_ns consistent;" in NGINX and "proxy_next_upstream off;" in NGINX
    assert "return 503 '{\"code\":503,\"message\":" in NGINX


def test_compose_shards_are_named_with_their_own_volume_and_router_entry():
    compose = yaml.safe_load((DEPLOY / "compose-sharded.yml").read_text())
    services = compose["services"]
    shards = sorted(name for name in services if name.startswith("shard-"))
    assert shards == ["shard-1", "shard-2", "shard-3"]
    env = services["router"]["environment"]
    for i, name in enumerate(shards, 1):
        command = services[name]["command"]
        assert command[command.index("--shard") + 1] == name and "--data" in command
        assert services[name]["volumes"] == [f"{name}-data:/data"] and f"{name}-data" in compose["volumes"]
        assert env[f"VSEE_SIM_SHARD_{i}"] == f"{name}:8000"
    assert len(env) == len(shards)
    assert services["router"]["volumes"] == ["./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"]
    single = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())
    assert services["shard-1"]["healthcheck"]["test"] == single["services"]["vsee-sim"]["healthcheck"]["test"]


def test_kubernetes_router_config_is_haproxy_cfg_and_names_every_pod():
    (config,) = _docs("router-configmap.yaml")
    assert config["data"]["haproxy.cfg"] == HAPROXY
    (stateful,) = _docs("shards-statefulset.yaml")
    deployment = next(d for d in _docs("router.yaml") if d["kind"] == "Deployment")
    env = {e["name"]: e["value"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    replicas, service = stateful["spec"]["replicas"], stateful["spec"]["serviceName"]
    namespace = stateful["metadata"]["namespace"]
    assert env == {f"VSEE_SIM_SHARD_{n + 1}": f"vsee-sim-{n}.{service}.{namespace}.svc.cluster.local:8000"
                   for n in range(replicas)}
    (headless,) = _docs("shards-service.yaml")
    assert headless["spec"]["clusterIP"] == "None" and headless["metadata"]["name"] == service
    container = stateful["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "VSEE_SIM_SHARD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} in container["env"]
    assert "--data" in container["args"] and stateful["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
