#!/usr/bin/env bash
# The test command (README): prepares the host, builds rigctl, runs unit and integration tests
# with ctest. Stops the dockerd it started when done.
set -euo pipefail
cd "$(dirname "$0")/.."
started_dockerd=0
[ -e /var/run/docker.sock ] && docker version >/dev/null 2>&1 || started_dockerd=1
bash ci/host-setup.sh
stop_services() {
  if [ -f /run/rigctl-podman.pid ]; then
    kill "$(cat /run/rigctl-podman.pid)" 2>/dev/null || true
    rm -f /run/rigctl-podman.pid
  fi
  if [ "$started_dockerd" = 1 ] && [ -f /run/rigctl-dockerd.pid ]; then
    kill "$(cat /run/rigctl-dockerd.pid)" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$(cat /run/rigctl-dockerd.pid)" 2>/dev/null || break; sleep 0.5; done
    rm -f /run/rigctl-dockerd.pid
  fi
}
trap stop_services EXIT
bash ci/build-rigctl.sh -DRIGCTL_TESTS=ON
cd build
ctest --output-on-failure --timeout 1800 "$@"
bash ../ci/checkers.sh
