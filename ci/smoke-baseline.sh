#!/usr/bin/env bash
# The spike's smoke chain as a plain shell script (the benchmark baseline for `rigctl smoke`): the same
# 11 steps with the docker CLI and the spike's run flags (no --init: PID 1 is `sleep`, which ignores
# SIGTERM, so `docker restart` waits out its 10 s timeout). Waits poll rather than sleep blindly.
# Usage: ci/smoke-baseline.sh IMAGE SECCOMP_PROFILE WEB_ARCHIVE BASE_ARCHIVE WEB_REF BASE_REF
set -euo pipefail
image=$1 seccomp=$2 web_tar=$3 base_tar=$4 web_ref=$5 base_ref=$6
name=rigctl-baseline-$$
ws=$name-ws store=$name-store
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; docker volume rm "$ws" "$store" >/dev/null 2>&1 || true; }
trap cleanup EXIT
step() { printf '%-3s %s\n' "$1" "$2"; }
inside() { docker exec "$name" sh -c "$1"; }
ready() { for _ in $(seq 1 200); do inside 'test -e "$XDG_RUNTIME_DIR/rig-ready"' 2>/dev/null && return 0; sleep 0.1; done; return 1; }
get() { for _ in $(seq 1 100); do curl -fsS --max-time 2 http://127.0.0.1:10000/ 2>/dev/null && return 0; sleep 0.1; done; return 1; }

docker run -d --name "$name" --device /dev/net/tun --security-opt "seccomp=$seccomp" \
  --security-opt systempaths=unconfined -v "$ws:/workspace" -v "$store:/home/builder/.local/share/containers" \
  -p 127.0.0.1:10000-10009:10000-10009 "$image" >/dev/null
ready; step 1 "outer up"
[ "$(inside 'id -u')" = 1000 ]; step 2 "uid 1000"
[ "$(docker inspect -f '{{.HostConfig.Privileged}}' "$name")" = false ]; step 3 "not privileged"
inside 'podman info >/dev/null'; step 4 "podman info"
docker cp "$web_tar" "$name:/tmp/web.tar"; docker cp "$base_tar" "$name:/tmp/base.tar"
docker exec -u 0 "$name" chmod 0644 /tmp/web.tar /tmp/base.tar
inside "podman load -q -i /tmp/web.tar >/dev/null && podman run -d --name web -p 10000:80 --pull=never $web_ref >/dev/null"; step 5 "inner run"
get >/dev/null; step 6 "host reaches inner app"
inside "podman load -q -i /tmp/base.tar >/dev/null && mkdir -p /workspace/b && printf 'FROM $base_ref\nRUN echo built-ok > /built\n' > /workspace/b/Containerfile && podman build -q --pull=never -t localhost/baseline-built /workspace/b >/dev/null"; step 7 "inner build"
[ "$(inside 'podman run --rm localhost/baseline-built cat /built')" = built-ok ]; step 8 "built image runs"
inside 'echo marker > /workspace/marker'
docker restart "$name" >/dev/null; sleep 1; ready
[ "$(inside 'cat /workspace/marker')" = marker ]; step 9 "workspace survives restart"
inside 'podman image exists localhost/baseline-built'; step 10 "image survives restart"
inside 'podman start web >/dev/null 2>&1 || true'; get >/dev/null; step 11 "app back after restart"
