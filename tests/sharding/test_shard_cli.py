"""A shard knows it is one (--shard: X-Sim-Shard, /_sim/health), and the CLI finds, lists,
drops, exports and imports namespaces across shards by the router's hash."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vsee_sim.app import create_app
from vsee_sim.cli import main
from vsee_sim.config import Settings, SettingsError
from vsee_sim.remote import Remote
from vsee_sim.serving.server import InThread
from vsee_sim.sharding.rules import Ring
from vsee_sim.sharding.service import Shards, ShardsError, parse_urls


@pytest.fixture(scope="module")
def shards():
    """Two shard servers of the minimal fixture, on threads of this process."""
    servers = [InThread(create_app({"FIXTURE": "minimal", "TICK_INTERVAL": 0, "SHARD": f"s{i}"}), threads=4)
               for i in (1, 2)]
    yield [s.url for s in servers]
    for server in servers:
        server.stop()


def _names_on(urls, index, count=2):
    ring = Ring(len(urls))
    names = (f"cli-{i}" for i in range(1000))
    return [n for n in names if ring.shard_of(n) == index][:count]


def test_every_response_of_a_shard_names_it():
    client = create_app({"FIXTURE": "minimal", "TICK_INTERVAL": 0, "SHARD": "shard-7"}).test_client()
    for path in ("/_sim/health", "/api_v3/me", "/api_v3/nowhere", "/docs/", "/ns/x/api_v3/me"):
        assert client.get(path).headers["X-Sim-Shard"] == "shard-7", path
    assert client.get("/_sim/health").get_json()["data"]["shard"] == "shard-7"


def test_a_lone_server_says_no_shard(app):
    resp = app.test_client().get("/_sim/health")
    assert "X-Sim-Shard" not in resp.headers and resp.get_json()["data"]["shard"] is None


@pytest.mark.parametrize("bad", ["a b", "-x", "x" * 65, "ü"])
def test_a_bad_shard_name_is_one_line(monkeypatch, bad):
    monkeypatch.setenv("VSEE_SIM_SHARD", bad)
    with pytest.raises(SettingsError, match="VSEE_SIM_SHARD"):
        Settings.from_env()
    monkeypatch.delenv("VSEE_SIM_SHARD")
    result = CliRunner().invoke(main, ["serve", "--shard", bad, "--port", "1"])
    assert result.exit_code == 1 and "--shard" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("text", "says"), [
    ("", "comma-separated"), ("ftp://x", "not an http"), ("http://a,http://a/", "listed twice"),
])
def test_a_bad_shards_list_says_what_to_change(text, says):
    with pytest.raises(ShardsError, match=says):
        parse_urls(text)
    result = CliRunner().invoke(main, ["shard-of", "ci-1", "--shards", text or ","])
    assert result.exit_code == 1 and says in result.output


def test_shard_of_prints_the_routers_choice():
    urls = "http://a:1,http://b:2,http://c:3"
    result = CliRunner().invoke(main, ["shard-of", "default", "ci-1", "--shards", urls])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["default\t1\thttp://a:1", "ci-1\t3\thttp://c:3"]
    bad = CliRunner().invoke(main, ["shard-of", "a b", "--shards", urls])
    assert bad.exit_code == 1 and "not a namespace name" in bad.output


def test_list_export_import_and_drop_across_shards(shards, tmp_path):
    first, second = _names_on(shards, 0, 1)[0], _names_on(shards, 1, 1)[0]
    for name in (first, second):
        Remote(Shards(shards).url_for(name), namespace=name).get("/_sim/health")
    stray = _names_on(shards, 1, 2)[1]                 # made on the wrong shard, by hand
    Remote(shards[0], namespace=stray).get("/_sim/health")
    runner, urls = CliRunner(), ",".join(shards)

    listed = runner.invoke(main, ["namespaces", "--shards", urls])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert f"{first}\ts1\tminimal" in lines and f"{second}\ts2\tminimal" in lines
    assert f"{stray}\ts1\tminimal  moved: the router sends it to {shards[1]}" in lines

    out = tmp_path / "state.json"
    exported = runner.invoke(main, ["export", "--shards", urls, "-n", second, "-o", str(out)])
    assert exported.exit_code == 0 and f"is on shard 2 ({shards[1]})" in exported.output
    assert json.loads(out.read_text()) == Remote(shards[1], namespace=second).get("/_sim/state").json()
    imported = runner.invoke(main, ["import", str(out), "--shards", urls, "-n", stray])
    assert imported.exit_code == 0 and f"imported into namespace {stray}" in imported.output
    assert Remote(shards[1], namespace=stray).get("/_sim/health").data["shard"] == "s2"

    dropped = runner.invoke(main, ["drop", second, "--shards", urls])
    assert dropped.exit_code == 0 and f"dropped namespace {second} on {shards[1]}" in dropped.output
    again = runner.invoke(main, ["drop", second, "--shards", urls])
    assert again.exit_code == 1 and "404" in again.output


def test_a_dead_shard_hides_only_its_own_namespaces(shards):
    name = _names_on(shards, 0, 1)[0]
    Remote(shards[0], namespace=name).get("/_sim/health")
    result = CliRunner().invoke(main, ["namespaces", "--shards", f"{shards[0]},http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert f"{name}\ts1\tminimal" in result.output
    assert "cannot reach the simulator at http://127.0.0.1:9" in result.output


def test_namespaces_of_one_server(vsee_live, vsee_server):
    result = CliRunner().invoke(main, ["namespaces", "--url", vsee_server])
    assert result.exit_code == 0 and f"{vsee_live.namespace}\t{vsee_server}\t" in result.output


def test_one_shard_listed_twice_is_named(shards):
    twice = shards[0].replace("127.0.0.1", "localhost")
    result = CliRunner().invoke(main, ["namespaces", "--shards", f"{shards[0]},{twice}"])
    assert result.exit_code == 1 and "are the same shard (s1): list each shard once" in result.output
