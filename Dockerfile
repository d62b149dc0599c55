# vsee-sim: a stateful simulator of the VSee Clinic API (api_v3).
#
#   docker build -t vsee-sim .
#   docker build --build-arg BASE=my-registry/python:3.11-slim -t vsee-sim .   # another base
#   docker run --rm -p 8000:8000 vsee-sim                       # demo clinic, state in memory
#   docker run --rm -p 8000:8000 vsee-sim vsee-sim serve --host 0.0.0.0 --port 8000 --fixture minimal
#
# Persistence: /data is a volume owned by the image's non-root user (uid 10001).
# State is in memory unless you pass --data (or set VSEE_SIM_DATA):
#   docker run --rm -p 8000:8000 -v vsee-sim-data:/data vsee-sim \
#       vsee-sim serve --host 0.0.0.0 --port 8000 --data /data/state.json
#   (or: -e VSEE_SIM_DATA=/data/state.json with the default CMD)
# A named volume inherits the directory's ownership; a host bind mount must be
# writable by uid 10001 (or run with --user "$(id -u)").
#
# One process (waitress; the state is in memory): `docker stop` (SIGTERM) finishes the
# requests in flight, flushes --data and exits.
#
# Keep the CMD's --port 8000: the HEALTHCHECK below probes 127.0.0.1:8000.
# /_sim/health answers even when VSEE_SIM_ADMIN_TOKEN is set, but not with --no-control.
#
# BASE: any Debian-based image with Python 3.11+ as `python` and `pip` free to install
# system-wide, plus groupadd/useradd. CI builds on a stand-in made from Debian's own
# packages (.ci/container/base.sh), since it cannot reach a container registry.
ARG BASE=python:3.11-slim

# ---- builder: wheels for the project and every dependency ------------------
FROM ${BASE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src

# Dependencies first (pyproject.toml's, pinned by requirements.lock: scripts/lock), so code
# edits do not rebuild them. The glob keeps the build working in a copy without the lock.
COPY pyproject.toml requirements.loc[k] ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && if [ -f requirements.lock ]; then set -- -c requirements.lock; fi \
 && pip wheel -w /wheels -r /tmp/requirements.txt "$@"

# Then the project itself (.dockerignore keeps .venv, .git, caches and test artefacts out).
COPY . .
RUN pip wheel --no-deps -w /wheels .

# ---- runtime -----------------------------------------------------------------
FROM ${BASE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 vsee \
 && useradd --system --uid 10001 --gid vsee --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin vsee \
 && mkdir -p /app /data \
 && chown vsee:vsee /data

COPY --from=builder /wheels /tmp/wheels
RUN pip install --no-index --find-links=/tmp/wheels vsee-sim \
 && rm -rf /tmp/wheels

WORKDIR /app
USER vsee

VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/_sim/health', timeout=3).status == 200 else 1)"]

CMD ["vsee-sim", "serve", "--host", "0.0.0.0", "--port", "8000"]
