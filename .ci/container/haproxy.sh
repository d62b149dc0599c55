#!/usr/bin/env bash
# A stand-in for the official haproxy:2.6 image (deploy/compose-sharded.yml's router), for
# machines that cannot reach a container registry: Debian bookworm's own haproxy package
# (2.6.x, the series the compose file names) on the stand-in base (base.sh), laid out as the
# official image is: config at /usr/local/etc/haproxy/haproxy.cfg, runs as user haproxy,
# master-worker in the foreground (`-W -db`, as its entrypoint adds), stops on SIGUSR1.
# The compose file picks it with VSEE_SIM_HAPROXY_IMAGE; nothing else differs.
# Prints the image's name on stdout; everything else goes to stderr.
#
#   ROUTER=$(.ci/container/haproxy.sh "$(.ci/container/base.sh)")
#
# Built once per machine and base (about 30 s: apt-get in the build), then cached in podman's
# store under a tag made of this script's commands and the base's tag.
set -euo pipefail
base=${1:?usage: haproxy.sh BASE_IMAGE}
here=$(cd "$(dirname "$0")" && pwd)
repo=localhost/vsee-sim-haproxy
tag=2.6-$( { grep -v '^[[:space:]]*#' "$here/haproxy.sh"; echo "$base"; } | sha256sum | cut -c1-12)
image=$repo:$tag

exec 9>/var/lock/vsee-sim-haproxy.lock
flock -w 600 9 || { echo "haproxy.sh: another build holds /var/lock/vsee-sim-haproxy.lock for over 10 min" >&2; exit 1; }

if podman image exists "$image"; then
  echo "haproxy.sh: reusing cached $image" >&2
  echo "$image"
  exit 0
fi

start=$SECONDS
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cat > "$ctx/Containerfile" <<'EOF'
ARG BASE
FROM ${BASE}
RUN apt-get update -o Acquire::Retries=3 \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /usr/local/etc/haproxy /var/lib/haproxy \
 && chown haproxy:haproxy /var/lib/haproxy \
 && haproxy -v | head -n 1
STOPSIGNAL SIGUSR1
USER haproxy
WORKDIR /var/lib/haproxy
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
EOF
ca=/etc/ssl/certs/ca-certificates.crt
vol=(); [ -f "$ca" ] && vol=(-v "$ca:$ca:ro")
echo "haproxy.sh: building $image on $base (Debian's haproxy package)" >&2
timeout 600 podman build --format docker --network host "${vol[@]}" --build-arg "BASE=$base" \
  -t "$image" "$ctx" >&2
# Older recipes of the stand-in are not needed any more.
podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$repo:" | grep -v ":$tag\$" \
  | xargs -r podman rmi >&2 || true
echo "haproxy.sh: built $image in $((SECONDS - start)) s" >&2
echo "$image"
