#!/usr/bin/env bash
# The hand-written chain: what `rigctl smoke` checks, written as a plain shell script with the docker
# CLI, one step after another as a person would write it. It starts the rig with `rigctl launch` (the
# same flags, the image already in the engine) and removes it at the end, so it does everything
# `rigctl smoke` does for a podman rig; `rigctl bench` (item smoke-vs-chain) times both in one run
# (target: rigctl smoke <= 1.0x this). The spike's shorter chain (ci/smoke-baseline.sh) stays the
# baseline of the seed comparison.
# Usage: ci/smoke-chain-baseline.sh RIGCTL RECIPE PORT_BASE WEB_ARCHIVE BASE_ARCHIVE WEB_REF BASE_REF
# Exits non-zero at the first step that does not hold (the step is named on stderr).
set -euo pipefail
rigctl=$1 recipe=$2 port=$3 web_tar=$4 base_tar=$5 web_ref=$6 base_ref=$7
name=rigctl-chain-$$
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$name-workspace" "$name-store" >/dev/null 2>&1 || true
  rm -rf "${stage:-}"
}
trap cleanup EXIT
fail() { echo "smoke-chain-baseline: $1" >&2; exit 1; }
inside() { docker exec "$name" sh -c "$1"; }
ready() {
  for _ in $(seq 1 600); do
    inside 'test "$(cat "$XDG_RUNTIME_DIR/rig-ready" 2>/dev/null)" = "$(cut -d" " -f22 /proc/1/stat)"' 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
get() {
  for _ in $(seq 1 100); do
    [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null)" = rigctl-inner-web-ok ] && return 0
    sleep 0.1
  done
  return 1
}

"$rigctl" launch "$recipe" --name "$name" --port-base "$port" >/dev/null 2>&1 || fail "rigctl launch"
ready || fail "outer-up"
[ "$(inside "awk '/^Uid:/{print \$2}' /proc/1/status")" = 1000 ] || fail "main-uid"
[ "$(docker inspect -f '{{.HostConfig.Privileged}} {{len .HostConfig.CapAdd}}' "$name")" = "false 0" ] || fail "not-privileged"
inside 'grep CapBnd /proc/1/status' >/dev/null || fail "not-privileged (CapBnd)"
inside 'if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max;
        else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; fi' >/dev/null || fail "rig-limits"
[ "$(inside "podman info --format '{{.Host.Security.Rootless}} {{.Store.GraphDriverName}}'")" = "true overlay" ] || fail "podman-info"
stage=$(mktemp -d)
mkdir "$stage/rig-images" && cp "$web_tar" "$stage/rig-images/web.tar" && cp "$base_tar" "$stage/rig-images/base.tar"
docker cp "$stage/rig-images" "$name:/tmp/" && docker exec -u 0 "$name" chmod -R a+rX /tmp/rig-images || fail "copy the inner images"
[ "$(inside "podman load -q -i /tmp/rig-images/web.tar >/dev/null && podman run -d --name rig-web --userns=auto -p 10000:80 --pull=never $web_ref >/dev/null &&
            podman inspect -f '{{.State.Running}}' rig-web")" = true ] || fail "inner-run"
get || fail "host-reach"
inside "set -e; podman load -q -i /tmp/rig-images/base.tar >/dev/null; mkdir -p /workspace/.chain && cd /workspace/.chain &&
        printf 'FROM %s\nRUN echo built-ok > /built\n' $base_ref > Containerfile && podman build -q --pull=never -t localhost/chain-built ." >/dev/null || fail "inner-build"
inside 'podman run --rm --pull=never localhost/chain-built cat /built' | grep -q built-ok || fail "built-runs"
if [ "$(inside 'stat -fc %T /sys/fs/cgroup')" = cgroup2fs ]; then
  inside "podman run --rm --pull=never --memory 32m --memory-swap 32m $base_ref busybox dd if=/dev/zero of=/dev/null bs=64M count=1" >/dev/null 2>&1 &&
    fail "inner-limits (memory)"
  inside "podman run --rm --pull=never --pids-limit 16 $base_ref sh -c 'i=0; while [ \$i -lt 40 ]; do busybox sleep 1 & i=\$((i + 1)); done; wait'" >/dev/null 2>&1 &&
    fail "inner-limits (pids)"
fi
inside "set -e; export DOCKER_HOST=unix://\$XDG_RUNTIME_DIR/podman/podman.sock DOCKER_BUILDKIT=0
        docker run --rm --pull=never $base_ref echo docker-api-run-ok
        mkdir -p /workspace/.chain-api && cd /workspace/.chain-api && printf 'FROM %s\nRUN echo docker-api-built > /api\n' $base_ref > Dockerfile
        docker build -q -t localhost/chain-api . >/dev/null 2>&1
        docker run --rm --pull=never localhost/chain-api cat /api
        docker rmi localhost/chain-api >/dev/null" | grep -q docker-api-built || fail "docker-api"
[ -z "$(inside 'for d in /proc/[0-9]*; do awk '"'"'/^State:/{if ($2 == "Z") print FILENAME}'"'"' $d/status 2>/dev/null; done')" ] || fail "init-reaps"
inside 'echo marker > /workspace/.chain-marker'
docker restart -t 10 "$name" >/dev/null || fail "restart-workspace (restart)"
ready || fail "restart-workspace (ready)"
[ "$(inside 'cat /workspace/.chain-marker')" = marker ] || fail "restart-workspace"
inside 'podman image inspect localhost/chain-built >/dev/null' || fail "restart-image"
[ "$(inside "podman inspect -f '{{.State.Running}}' rig-web")" = true ] && get || fail "restart-app"
inside 'pid=$(podman inspect -f "{{.State.Pid}}" rig-web); cat /proc/$pid/uid_map' | awk '$1 == 0 {exit !($2 != 0 && $2 != 1000)}' ||
  fail "uid-isolation"
