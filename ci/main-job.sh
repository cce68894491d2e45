#!/usr/bin/env bash
# The main job (README): prepare the host, build rigctl, build the default outer image and the inner
# test images (cached), launch a rig and run the smoke chain on it; prints the result table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/host-setup.sh
bash ci/build-rigctl.sh
./build/rigctl build recipes/debian-trixie.json --load
./build/rigctl smoke recipes/debian-trixie.json --json build/smoke-report.json --junit build/smoke-report.xml
