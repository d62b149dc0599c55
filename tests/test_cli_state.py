"""vsee-sim export / import against a running simulator (the plugin's live server)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vsee_sim.cli import main

DEMO = {"X-ApiToken": "6366a7018a39536a1ef4b63626f8e734"}


def test_export_then_import_moves_a_namespace(vsee_live, vsee_server, tmp_path):
    vsee_live.freeze(1767225600)
    body = {"type": 200, "code": "cli-export", "first_name": "Ex", "last_name": "Port", "email": "ex@example.com"}
    made = vsee_live.client.post("/api_v3/users/sso", body,
                                 headers={"X-ApiKey": "vclinic_api_key", "X-AccountCode": "vclinic"}).data
    out = tmp_path / "state.json"
    result = CliRunner().invoke(main, ["export", "--url", vsee_server, "-n", vsee_live.namespace, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == vsee_live.export()

    target = f"{vsee_live.namespace}-copy"
    result = CliRunner().invoke(main, ["import", str(out), "--url", vsee_server, "-n", target])
    assert result.exit_code == 0, result.output
    assert f"imported into namespace {target}" in result.output
    from vsee_sim.remote import Remote

    copy = Remote(vsee_server, namespace=target)
    assert copy.get("/api_v3/me", headers={"X-ApiToken": made["token"]["token"]}).data["id"] == made["id"]
    assert copy.get("/_sim/clock").data["now"] == 1767225600


def test_import_of_a_bad_file_says_why(vsee_live, vsee_server, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    result = CliRunner().invoke(main, ["import", str(bad), "--url", vsee_server, "-n", vsee_live.namespace])
    assert result.exit_code == 1 and "refused it (400)" in result.output
    assert vsee_live.client.get("/api_v3/me", headers=DEMO).status == 200  # namespace untouched


def test_export_from_nowhere_is_one_line():
    result = CliRunner().invoke(main, ["export", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "cannot reach the simulator at http://127.0.0.1:9" in result.output
    assert "is `vsee-sim serve` running there?" in result.output and "VSEE_SIM_URL" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
