#!/usr/bin/env bash
# The main job (README): prepare the host, build rigctl, build the default outer image and the inner
# test images (cached), launch a rig and run the smoke chain on it; prints the result table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/host-setup.sh --main
# The binary only: the main job runs no unit tests, so it does not compile them.
bash ci/build-rigctl.sh -DRIGCTL_TESTS=OFF
./build/rigctl build recipes/debian-trixie.json --load
./build/rigctl smoke recipes/debian-trixie.json --json-file build/smoke-report.json --junit-file build/smoke-report.xml
