#!/usr/bin/env bash
# Podman for CI on a Debian bookworm machine with no Docker daemon (issue 11, "How to run
# containers here"): installs podman, podman-compose, runc and debootstrap, then makes
# podman use runc (crun refuses the hybrid cgroup layout of these machines) and default
# ulimits inside the current hard limits (processes here lack CAP_SYS_RESOURCE, so the
# engine's defaults, above them, would make every container fail to start).
#
# Idempotent: installs only what is missing; writes
# /etc/containers/containers.conf.d/50-vsee-sim-ci.conf with only the settings that no
# containers.conf (main file or drop-in) already sets.
set -euo pipefail

need=()
for pair in podman:podman podman-compose:podman-compose runc:runc debootstrap:debootstrap; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup-podman: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -o DPkg::Lock::Timeout=900 "${need[@]}"; then
    apt-get update -o DPkg::Lock::Timeout=900
    apt-get install -y -o DPkg::Lock::Timeout=900 "${need[@]}"
  fi
fi

# Limits for containers: the engine's usual 1048576 open files would exceed the hard limit.
hard_nofile=$(ulimit -Hn); hard_nproc=$(ulimit -Hu)
nofile=20000; nproc=4096
[ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt "$nofile" ] && nofile=$hard_nofile
[ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt "$nproc" ] && nproc=$hard_nproc

dropin_dir=/etc/containers/containers.conf.d
dropin=$dropin_dir/50-vsee-sim-ci.conf
mkdir -p "$dropin_dir"
# Which of the two settings are already made by a file other than ours? (python3's tomllib:
# bookworm's python3 is 3.11.)
set_already=$(python3 - "$dropin" <<'PY'
import glob, sys, tomllib
ours = sys.argv[1]
found = set()
for path in ["/etc/containers/containers.conf", *sorted(glob.glob("/etc/containers/containers.conf.d/*.conf"))]:
    if path == ours:
        continue
    try:
        with open(path, "rb") as f:
            conf = tomllib.load(f)
    except FileNotFoundError:
        continue
    if "default_ulimits" in conf.get("containers", {}):
        found.add("ulimits")
    if "runtime" in conf.get("engine", {}):
        found.add("runtime")
print(" ".join(sorted(found)))
PY
)
{
  echo "# Written by vsee-sim's .ci/container/setup-podman.sh (issue 11)."
  if [[ " $set_already " != *" ulimits "* ]]; then
    echo "[containers]"
    echo "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
  fi
  if [[ " $set_already " != *" runtime "* ]]; then
    echo "[engine]"
    echo "runtime = \"runc\""
  fi
} > "$dropin.new"
if cmp -s "$dropin.new" "$dropin"; then
  rm -f "$dropin.new"
else
  mv "$dropin.new" "$dropin"
  echo "setup-podman: wrote $dropin (already set elsewhere: ${set_already:-nothing})"
fi
podman info --format 'setup-podman: podman {{.Version.Version}}, runtime {{.Host.OCIRuntime.Name}}, cgroups {{.Host.CgroupsVersion}}, storage {{.Store.GraphDriverName}}'
