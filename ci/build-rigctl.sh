#!/usr/bin/env bash
# Configures and builds rigctl (and its tests) into build/. Extra arguments go to the configure step
# (e.g. -DRIGCTL_TESTS=OFF for the main job, which needs only the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache (installed by host-setup) makes rebuilds and other checkouts of the same sources cheap.
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIGCTL_WERROR=ON "${launcher[@]}" "$@" >&2
cmake --build build -j "$(nproc)" >&2
