"""The container image and the compose example, built and run for real with podman (issue 11).

Run by .ci/stages/50-image after setup-podman.sh and base.sh; standard library only.

    VSEE_SIM_BASE=<image> python3 .ci/container/check.py

1. Builds the Dockerfile as ``vsee-sim`` on VSEE_SIM_BASE (``--build-arg BASE``).
2. Runs every ``docker run`` line of the Dockerfile's header and of README.md, with podman
   for docker, detached, the host port moved to a free loopback port and named volumes
   given a per-run prefix; each must turn healthy through the image's HEALTHCHECK
   (``podman healthcheck run``: no systemd here to schedule it) and run as uid 10001.
   The line with the default CMD also runs the README's shell examples (tests/test_readme.py
   with --vsee-url); a ``--fixture`` line serves that fixture; the ``--data`` line keeps a
   user across ``podman restart`` and into a fresh container on the same volume started
   with ``-e VSEE_SIM_DATA=/data/state.json`` and the default CMD.
3. Runs the compose example with podman-compose; the client must exit 0.
Every container's log must hold no ERROR, CRITICAL or Traceback line. Prints image size,
build time and start-to-healthy time. Removes every container, volume, network and image
it made (the base stays cached), except, on a clean checkout, the image, handed to
70-compose-shards as ``localhost/vsee-sim:ci-<commit>`` (it removes it); every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "vsee-sim"                      # the name the Dockerfile's and README's lines use
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
HEALTHY_WITHIN = 120                     # seconds from `podman run` to a passing healthcheck
BAD_LOG_LINE = re.compile(r"ERROR|CRITICAL|Traceback")
RUN_ID = f"vsee-sim-ci-{os.getpid()}"

made = {"containers": [], "volumes": [], "networks": []}
figures: dict[str, str] = {}


class Failed(Exception):
    pass


def say(message: str) -> None:
    print(f"check: {message}", flush=True)


def podman(*args: str, timeout: float = 120, check: bool = True, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, **kw)
    if check and done.returncode != 0:
        raise Failed(f"podman {shlex.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {"body": exc.read().decode("utf-8", "replace")}


# ---------------------------------------------------------------- the docker run lines

def documented_run_lines() -> list[str]:
    """``docker run`` commands of the Dockerfile's header comment and of README.md
    (code lines or inline code), continuation lines joined."""
    lines = []
    header = [line[1:].strip() for line in (ROOT / "Dockerfile").read_text().splitlines()
              if line.startswith("#")]
    readme = (ROOT / "README.md").read_text()
    candidates = header + readme.splitlines() + re.findall(r"`(docker run [^`]+)`", readme)
    joined, buf = [], ""
    for line in candidates:
        if buf or line.startswith("docker run "):
            buf += line.rstrip("\\").strip() + " "
            if not line.endswith("\\"):
                joined.append(re.sub(r"\s+#.*$", "", buf.strip()))
                buf = ""
    for line in joined:
        if line not in lines:
            lines.append(line)
    return lines


VALUE_OPTIONS = {"-p", "--publish", "-v", "--volume", "-e", "--env", "--name", "-u", "--user", "-w",
                 "--workdir", "--entrypoint", "--network", "--env-file"}


def as_podman(line: str, name: str) -> tuple[list[str], int, list[str]]:
    """The podman argv for a documented line: detached, named, on a free loopback port,
    named volumes prefixed; ``--rm`` dropped so the log can be read after a stop. Returns
    (argv, host port, command after the image)."""
    words = shlex.split(line)
    assert words[:2] == ["docker", "run"], line
    argv, port, i = ["run", "-d", "--name", name], None, 2
    while i < len(words) and words[i].startswith("-"):
        option, value = words[i], None
        if "=" in option:
            option, value = option.split("=", 1)
        elif option in VALUE_OPTIONS:
            i += 1
            value = words[i]
        i += 1
        if option == "--rm":
            continue
        if option in ("-p", "--publish"):
            port = free_port()
            value = f"127.0.0.1:{port}:{value.rsplit(':', 1)[-1]}"
        if option in ("-v", "--volume") and not value.startswith(("/", ".")):
            volume, rest = value.split(":", 1)
            value = f"{RUN_ID}-{volume}:{rest}"
            if value.split(":", 1)[0] not in made["volumes"]:
                made["volumes"].append(value.split(":", 1)[0])
        argv += [option] if value is None else [option, value]
    if port is None:
        raise Failed(f"no -p in {line!r}: nothing to reach the simulator on")
    image, command = words[i], words[i + 1:]
    if image != IMAGE:
        raise Failed(f"{line!r} runs image {image!r}, not {IMAGE!r}")
    return [*argv, image, *command], port, command


# ---------------------------------------------------------------- containers

def start(argv: list[str], name: str) -> None:
    made["containers"].append(name)
    say("podman " + shlex.join(argv))
    podman(*argv)


def wait_healthy(name: str, since: float) -> float:
    """Seconds from ``since`` until the image's HEALTHCHECK passes; fails after HEALTHY_WITHIN."""
    while True:
        if podman("healthcheck", "run", name, check=False, timeout=30).returncode == 0:
            elapsed = time.monotonic() - since
            status = podman("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
            if status != "healthy":
                raise Failed(f"{name}: the healthcheck passed but podman reports {status!r}")
            return elapsed
        state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
        if state not in ("created", "running"):
            raise Failed(f"{name} is {state} before turning healthy")
        if time.monotonic() - since > HEALTHY_WITHIN:
            raise Failed(f"{name} not healthy after {HEALTHY_WITHIN} s")
        time.sleep(0.25)


def check_uid(name: str) -> None:
    users = podman("top", name, "huser").stdout.split()[1:]
    if not users or set(users) != {"10001"}:
        raise Failed(f"{name}: processes run as host uids {users}, not 10001 only")
    inside = podman("exec", name, "id", "-u").stdout.strip()
    if inside != "10001":
        raise Failed(f"{name}: `id -u` inside says {inside}")


def check_log(name: str) -> None:
    log = podman("logs", name).stdout + podman("logs", name).stderr
    bad = [line for line in log.splitlines() if BAD_LOG_LINE.search(line)]
    if bad:
        raise Failed(f"{name}: the log has error lines:\n" + "\n".join(bad))


def health(port: int) -> dict:
    status, body = http("GET", f"http://127.0.0.1:{port}/_sim/health")
    if status != 200:
        raise Failed(f"GET /_sim/health on port {port}: {status} {body}")
    return body["data"]


def readme_examples(port: int) -> None:
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        raise Failed(f"{python} is missing: scripts/test makes it before the stages run")
    argv = [str(python), "-m", "pytest", "tests/test_readme.py", "-k", "shell", "-n", "0",
            "--vsee-url", f"http://127.0.0.1:{port}"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0 or not re.search(r"\b[1-9]\d* passed", summary):
        raise Failed(f"the README's shell examples against the container:\n{done.stdout}{done.stderr}")
    say(f"README shell examples against the container: {summary}")


def sign_in(port: int, code: str) -> str:
    status, body = http("POST", f"http://127.0.0.1:{port}/api_v3/users/sso.json",
                        {"type": "200", "code": code, "first_name": "Per", "last_name": "Sist"},
                        {"X-AccountCode": "vclinic", "X-ApiKey": "vclinic_api_key"})
    if status != 200:
        raise Failed(f"SSO for {code}: {status} {body}")
    return body["data"]["token"]["token"]


def me(port: int, token: str) -> dict:
    status, body = http("GET", f"http://127.0.0.1:{port}/api_v3/me.json", headers={"X-ApiToken": token})
    if status != 200:
        raise Failed(f"GET /me after the restart: {status} {body}")
    return body["data"]


def check_persistence(name: str, port: int, data_volume: str) -> None:
    code = f"{RUN_ID}-persisted"
    token = sign_in(port, code)
    t = time.monotonic()
    podman("restart", "--time", "10", name, timeout=60)
    say(f"{name} restarted, healthy again after {wait_healthy(name, t):.1f} s")
    if me(port, token).get("code") != code:
        raise Failed(f"{name}: the user {code} is gone after a restart")
    check_log(name)
    podman("rm", "--force", "--volumes", "--time", "10", name, timeout=60)
    fresh, fresh_port = f"{name}-fresh", free_port()
    t = time.monotonic()
    start(["run", "-d", "--name", fresh, "-p", f"127.0.0.1:{fresh_port}:8000", "-v", f"{data_volume}:/data",
           "-e", "VSEE_SIM_DATA=/data/state.json", IMAGE], fresh)
    wait_healthy(fresh, t)
    if me(fresh_port, token).get("code") != code:
        raise Failed(f"{fresh}: the user {code} is not in the volume's data file")
    check_uid(fresh)
    check_log(fresh)
    say(f"--data on the /data volume: user {code} kept across a restart and into a fresh container")


def check_image() -> None:
    base = os.environ.get("VSEE_SIM_BASE") or sys.exit("check: VSEE_SIM_BASE (the base image) is not set")
    build = ["build", "--format", "docker", "--network", "host", "--build-arg", f"BASE={base}",
             "-t", IMAGE, "."]
    if os.path.exists(CA_BUNDLE):
        build[1:1] = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
    say("podman " + shlex.join(build))
    t = time.monotonic()
    done = subprocess.run(["podman", *build], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise Failed(f"the image build failed:\n{done.stdout[-6000:]}{done.stderr[-4000:]}")
    figures["image build"] = f"{time.monotonic() - t:.0f} s"
    size = int(podman("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    figures["image size"] = f"{size / 1e6:.0f} MB"
    base_size = int(podman("image", "inspect", "--format", "{{.Size}}", base).stdout)
    figures["base size"] = f"{base_size / 1e6:.0f} MB ({base})"
    test = json.loads(podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE).stdout
                      or "null") or {}
    test = test.get("Test") or []
    if "/_sim/health" not in " ".join(test):
        raise Failed(f"the image has no HEALTHCHECK on /_sim/health: {test}")

    lines = documented_run_lines()
    if not lines:
        raise Failed("no `docker run` line found in the Dockerfile's header or README.md")
    for n, line in enumerate(lines):
        name = f"{RUN_ID}-run{n}"
        argv, port, command = as_podman(line, name)
        t = time.monotonic()
        start(argv, name)
        took = wait_healthy(name, t)
        say(f"{name} healthy {took:.1f} s after `podman run`")
        check_uid(name)
        state = health(port)
        if not command:
            figures.setdefault("start-to-healthy", f"{took:.1f} s (default CMD)")
            readme_examples(port)
        if "--fixture" in command:
            wanted = command[command.index("--fixture") + 1]
            if state.get("fixture") != wanted:
                raise Failed(f"{name}: serves fixture {state.get('fixture')!r}, not {wanted!r}")
        if "--data" in command:
            volume = next(a.split(":", 1)[0] for a in argv if a.startswith(f"{RUN_ID}-") and ":/data" in a)
            check_persistence(name, port, volume)
        else:
            check_log(name)
            podman("rm", "--force", "--volumes", "--time", "10", name, timeout=60)
        say(f"ok: {line}")


# ---------------------------------------------------------------- compose

def check_compose() -> None:
    project = RUN_ID.replace("-", "")
    env = {**os.environ, "VSEE_SIM_HOST_PORT": str(free_port())}
    build_args = "--format docker --network host"
    if os.path.exists(CA_BUNDLE):
        build_args += f" -v {CA_BUNDLE}:{CA_BUNDLE}:ro"
    argv = ["podman-compose", "-p", project, f"--podman-build-args={build_args}",
            "up", "--build", "--abort-on-container-exit", "--exit-code-from", "client"]
    made["networks"].append(f"{project}_default")
    say(shlex.join(argv))

    def containers() -> list[str]:
        return podman("ps", "-a", "--filter", f"label=io.podman.compose.project={project}",
                      "--format", "{{.Names}}").stdout.split()

    # Output to a file, not a pipe: podman-compose exits when the client does, leaving its
    # `podman start -a` of the simulator (which holds its stdout) running until `down`.
    with tempfile.TemporaryFile("w+") as log:
        try:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                returncode = process.wait(timeout=900)
            except subprocess.TimeoutExpired:
                process.kill()
                raise Failed("podman-compose up still running after 900 s") from None
            finally:
                log.seek(0)
                out = log.read()
            if returncode != 0 or "signed in as user" not in out:
                raise Failed(f"podman-compose up exited {returncode}:\n{out[-8000:]}")
            names = containers()
            client = [n for n in names if "client" in n]
            code = podman("inspect", "--format", "{{.State.ExitCode}}", *client).stdout.split()
            if code != ["0"]:
                raise Failed(f"compose client {client} exit codes {code}")
            for name in names:
                check_log(name)
            say("compose example: client exited 0 ("
                + next(line for line in out.splitlines() if "signed in as user" in line) + ")")
        except Failed:
            made["containers"] += containers()  # their logs are shown, then they are removed
            raise
        finally:
            for name in containers():  # with their anonymous /data volumes (`down` keeps those)
                if name not in made["containers"]:
                    podman("rm", "--force", "--volumes", "--time", "5", name, check=False, timeout=60)
            subprocess.run(["podman-compose", "-p", project, "down"], cwd=ROOT, env=env,
                           capture_output=True, timeout=120)


# ---------------------------------------------------------------- clean up

def commit_image() -> str | None:
    """The tag under which the image of this commit is handed to a later stage
    (70-compose-shards, which removes it): a clean checkout only, else None."""
    git = ["git", "-C", str(ROOT)]
    head, dirty = (subprocess.run([*git, *args], capture_output=True, text=True, timeout=30).stdout.strip()
                   for args in (["rev-parse", "HEAD"], ["status", "--porcelain"]))
    return f"localhost/{IMAGE}:ci-{head}" if head and not dirty else None


def hand_over() -> set[str]:
    """Keep the image under commit_image()'s tag (an earlier run's goes); the ids not to remove."""
    for tag in podman("images", "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout.split():
        if tag.startswith(f"localhost/{IMAGE}:ci-"):
            podman("rmi", "--force", tag, check=False)
    tag = commit_image()
    if not tag:
        return set()
    podman("tag", IMAGE, tag)
    say(f"image kept as {tag} for 70-compose-shards")
    return layers(tag)


def layers(image: str) -> set[str]:
    """Ids (as images() gives them) of an image and of the images under it in the store."""
    own = podman("image", "inspect", "--format", "{{.Id}}", image).stdout.split()
    history = podman("history", "--quiet", "--no-trunc", image).stdout.replace("sha256:", "").split()
    return {f"sha256:{i}" for i in own + history if i != "<missing>"}


def images() -> set[str]:
    return set(podman("images", "--all", "--quiet", "--no-trunc").stdout.split())


def clean_up(before: set[str], keep: str | None, handed: set[str] = frozenset()) -> None:
    for name in made["containers"]:
        podman("rm", "--force", "--volumes", "--time", "5", name, check=False, timeout=60)
    for volume in made["volumes"]:
        podman("volume", "rm", "--force", volume, check=False)
    for network in made["networks"]:
        podman("network", "rm", network, check=False)
    for tag in (IMAGE, "vsee-sim:local", "vsee-sim-compose-client:local"):
        if podman("image", "exists", tag, check=False).returncode == 0:
            podman("rmi", tag, check=False)
    kept = podman("image", "inspect", "--format", "{{.Id}}", keep, check=False).stdout.strip() if keep else ""
    for _ in range(3):  # intermediate images of the builds: children before parents
        for image in images() - before - handed - {f"sha256:{kept}", kept}:
            podman("rmi", image, check=False)


def main() -> int:
    before, handed = images(), set()
    try:
        check_image()
        check_compose()
        handed = hand_over()
    except (Failed, subprocess.TimeoutExpired) as exc:
        print(f"check: FAILED: {exc}", file=sys.stderr)
        for name in made["containers"]:
            if podman("container", "exists", name, check=False).returncode == 0:
                log = podman("logs", "--tail", "60", name, check=False)
                print(f"--- log of {name} (last 60 lines)\n{log.stdout}{log.stderr}", file=sys.stderr)
        return 1
    finally:
        clean_up(before, os.environ.get("VSEE_SIM_BASE"), handed)
    for key, value in figures.items():
        say(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
