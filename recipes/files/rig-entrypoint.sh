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

# Warm up and bring inner apps back (with their port forwards) after a restart, in one podman call:
# the first call creates the user namespace and pause process, and doing it here keeps that cost out
# of the first real command. It used to be `podman info` first (FIELD-NOTES): that call cost ~0.17 s
# of CPU more per start (it asks dpkg about ten binaries) and the commands after it gained nothing
# from it that `podman start --all` does not give them. Failures are reported, not fatal: `rigctl
# smoke` shows them.
if ! podman start --all >"$XDG_RUNTIME_DIR/rig-warmup.log" 2>&1; then
  echo "rig-entrypoint: podman start --all failed:" >&2
  tail -n 5 "$XDG_RUNTIME_DIR/rig-warmup.log" >&2
fi

# The rig's Docker API (launch profile inner.docker_api -> RIG_DOCKER_API=1): podman's
# Docker-compatible service on the rig user's socket, for Docker API clients (CI runners, the docker
# CLI with DOCKER_HOST). --time=0: it never exits on idle, since nothing here would start it again.
if [ "${RIG_DOCKER_API:-0}" = 1 ]; then
  sock="$XDG_RUNTIME_DIR/podman/podman.sock"
  mkdir -p "$XDG_RUNTIME_DIR/podman"
  podman system service --time=0 "unix://$sock" >"$XDG_RUNTIME_DIR/podman-service.log" 2>&1 &
  i=0
  until [ -S "$sock" ] || [ $i -ge 300 ] || ! kill -0 $! 2>/dev/null; do i=$((i + 1)); sleep 0.1; done
  [ -S "$sock" ] || { echo "rig-entrypoint: podman system service did not come up:" >&2; tail -n 5 "$XDG_RUNTIME_DIR/podman-service.log" >&2; }
fi

# Readiness for `rigctl smoke`: the start time of this container's PID 1, so a marker left over from
# before a restart never counts.
cut -d' ' -f22 /proc/1/stat > "$XDG_RUNTIME_DIR/rig-ready"
exec "$@"
