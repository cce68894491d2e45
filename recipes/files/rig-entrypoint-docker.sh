#!/bin/sh
# Entrypoint of a rigctl outer image whose inner engine is rootless Docker. Runs as the rig user on
# every start, including after a restart of the rig, before the container's command.
set -u
uid=$(id -u)
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$uid}"
export DOCKER_HOST="${DOCKER_HOST:-unix://$XDG_RUNTIME_DIR/docker.sock}"

# No logind in a container: the runtime dir has to be made by hand.
mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"

# The runtime dir survives a restart but dockerd, containerd and rootlesskit do not. Their pid files
# and sockets there make the next dockerd refuse to start ("pid file found, ensure docker is not
# running") or rootlesskit fail on its state dir. RIG_KEEP_RUNTIME_STATE=1 skips this (ablation only).
rm -f "$XDG_RUNTIME_DIR/rig-ready"
if [ "${RIG_KEEP_RUNTIME_STATE:-0}" != 1 ]; then
  rm -rf "$XDG_RUNTIME_DIR/docker.pid" "$XDG_RUNTIME_DIR/docker.sock" "$XDG_RUNTIME_DIR/docker" \
         "$XDG_RUNTIME_DIR/dockerd-rootless" "$XDG_RUNTIME_DIR/containerd" "$XDG_RUNTIME_DIR/runc"
fi

# Rootless dockerd inside rootlesskit (user namespace through newuidmap/newgidmap, slirp4netns for the
# network, the builtin port driver so a published inner port is a listening socket of the rig itself:
# the outer engine's publish then reaches it). Its data root is the store volume (the recipe's
# launch.volumes): overlay2 on the rig's own overlay rootfs would be overlay-on-overlay.
# Under a confining AppArmor profile (the tailored one, like docker-default) the rig may not write
# /proc/sys/net: dockerd's network hook then fails every inner container with "failed to disable IPv6 on
# container's interface eth0" (measured on the Ubuntu VM host). This keeps the interface as the kernel made
# it instead; rootlesskit's slirp4netns network has no IPv6 route anyway.
export DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1

# rig-runc (the seed's runc sysctl wrapper) is the default runtime unless RIG_NO_RUNC_WRAPPER=1
# (ablation of the hardening 'runc-sysctl-wrapper').
log="$XDG_RUNTIME_DIR/rig-warmup.log"
: >"$log"
runtime=""
[ "${RIG_NO_RUNC_WRAPPER:-0}" = 1 ] || runtime="--add-runtime rig-runc=/usr/local/bin/rig-runc --default-runtime rig-runc"
# $runtime is unquoted on purpose: it is either empty or four words.
# shellcheck disable=SC2086
/usr/share/docker.io/contrib/dockerd-rootless.sh --data-root "$HOME/.local/share/docker" $runtime >"$XDG_RUNTIME_DIR/dockerd.log" 2>&1 &

# Wait until it answers (a TCG-emulated host takes tens of seconds), or until it has died.
i=0
until docker info >>"$log" 2>&1; do
  i=$((i + 1))
  if [ $i -ge 600 ] || ! kill -0 $! 2>/dev/null; then
    echo "rig-entrypoint: dockerd did not come up:" | tee -a "$log" >&2
    tail -n 20 "$XDG_RUNTIME_DIR/dockerd.log" | tee -a "$log" >&2
    break
  fi
  : >"$log"
  sleep 0.2
done

# Bring inner apps back (with their published ports) after a restart, like the podman rig's
# `podman start --all`: every container that exists is started, whatever its restart policy.
ids=$(docker ps -aq --filter status=exited --filter status=created 2>>"$log")
# $ids is unquoted on purpose: one container id per word.
# shellcheck disable=SC2086
[ -n "$ids" ] && docker start $ids >>"$log" 2>&1

# Readiness for `rigctl smoke`: the start time of this container's PID 1, so a marker left over from
# before a restart never counts.
cut -d' ' -f22 /proc/1/stat > "$XDG_RUNTIME_DIR/rig-ready"
exec "$@"
