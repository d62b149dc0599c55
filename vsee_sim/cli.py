"""The ``vsee-sim`` command: click, through Flask's CLI.

``vsee-sim serve`` runs gunicorn (one process, gthread: the state lives in memory,
so there is exactly one worker) with the demo clinic loaded by default.
``vsee-sim routes`` lists every route with the base paths it answers under.
"""

from __future__ import annotations

import os

import click
from flask.cli import FlaskGroup

from vsee_sim import __version__
from vsee_sim.core.http import BASE_PATHS


def _create_app():
    from vsee_sim.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
@click.version_option(__version__, prog_name="vsee-sim")
def main() -> None:
    """vsee-sim: a faithful, stateful simulator of the VSee Clinic API (api_v3)."""


# The app is ours: Flask's --app, --env-file and --debug options would only confuse.
main.params = [p for p in main.params if p.name not in ("app", "env_file", "debug")]


@main.command("serve")
@click.option("--host", default=lambda: os.environ.get("VSEE_SIM_HOST", "127.0.0.1"),
              show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("VSEE_SIM_PORT", "8000")), type=int,
              show_default="8000")
@click.option("--fixture", default=None, help="Fixture name (demo, minimal) or path. Default: demo.")
@click.option("--data", "data", default=None, type=click.Path(dir_okay=False),
              help="Persist every namespace to this TinyDB JSON file (loaded at start).")
@click.option("--seed", default=None, type=int, help="Seed for ids, tokens and fault draws.")
@click.option("--threads", default=8, show_default=True, type=int, help="gunicorn gthread threads.")
@click.option("--no-control", is_flag=True, help="Switch the /_sim control plane off.")
@click.option("--quiet", is_flag=True, help="No access log.")
def serve(host, port, fixture, data, seed, threads, no_control, quiet):
    """Serve the simulator with gunicorn (gthread), one log line per request."""
    from gunicorn.app.base import BaseApplication

    _check_inputs(fixture, data)
    overrides = {"FIXTURE": fixture, "DATA": data, "SEED": seed}
    if no_control:
        overrides["CONTROL"] = False

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)  # state is in this process's memory
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 5)
            self.cfg.set("accesslog", None if quiet else "-")
            self.cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms ns=%({x-sim-namespace}i)s')
            self.cfg.set("errorlog", "-")
            self.cfg.set("post_worker_init", _announce_ready)

        def load(self):
            from vsee_sim.app import create_app

            return create_app(overrides)

    click.echo(f"vsee-sim: serving on http://{host}:{port}/api_v3/ (docs: http://{host}:{port}/docs)")
    Server().run()


def _announce_ready(worker) -> None:
    """One line once the app is loaded and requests are answered: what a supervisor (or a
    test) can wait for instead of polling."""
    worker.log.info("vsee-sim: ready (worker %s)", worker.pid)


def _check_inputs(fixture: str | None, data: str | None) -> None:
    """Refuse to start on a bad fixture or data file, in one line, before gunicorn forks."""
    from vsee_sim.config import load_fixture
    from vsee_sim.core.persistence import read_datafile
    from vsee_sim.core.store import validate_fixture

    try:
        validate_fixture(load_fixture(fixture or os.environ.get("VSEE_SIM_FIXTURE", "demo")))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load the fixture: {exc}") from None
    if data and os.path.exists(data):
        try:
            read_datafile(data)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None


@main.command("routes")
def routes():
    """Every route, with the base paths it answers under."""
    from flask import current_app

    rows = []
    for rule in current_app.url_map.iter_rules():
        methods = ",".join(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
        path = rule.rule
        if path.startswith("/api_v3/"):
            rest = path[len("/api_v3"):]
            bases = " ".join(BASE_PATHS) + "  (+ .json, + /ns/<name>)"
            rows.append((rest, methods, bases))
        elif not path.startswith("/docs/static") and rule.endpoint != "static":
            rows.append((path, methods, "(+ /ns/<name>)" if path.startswith("/_sim") else ""))
    width = max(len(r[0]) for r in rows)
    for rest, methods, bases in sorted(rows):
        click.echo(f"{methods:<14} {rest:<{width}}  {bases}")


if __name__ == "__main__":  # pragma: no cover
    main()
