#!/usr/bin/env bash
# Configures and builds rigctl (and its tests) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIGCTL_WERROR=ON >&2
cmake --build build -j "$(nproc)" >&2
