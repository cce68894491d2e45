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
# Ninja where it is installed (host-setup installs it): it starts a library's files before the
# libraries below it are linked, where make waits (on 2 cores 318 s against 428 s for the binary). A
# build directory keeps the generator it was configured with.
generator=()
if command -v ninja >/dev/null && ! grep -q '^CMAKE_GENERATOR:INTERNAL=' build/CMakeCache.txt 2>/dev/null; then
  generator=(-G Ninja)
fi
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DRIGCTL_WERROR=ON "${launcher[@]}" "$@" >&2
cmake --build build -j "$(nproc)" >&2
