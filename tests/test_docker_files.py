"""The Docker files, checked without a Docker daemon.

Dockerfile: two stages from the build argument BASE (default python:3.11-slim), a wheel
build constrained by requirements.lock, a non-root user, a Python HEALTHCHECK on
/_sim/health, ``vsee-sim serve`` as CMD. docker-compose.yml: the simulator and the example
client, both built on the same BASE, the client waiting for a healthy simulator, the same
healthcheck command as the Dockerfile's. The healthcheck command and the example client
(including its own bounded wait for health) are also run for real against the app served
on a local port. CI builds and runs the image itself: .ci/stages/50-image.

PyYAML is not a dependency: when ``yaml`` is missing, the compose file is read by a
small parser for the plain subset it is written in (block maps, ``- item`` lists,
JSON-style ``[...]`` lists, quoted or bare scalars).

VSEE_SIM_DOCKER_ROOT points the checks at another copy of the files (to see them fail).
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("VSEE_SIM_DOCKER_ROOT") or Path(__file__).resolve().parents[1])
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERIGNORE = ROOT / ".dockerignore"
CLIENT_DIR = ROOT / "examples" / "compose-client"
CLIENT = CLIENT_DIR / "client.py"

SERVE_CMD = ["vsee-sim", "serve", "--host", "0.0.0.0", "--port", "8000"]
DEFAULT_BASE = "python:3.11-slim"
HEALTH_URL = "http://127.0.0.1:8000/_sim/health"


# ---------------------------------------------------------------- Dockerfile reading

def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    assert not buf, "the Dockerfile ends inside a continued line"
    return out


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The instructions of each FROM stage (the global ARGs before the first FROM left out)."""
    result: list[list[tuple[str, str]]] = []
    for ins in instructions:
        if ins[0] == "FROM":
            result.append([])
        if not result and ins[0] == "ARG":
            continue
        assert result, f"{ins[0]} before the first FROM"
        result[-1].append(ins)
    return result


def global_args(instructions: list[tuple[str, str]]) -> dict[str, str | None]:
    """ARGs declared before the first FROM: the ones FROM lines may use."""
    out: dict[str, str | None] = {}
    for word, args in instructions:
        if word == "FROM":
            break
        if word == "ARG":
            name, sep, default = args.partition("=")
            out[name.strip()] = default.strip() if sep else None
    return out


def exec_form(args: str) -> list[str]:
    """The JSON (exec form) argument list of a CMD/HEALTHCHECK CMD; fails on shell form."""
    assert args.startswith("["), f"not the exec (JSON) form: {args!r}"
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def healthcheck_from_dockerfile(runtime: list[tuple[str, str]]) -> list[str]:
    checks = [args for word, args in runtime if word == "HEALTHCHECK"]
    assert len(checks) == 1, f"expected one HEALTHCHECK in the runtime stage, found {len(checks)}"
    match = re.fullmatch(r"((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)", checks[0], re.S)
    assert match, f"HEALTHCHECK is not '[--options] CMD [...]': {checks[0]!r}"
    return exec_form(match.group(2))


@pytest.fixture(scope="module")
def docker_stages():
    return stages(dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def runtime(docker_stages):
    return docker_stages[-1]


# ---------------------------------------------------------------- compose reading

def _scalar(text: str):
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)  # flow lists are written JSON-style
    if text[:1] in "\"'":
        assert text[-1:] == text[0], f"unterminated quoted scalar: {text!r}"
        return json.loads(text) if text[0] == '"' else text[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def _uncomment(line: str) -> str:
    """The line without its comment: a '#' at the start or after a blank, outside quotes."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def mini_yaml(text: str):
    """The plain YAML subset docker-compose.yml is written in (see the module doc)."""
    lines = []
    for raw in text.splitlines():
        stripped = _uncomment(raw)
        if stripped.strip():
            assert "\t" not in raw[: len(raw) - len(raw.lstrip())], "tab indentation"
            lines.append((len(raw) - len(raw.lstrip(" ")), stripped.strip()))

    def block(i: int, indent: int):
        if lines[i][1].startswith("- "):
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                items.append(_scalar(lines[i][1][2:]))
                i += 1
            return items, i
        mapping = {}
        while i < len(lines) and lines[i][0] == indent:
            key, sep, rest = lines[i][1].partition(":")
            assert sep and not key.startswith("- "), f"unsupported line: {lines[i][1]!r}"
            key = key.strip().strip("\"'")
            assert key not in mapping, f"duplicate key {key!r}"
            i += 1
            if rest.strip():
                mapping[key] = _scalar(rest)
            elif i < len(lines) and lines[i][0] > indent:
                mapping[key], i = block(i, lines[i][0])
            elif i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                mapping[key], i = block(i, indent)  # a list at the key's own indentation
            else:
                mapping[key] = None
        return mapping, i

    value, end = block(0, lines[0][0])
    assert end == len(lines), f"unparsed from line {lines[end][1]!r}"
    return value


@pytest.fixture(scope="module")
def compose() -> dict:
    text = COMPOSE.read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return mini_yaml(text)
    return yaml.safe_load(text)


def test_the_mini_parser_agrees_with_pyyaml():
    yaml = pytest.importorskip("yaml")
    text = COMPOSE.read_text(encoding="utf-8")
    assert mini_yaml(text) == yaml.safe_load(text)


# ---------------------------------------------------------------- Dockerfile

def test_two_stages_from_the_base_argument_default_python_slim(docker_stages):
    instructions = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    assert global_args(instructions) == {"BASE": DEFAULT_BASE}
    froms = [stage[0][1].split() for stage in docker_stages]
    assert len(froms) == 2, f"expected two FROM stages, found {len(froms)}"
    assert [w.lower() for w in froms[0]] == ["${base}", "as", "builder"], froms[0]
    assert froms[1][0] == "${BASE}", froms[1]


def test_builder_makes_wheels_constrained_by_the_lock_and_runtime_installs_them(docker_stages):
    builder = docker_stages[0]
    builder_runs = " ".join(args for word, args in builder if word == "RUN")
    assert "pip wheel --no-deps -w /wheels ." in builder_runs
    assert re.search(r"pip wheel -w /wheels -r \S+", builder_runs), "dependency wheels are not built"
    # requirements.lock (scripts/lock) pins them; the [k] glob lets a copy without it build.
    assert any(w == "COPY" and "requirements.loc[k]" in a.split() for w, a in builder), "the lock is not copied"
    assert "set -- -c requirements.lock" in builder_runs and '"$@"' in builder_runs
    assert (ROOT / "requirements.lock").is_file(), "no requirements.lock to constrain the image"
    runtime = docker_stages[1]
    assert any(w == "COPY" and a.startswith("--from=builder /wheels ") for w, a in runtime)
    runtime_runs = " ".join(args for word, args in runtime if word == "RUN")
    assert re.search(r"pip install --no-index --find-links=\S+ vsee-sim", runtime_runs)


def test_runtime_runs_as_a_non_root_user(runtime):
    users = [args.split(":")[0] for word, args in runtime if word == "USER"]
    assert users, "no USER in the runtime stage: it would run as root"
    assert users[-1] not in ("root", "0"), f"runtime user is {users[-1]!r}"
    runs = " ".join(args for word, args in runtime if word == "RUN")
    assert re.search(rf"useradd\b.*\b{re.escape(users[-1])}\b", runs), f"user {users[-1]!r} is never created"


def test_healthcheck_is_python_urllib_on_sim_health(runtime):
    argv = healthcheck_from_dockerfile(runtime)
    assert argv[:2] == ["python", "-c"] and len(argv) == 3, argv
    code = argv[2]
    ast.parse(code)
    assert "urllib.request" in code and HEALTH_URL in code, code
    assert "curl" not in code and "wget" not in code


def test_cmd_serves_on_all_interfaces_port_8000(runtime):
    cmds = [args for word, args in runtime if word == "CMD"]
    assert len(cmds) == 1, f"expected one CMD in the runtime stage, found {len(cmds)}"
    assert exec_form(cmds[0]) == SERVE_CMD
    assert ("EXPOSE", "8000") in runtime


def test_data_volume_and_fixtures_from_the_wheel(runtime):
    # The wheel carries the fixtures (setup.py maps fixtures/ to vsee_sim/fixtures): no copy.
    assert not any(w == "COPY" and a.split()[:1] == ["fixtures/"] for w, a in runtime)
    volumes = [args for word, args in runtime if word == "VOLUME"]
    assert volumes in (["/data"], ['["/data"]']), volumes
    documented = "--data /data/state.json" in DOCKERFILE.read_text(encoding="utf-8")
    assert documented, "the volume's use (--data /data/state.json) is not documented"
    assert (ROOT / "fixtures" / "demo.json").is_file(), "the image would have no demo fixture"


# ---------------------------------------------------------------- .dockerignore

def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: Go filepath.Match on the context-relative
    path, plus ``**`` for any number of directories."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            close = pattern.index("]", i)
            out, i = out + pattern[i:close + 1].replace("[^", "[!").replace("[!", "[^"), close + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a directory's match covers its contents."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(os.path.normpath(pattern.lstrip("!").strip("/")))
        if any(regex.fullmatch(p) for p in prefixes):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_the_build_inputs_and_drops_the_rest():
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    for path in (".venv/bin/python", ".git/HEAD", ".pytest_cache/v", ".ruff_cache/x", ".hypothesis/examples",
                 "vsee_sim/__pycache__/app.cpython-311.pyc", "test-artifacts/report.xml",
                 "vsee_sim.egg-info/PKG-INFO"):
        assert _ignored(path, patterns), f"{path} would be sent to the build"
    for path in ("pyproject.toml", "README.md", "vsee_sim/app.py", "vsee_sim/cli.py", "fixtures/demo.json"):
        assert not _ignored(path, patterns), f"{path} is needed by the build but ignored"


# ---------------------------------------------------------------- docker-compose.yml

def test_compose_simulator_service(compose):
    sim = compose["services"]["vsee-sim"]
    assert sim["build"]["context"] == "."
    assert "${VSEE_SIM_HOST_PORT:-8000}:8000" in sim["ports"]
    assert sim["healthcheck"]["test"][0] == "CMD"


def test_compose_builds_both_images_on_the_dockerfiles_default_base(compose):
    """VSEE_SIM_BASE picks the base of both (CI passes its stand-in); unset, it is the
    Dockerfiles' own default."""
    for service in ("vsee-sim", "client"):
        assert compose["services"][service]["build"]["args"] == {"BASE": f"${{VSEE_SIM_BASE:-{DEFAULT_BASE}}}"}
    client_docker = dockerfile_instructions((CLIENT_DIR / "Dockerfile").read_text(encoding="utf-8"))
    assert global_args(client_docker) == {"BASE": DEFAULT_BASE}
    assert [args for word, args in client_docker if word == "FROM"] == ["${BASE}"]


def test_compose_healthcheck_equals_the_dockerfiles(compose, runtime):
    in_compose = compose["services"]["vsee-sim"]["healthcheck"]["test"]
    assert in_compose == ["CMD", *healthcheck_from_dockerfile(runtime)]


def test_compose_client_waits_for_a_healthy_simulator(compose):
    client = compose["services"]["client"]
    assert client["depends_on"] == {"vsee-sim": {"condition": "service_healthy"}}
    assert client["environment"]["VSEE_SIM_URL"] == "http://vsee-sim:8000"
    build = client["build"]["context"]
    assert (ROOT / build).resolve() == CLIENT_DIR.resolve(), build
    client_docker = dockerfile_instructions((CLIENT_DIR / "Dockerfile").read_text(encoding="utf-8"))
    argv = exec_form([args for word, args in client_docker if word == "CMD"][0])
    assert argv[0] == "python" and (CLIENT_DIR / argv[-1]).resolve() == CLIENT.resolve(), argv


def test_client_uses_only_the_standard_library():
    tree = ast.parse(CLIENT.read_text(encoding="utf-8"))
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert modules, "no imports found"
    outside = sorted(m for m in modules if m not in sys.stdlib_module_names and m != "__future__")
    assert not outside, f"not in the standard library: {outside}"


# ---------------------------------------------------------------- run them for real

@pytest.fixture(scope="module")
def live_url():
    from werkzeug.serving import make_server

    from vsee_sim.app import create_app

    app = create_app({"FIXTURE": os.environ.get("VSEE_SIM_TEST_FIXTURE", "demo"), "SEED": 3})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _run_healthcheck(runtime, url_base: str) -> subprocess.CompletedProcess:
    argv = healthcheck_from_dockerfile(runtime)
    code = argv[2].replace("http://127.0.0.1:8000", url_base)
    assert code != argv[2] or url_base == "http://127.0.0.1:8000"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)


def test_healthcheck_command_passes_on_a_live_simulator(runtime, live_url):
    done = _run_healthcheck(runtime, live_url)
    assert done.returncode == 0, done.stderr


def test_healthcheck_command_fails_when_nothing_listens(runtime):
    with socket.socket() as sock:  # a port that was free a moment ago, now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _run_healthcheck(runtime, f"http://127.0.0.1:{port}").returncode != 0


def test_client_signs_a_patient_in_and_reads_me(live_url):
    env = {**os.environ, "VSEE_SIM_URL": live_url}
    done = subprocess.run([sys.executable, str(CLIENT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "signed in as user" in done.stdout and "compose-client-patient" in done.stdout, done.stdout


def test_client_exits_nonzero_on_a_bad_api_key(live_url):
    env = {**os.environ, "VSEE_SIM_URL": live_url, "VSEE_API_KEY": "not-a-key"}
    done = subprocess.run([sys.executable, str(CLIENT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "401" in done.stderr, (done.returncode, done.stderr)


def test_client_waits_for_health_then_signs_in():
    """The client starts before the simulator listens (podman-compose 1.0.3 ignores
    service_healthy) and waits: it says so, then succeeds once a server is there."""
    from werkzeug.serving import make_server

    from vsee_sim.app import create_app

    with socket.socket() as sock:  # a port that was free a moment ago, now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "VSEE_SIM_URL": f"http://127.0.0.1:{port}", "VSEE_SIM_WAIT": "60"}
    client = subprocess.Popen([sys.executable, str(CLIENT)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert "waiting for vsee-sim at" in client.stderr.readline()   # it has tried once and failed
        server = make_server("127.0.0.1", port, create_app({"FIXTURE": "demo", "SEED": 3}), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            out, err = client.communicate(timeout=60)
        finally:
            server.shutdown()
            thread.join(5)
    finally:
        client.kill()
    assert client.returncode == 0, err
    assert "signed in as user" in out


def test_client_gives_up_after_its_bound_naming_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VSEE_SIM_URL": url, "VSEE_SIM_WAIT": "0"}
    done = subprocess.run([sys.executable, str(CLIENT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert url in done.stderr and "not healthy after 0 s" in done.stderr, done.stderr
