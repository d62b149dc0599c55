"""The vsee-sim command: routes, and refusing bad inputs before serving."""

from __future__ import annotations

import pytest
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


def test_help_and_usage_errors_need_no_fixture(monkeypatch, tmp_path):
    # A user's machine with no fixtures anywhere: help still answers, nothing is built.
    monkeypatch.setattr("vsee_sim.config.fixture_path", lambda name: (_ for _ in ()).throw(AssertionError))
    monkeypatch.chdir(tmp_path)
    for args in (["--help"], ["serve", "--help"], ["routes", "--help"], ["openapi", "print", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Usage:" in result.output, args


def test_a_seed_out_of_range_is_refused_with_the_server_bound():
    result = CliRunner().invoke(main, ["serve", "--seed", str(2**64), "--port", "1"])
    assert result.exit_code == 2 and "--seed" in result.output
    assert "9223372036854775807" in result.output and "Traceback" not in result.output
    # the bound itself is accepted by the CLI (the server's state checks take it too)
    from vsee_sim.control.state import checks

    checks.seed(2**63 - 1)
    with pytest.raises(checks.Bad, match=r"and 9223372036854775807$"):  # the server names the same bound
        checks.seed(2**63)


def test_a_seed_out_of_range_in_the_environment_is_one_line(monkeypatch):
    monkeypatch.setenv("VSEE_SIM_SEED", str(2**63))
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 1 and result.output.startswith("Error: VSEE_SIM_SEED='9223372036854775808'")
    assert "9223372036854775807" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("VSEE_SIM_MAX_NAMESPACES", "1", "at least 2"),
    ("VSEE_SIM_JOURNAL_BYTES", "abc", "not an integer"),
    ("VSEE_SIM_FLUSH_INTERVAL", "-1", "at least 0.01"),
    ("VSEE_SIM_TICK_INTERVAL", "x", "not a number"),
    ("VSEE_SIM_WEBHOOK_SENDERS", "0", "at least 1"),
    ("VSEE_SIM_HEADER_TIMEOUT", "nan", "a finite number"),
    ("VSEE_SIM_TICK_INTERVAL", "inf", "a finite number"),
    ("VSEE_SIM_DATA", "/no/such/dir/state.json", "does not exist"),
])
def test_a_bad_setting_in_the_environment_is_one_line_naming_it(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"Error: {variable}=") and says in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--threads", "0"], ["--port", "70000"], ["--port", "-1"]])
def test_flags_out_of_range_are_refused_before_serving(args):
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2 and "is not in the range" in result.output and "serving on" not in result.output


def test_routes_and_openapi_take_a_fixture_path(tmp_path):
    from vsee_sim.config import fixture_path

    path = tmp_path / "clinic.json"
    path.write_text(fixture_path("minimal").read_text())
    assert CliRunner().invoke(main, ["routes", "--fixture", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["openapi", "print", "--fixture", "no-such"])
    assert result.exit_code == 1 and "cannot load the fixture" in result.output
