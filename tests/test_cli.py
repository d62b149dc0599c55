"""The vsee-sim command: routes, and refusing bad inputs before serving."""

from __future__ import annotations

from click.testing import CliRunner

from vsee_sim.cli import main


def test_routes_lists_every_api_route_with_its_base_paths():
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    sso = [line for line in lines if " /users/sso " in line]
    assert len(sso) == 1 and sso[0].startswith("POST")
    for base in ("/api_v3", "/vc/next/api_v3", "/vc/stable/api_v3", "/cc/<clinic>/api_v3", ".json"):
        assert base in sso[0]
    assert any(line.startswith("GET") and "/_sim/health" in line for line in lines)


def test_serve_refuses_an_unknown_fixture_in_one_line():
    result = CliRunner().invoke(main, ["serve", "--fixture", "no-such-clinic", "--port", "1"])
    assert result.exit_code == 1
    assert "cannot load the fixture" in result.output and "no-such-clinic" in result.output
    assert "Traceback" not in result.output


def test_openapi_document_can_be_printed_for_tools():
    result = CliRunner().invoke(main, ["openapi", "print"])
    assert result.exit_code == 0 and '"/api_v3/users/sso"' in result.output


def test_serve_refuses_a_fixture_that_is_not_one(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"accounts": [{"name": "no code"}]}')
    result = CliRunner().invoke(main, ["serve", "--fixture", str(bad), "--port", "1"])
    assert result.exit_code == 1 and "has no 'code'" in result.output


def test_routes_lists_the_portal_once_with_its_base_paths():
    lines = CliRunner().invoke(main, ["routes"]).output.splitlines()
    auth = [line for line in lines if "/auth" in line]
    assert len(auth) == 1 and "/vc/next" in auth[0] and "/vc/stable" in auth[0] and "/ns/<name>" in auth[0]
    assert not [line for line in lines if line.split()[1].startswith("/vc/")]
