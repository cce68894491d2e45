#!/usr/bin/env bash
# The main job (README): prepare the host, build rigctl, build the default outer image and the
# inner test images, and load them into the local Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/host-setup.sh
bash ci/build-rigctl.sh
./build/rigctl build recipes/debian-trixie.json --load
./build/rigctl build images/inner-web.json --load
./build/rigctl build images/inner-base.json --load
