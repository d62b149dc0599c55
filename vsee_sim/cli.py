"""The ``vsee-sim`` command (click).

``vsee-sim serve`` runs the simulator (waitress, vsee_sim/serving: one process, as the state
lives in memory) with the demo clinic loaded by default. ``vsee-sim routes`` lists every route
with the base paths it answers under; ``vsee-sim openapi print`` writes the OpenAPI document.
``vsee-sim export | import`` save and load a namespace of a running server;
``vsee-sim replay`` re-sends a journal (GET /_sim/journal) to a server.
``vsee-sim namespaces | drop | shard-of`` list, drop and find namespaces, on one server or
across shards (``--shards URL,URL``: the ring HAProxy uses, vsee_sim/sharding).

Nothing is built before click has parsed the command line: ``--help`` and every usage
error work without a fixture, and the commands that need an app build it with their
own ``--fixture``.
"""

from __future__ import annotations

import os

import click

from vsee_sim import __version__
from vsee_sim.config import SEED_RANGE

# The seed is a signed 64-bit integer: the bound the server's state checks enforce.
SEED = click.IntRange(*SEED_RANGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vsee-sim")
def main() -> None:
    """vsee-sim: a faithful, stateful simulator of the VSee Clinic API (api_v3)."""


def _fixture_option(func):
    return click.option("--fixture", default=None,
                        help="Fixture name (demo, minimal) or path to a .json file. Default: demo "
                             "(env VSEE_SIM_FIXTURE).")(func)


def _build_app(fixture: str | None, **overrides):
    """The app of a command that needs one (routes, openapi), or one line saying why not."""
    _check_fixture(fixture)
    from vsee_sim.app import create_app

    return create_app({"FIXTURE": fixture, "TICK_INTERVAL": 0, **overrides})


@main.command("serve")
@click.option("--host", envvar="VSEE_SIM_HOST", default="127.0.0.1", show_default=True,
              help="Address to listen on (env VSEE_SIM_HOST).")
@click.option("--port", envvar="VSEE_SIM_PORT", default=8000, show_default=True,
              type=click.IntRange(0, 65535),
              help="Port to listen on (env VSEE_SIM_PORT).")
@click.option("--fixture", default=None, help="Fixture name (demo, minimal) or path. Default: demo.")
@click.option("--data", "data", default=None, type=click.Path(dir_okay=False),
              help="Persist every namespace to this TinyDB JSON file (loaded at start).")
@click.option("--seed", default=None, type=SEED,
              help="Seed for ids, tokens and fault draws (a signed 64-bit integer).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="App threads (slow or idle connections take none: the server reads whole requests first).")
@click.option("--no-control", is_flag=True, help="Switch the /_sim control plane off.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow this browser origin (repeat; a regex if it starts with ^). "
                   "Default: any localhost or 127.0.0.1 origin (env VSEE_SIM_CORS_ORIGINS, comma-separated).")
@click.option("--quiet", is_flag=True, help="No access log.")
@click.option("--shard", default=None, metavar="NAME",
              help="This process is the shard NAME behind a router: sent in X-Sim-Shard and /_sim/health "
                   "(env VSEE_SIM_SHARD). Give each shard its own --data.")
def serve(host, port, fixture, data, seed, threads, no_control, cors_origins, quiet, shard):
    """Serve the simulator (waitress, one process), one log line per request."""
    import gc

    gc.disable()  # until create_app has built the app (FREEZE_GC): start-up makes no garbage
    from vsee_sim.serving import serve as run

    overrides = {"FIXTURE": fixture, "DATA": data, "SEED": seed, "SHARD": shard, "FREEZE_GC": True}
    if no_control:
        overrides["CONTROL"] = False
    if cors_origins:
        overrides["CORS_ORIGINS"] = list(cors_origins)
    _check_inputs({**overrides, "SERVER_THREADS": threads})
    run(overrides, host, port, threads, quiet, echo=click.echo)


def _check_fixture(fixture: str | None) -> None:
    from vsee_sim.config import load_fixture
    from vsee_sim.core.store import validate_fixture

    try:
        validate_fixture(load_fixture(fixture or os.environ.get("VSEE_SIM_FIXTURE", "demo")))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load the fixture: {exc}") from None


def _check_inputs(overrides: dict) -> None:
    """Refuse to start, in one line and before the server starts, on a bad setting (flag or
    VSEE_SIM_*), fixture or data file (--data or VSEE_SIM_DATA)."""
    from vsee_sim.config import Settings
    from vsee_sim.control.state.checks import export as export_check
    from vsee_sim.core.persistence import EXPORT_CHECKS, check_data_path, read_datafile

    try:
        settings = Settings.from_env(overrides)
    except ValueError as exc:  # config.SettingsError: names the variable
        raise click.ClickException(str(exc)) from None
    _check_fixture(settings.fixture)
    data = settings.data
    try:
        if data:
            check_data_path(data)
        if data and os.path.exists(data):
            if export_check not in EXPORT_CHECKS:  # the checks the app's load runs too
                EXPORT_CHECKS.append(export_check)
            read_datafile(data, keep=True)  # parsed once: the app takes this result
    except ValueError as exc:
        message = str(exc)
        if not overrides.get("DATA"):  # the path came from the environment: name that
            message = message.replace(f"--data {data}", f"VSEE_SIM_DATA={data}")
        raise click.ClickException(message) from None


def _remote_options(func):
    """--url, --namespace, --admin-token: which running simulator and namespace."""
    return _server_options(click.option("--namespace", "-n", default="default", show_default=True)(func))


def _server_options(func):
    """--url, --admin-token: which running simulator."""
    func = click.option("--admin-token", envvar="VSEE_SIM_ADMIN_TOKEN", default=None,
                        help="X-Sim-Admin-Token, if the server wants one.")(func)
    return click.option("--url", envvar="VSEE_SIM_URL", default="http://127.0.0.1:8000", show_default=True,
                        help="The running simulator (env VSEE_SIM_URL).")(func)


def _remote(url: str, namespace: str, admin_token: str | None):
    from vsee_sim.remote import Remote

    return Remote(url, namespace=namespace, admin_token=admin_token)


def _shards_option(func):
    """--shards URL,URL (--router, --shard-weight): the shards in the router's server order."""
    func = click.option("--router", envvar="VSEE_SIM_ROUTER", default="haproxy", show_default=True,
                        type=click.Choice(["haproxy", "nginx"]),
                        help="Whose hash finds a namespace's shard: deploy/haproxy.cfg's or "
                             "deploy/nginx.conf's (env VSEE_SIM_ROUTER).")(func)
    func = click.option("--shard-weight", default=None, type=click.IntRange(1, 256),
                        help="The router's weight of every server (haproxy.cfg: 16, nginx.conf: 1).")(func)
    return click.option("--shards", envvar="VSEE_SIM_SHARDS", default=None, metavar="URL,URL",
                        help="Every shard's own URL, in the order of the router's server lines "
                             "(ids 1..N); a namespace's shard is found by the router's hash "
                             "(env VSEE_SIM_SHARDS).")(func)


def _shards(shards: str, weight: int | None, admin_token: str | None, router: str = "haproxy"):
    from vsee_sim.sharding.service import Shards, ShardsError, parse_urls

    try:
        return Shards(parse_urls(shards), weight, admin_token, router=router)
    except ShardsError as exc:
        raise click.ClickException(str(exc)) from None


def _target(url: str, namespace: str, shards: str | None, weight: int | None, admin_token: str | None,
            router: str) -> str:
    """--url, or with --shards the URL of the shard holding ``namespace`` (said on stderr)."""
    if not shards:
        return url
    found = _shards(shards, weight, admin_token, router)
    target = found.url_for(namespace)
    click.echo(f"namespace {namespace} is on shard {found.index_of(namespace) + 1} ({target})", err=True)
    return target


@main.command("export")
@_remote_options
@_shards_option
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write (default: stdout).")
def export(url, namespace, admin_token, shards, shard_weight, router, output):
    """Save a namespace of a running simulator (GET /_sim/state) as JSON."""
    import json

    url = _target(url, namespace, shards, shard_weight, admin_token, router)
    resp = _call(url, lambda: _remote(url, namespace, admin_token).get("/_sim/state"))
    if resp.status != 200:
        detail = resp.body[:200].decode("utf-8", "replace")
        raise click.ClickException(f"{url} answered {resp.status}: {detail}")
    json.dump(resp.json(), output, separators=(",", ":"))
    output.write("\n")
    if output.name != "<stdout>":
        click.echo(f"exported namespace {namespace} to {output.name}", err=True)


@main.command("import")
@click.argument("source", type=click.File("rb"))
@_remote_options
@_shards_option
def import_(source, url, namespace, admin_token, shards, shard_weight, router):
    """Replace a namespace of a running simulator with an export (POST /_sim/state)."""
    url = _target(url, namespace, shards, shard_weight, admin_token, router)
    resp = _call(url, lambda: _remote(url, namespace, admin_token).request(
        "POST", "/_sim/state", body=source.read(), headers={"Content-Type": "application/json"}))
    if resp.status != 200:
        message = resp.json().get("message") if resp.body.startswith(b"{") else resp.body[:200]
        raise click.ClickException(f"{url} refused it ({resp.status}): {message}")
    data = resp.data
    click.echo(f"imported into namespace {data['namespace']}: accounts {', '.join(data['accounts'])}")


@main.command("namespaces")
@_server_options
@_shards_option
def namespaces(url, admin_token, shards, shard_weight, router):
    """List the namespaces of a server (GET /_sim/namespaces), or of every shard with --shards.

    One line each: name, shard, fixture. A namespace found on another shard than the router's
    hash gives is marked "moved" (the layout changed: export it and import it where it belongs).
    Exit code 1 if a shard did not answer (the others are still listed).
    """
    found = _shards(shards or url, shard_weight, admin_token, router)
    rows, problems = found.list()
    for row in rows:
        moved = "" if row.home else f"  moved: the router sends it to {found.url_for(row.namespace)}"
        if not row.home and row.namespace == "default":  # every shard has one (its health probes)
            moved = f"  (this shard's own; the router sends default to {found.url_for('default')})"
        click.echo(f"{row.namespace}\t{row.shard}\t{row.fixture}{moved}")
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)


@main.command("drop")
@click.argument("name")
@_server_options
@_shards_option
def drop(name, url, admin_token, shards, shard_weight, router):
    """Forget the namespace NAME (DELETE /_sim/namespaces/NAME), on the shard that holds it."""
    found = _shards(shards or url, shard_weight, admin_token, router)
    target = found.url_for(name)
    resp = _call(target, lambda: found.drop(name))
    if resp.status != 200:
        from vsee_sim.sharding.service import message_of

        raise click.ClickException(f"{target} answered {resp.status}: {message_of(resp)}")
    click.echo(f"dropped namespace {name} on {target}")


@main.command("shard-of")
@click.argument("names", nargs=-1, required=True)
@_shards_option
def shard_of(names, shards, shard_weight, router):
    """Which shard the router sends each namespace NAME to (no request is sent)."""
    from vsee_sim.sharding.rules import is_namespace

    if not shards:
        raise click.ClickException("shard-of needs --shards URL,URL (or VSEE_SIM_SHARDS)")
    found = _shards(shards, shard_weight, None, router)
    for name in names:
        if not is_namespace(name):
            raise click.ClickException(f"{name!r} is not a namespace name: use 1-64 letters, digits, "
                                       "'.', '_' or '-', starting with a letter or digit")
        click.echo(f"{name}\t{found.index_of(name) + 1}\t{found.url_for(name)}")


def _call(url: str, send):
    try:
        return send()
    except OSError as exc:
        from vsee_sim.remote import unreachable

        raise click.ClickException(unreachable(url, exc)) from None


@main.command("routes")
@_fixture_option
def routes(fixture):
    """Every route, with the base paths it answers under."""
    from vsee_sim.core.http import BASE_PATHS

    app = _build_app(fixture)
    rows = []
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
        path = rule.rule
        if path.startswith("/api_v3/"):
            rest = path[len("/api_v3"):]
            bases = " ".join(BASE_PATHS) + "  (+ .json, + /ns/<name>)"
            rows.append((rest, methods, bases))
        elif rule.endpoint.startswith(("portal-next.", "portal-stable.")):
            continue  # listed once, with its base paths, from the "portal" blueprint
        elif rule.endpoint.startswith("portal."):
            rows.append((path, methods, "/ /vc/next /vc/stable  (+ /ns/<name>)"))
        elif not path.startswith("/docs/static") and rule.endpoint != "static":
            rows.append((path, methods, "(+ /ns/<name>)"))
    width = max(len(r[0]) for r in rows)
    for rest, methods, bases in sorted(rows):
        click.echo(f"{methods:<14} {rest:<{width}}  {bases}")


@main.group("openapi")
def openapi():
    """The OpenAPI documents (the VSee API's and the control plane's)."""


@openapi.command("print")
@_fixture_option
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True)
@click.option("--sim", is_flag=True, help="The control plane's document (/_sim/openapi.json) instead.")
def openapi_print(fixture, fmt, sim):
    """Write the VSee API's OpenAPI document (or /_sim's) as JSON or YAML to standard output."""
    import json

    app = _build_app(fixture)
    api = app.extensions["flask-smorest"]["apis"]["SIM_" if sim else ""]["ext_obj"]
    with app.app_context():
        doc = api.spec.to_dict()
    if fmt == "yaml":
        import yaml

        click.echo(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110), nl=False)
    else:
        click.echo(json.dumps(doc, indent=2))


@main.command("replay")
@click.argument("journal_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", envvar="VSEE_SIM_URL", default="http://127.0.0.1:8000", show_default=True,
              help="The server to send to (env VSEE_SIM_URL).")
@click.option("--namespace", default=None,
              help="Target namespace (X-Sim-Namespace; a recorded /ns/<name> prefix is dropped).")
@click.option("--admin-token", envvar="VSEE_SIM_ADMIN_TOKEN", default=None,
              help="X-Sim-Admin-Token, when the server protects /_sim (for --reset).")
@click.option("--reset", is_flag=True, help="POST /_sim/reset on the target namespace first.")
@click.option("--exact", is_flag=True,
              help="Send recorded values as they are (no mapping of recorded ids and tokens to new ones).")
def replay(journal_file, url, namespace, admin_token, reset, exact):
    """Re-send the requests of a journal (the JSON of GET /_sim/journal), oldest first.

    Prints how many were sent, how many got the recorded status, the first differences,
    and connection errors. Exit code 1 if any request could not be sent. A malformed
    entry (headers not an object, a header value with a line break, a path without a
    leading /...) stops the replay before anything is sent, naming the entry and field.
    """
    from pathlib import Path

    from vsee_sim.control.traffic.replay import JournalError, Replayer, Summary, load_entries

    try:
        entries = load_entries(Path(journal_file).read_text(encoding="utf-8"))
    except (JournalError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{journal_file}: {exc}") from None
    replayer = Replayer(url, namespace, admin_token, exact)
    if reset:
        try:
            replayer.reset()
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot reset the namespace: {exc}") from None
    summary = Summary()
    with click.progressbar(entries, label=f"Replaying {len(entries)} requests to {url}") as bar:
        for entry in bar:
            replayer.replay(entry, summary)
    for line in summary.lines():
        click.echo(line)
    if summary.errors or summary.unsendable:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
