#!/usr/bin/env bash
# A stand-in for python:3.11-slim, built from Debian's own packages, for machines that
# cannot reach a container registry (issue 11): Debian bookworm (the release the official
# image is built on) with its Python 3.11, `python` and `pip` on the PATH, and pip allowed
# to install system-wide (Debian's EXTERNALLY-MANAGED marker removed), as in the official
# image. Prints the image's name on stdout; everything else goes to stderr.
#
# Built once per machine: the image stays in podman's store, tagged with a hash of this
# script's commands (comments aside), and is reused while they are unchanged (a changed
# recipe builds a new tag and removes the old ones). About 4 minutes to build (debootstrap), then nothing.
#
#   BASE=$(.ci/container/base.sh)
#   podman build --build-arg BASE="$BASE" ...
#
# Env: VSEE_SIM_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=localhost/vsee-sim-base
tag=bookworm-py3.11-$(grep -v '^[[:space:]]*#' "$here/base.sh" | sha256sum | cut -c1-12)
image=$repo:$tag
mirror=${VSEE_SIM_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# One builder at a time on a machine; the others wait (bounded), then find the image.
exec 9>/var/lock/vsee-sim-base.lock
flock -w 1200 9 || { echo "base.sh: another build of the base holds /var/lock/vsee-sim-base.lock for over 20 min" >&2; exit 1; }

if podman image exists "$image"; then
  echo "base.sh: reusing cached $image" >&2
  echo "$image"
  exit 0
fi

start=$SECONDS
root=$(mktemp -d /var/tmp/vsee-sim-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base.sh: building $image with debootstrap from $mirror (about 4 minutes)" >&2
if ! timeout 1800 debootstrap --variant=minbase \
      --include=python3,python3-venv,python3-pip,ca-certificates \
      bookworm "$root" "$mirror" > "$root.log" 2>&1; then
  echo "base.sh: debootstrap failed; its log ends:" >&2
  tail -n 40 "$root.log" >&2
  [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 40 "$root/debootstrap/debootstrap.log" >&2
  rm -f "$root.log"
  exit 1
fi
rm -f "$root.log"

# As in python:3.11-slim: `python` and `pip` on the PATH, pip free to install system-wide.
ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
[ -e "$root/usr/bin/pip" ] || ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
# Smaller: no package caches, lists, docs or manuals in the image.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/var/log/*.log "$root"/var/cache/debconf/*-old

tar --numeric-owner -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
  --change 'CMD ["python3"]' \
  --message "vsee-sim stand-in for python:3.11-slim (debootstrap bookworm minbase + python3)" \
  - "$image" >&2

# Older recipes of the stand-in are not needed any more.
podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$repo:" | grep -v ":$tag\$" \
  | xargs -r podman rmi >&2 || true
podman run --rm "$image" python -c 'import sys, ssl, venv; print("base.sh:", sys.version.split()[0], ssl.OPENSSL_VERSION)' >&2
podman run --rm "$image" pip --version >&2
echo "base.sh: built $image in $((SECONDS - start)) s" >&2
echo "$image"
