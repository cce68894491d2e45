#!/bin/sh
# Entrypoint of a rigctl outer image. Runs as the rig user on every start, including after
# `docker restart`, before the container's command.
set -u
uid=$(id -u)
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$uid}"

# No logind in a container: the runtime dir has to be made by hand.
mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"

# The runtime dir survives a restart but the pause process does not. Stale state there makes podman
# fail with 'invalid internal status, try resetting the pause process with "podman system migrate"'
# and crun with 'container already exists'. RIG_KEEP_RUNTIME_STATE=1 skips this (ablation only).
rm -f "$XDG_RUNTIME_DIR/rig-ready"
if [ "${RIG_KEEP_RUNTIME_STATE:-0}" != 1 ]; then
  rm -rf "$XDG_RUNTIME_DIR/libpod" "$XDG_RUNTIME_DIR/containers" "$XDG_RUNTIME_DIR/netns" \
         "$XDG_RUNTIME_DIR/crun" "$XDG_RUNTIME_DIR/podman" "$XDG_RUNTIME_DIR/systemd"
fi

# Warm up: the first podman call creates the user namespace and pause process; doing it here keeps
# that cost out of the first real command. Failures are reported, not fatal: `rigctl smoke` shows them.
if ! podman info >"$XDG_RUNTIME_DIR/rig-warmup.log" 2>&1; then
  echo "rig-entrypoint: podman info failed:" >&2
  tail -n 5 "$XDG_RUNTIME_DIR/rig-warmup.log" >&2
fi

# Bring inner apps back (with their port forwards) after a restart.
podman start --all >>"$XDG_RUNTIME_DIR/rig-warmup.log" 2>&1 || true

# Readiness for `rigctl smoke`: the start time of this container's PID 1, so a marker left over from
# before a restart never counts.
cut -d' ' -f22 /proc/1/stat > "$XDG_RUNTIME_DIR/rig-ready"
exec "$@"
