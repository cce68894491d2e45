#!/usr/bin/env bash
# rigctl builds, and its unit suite passes, on Debian 13 and Ubuntu 24.04 (Catch2 3, newer g++,
# spdlog and fmt), not only on this Debian 12 machine: rigctl's own builder makes each build
# environment (images/buildenv-<suite>.json), and an unprivileged container with no network
# compiles this checkout in it and runs rigctl_unit.
#
# Opt-in (RIGCTL_IT_BUILDENV=1, or a list: RIGCTL_IT_BUILDENV=trixie): each environment costs a cold
# bootstrap and a full compile, ~15 min on 2 cores. Without it ctest reports the test skipped
# (exit 77), never passed.
source "$(dirname "$0")/lib.sh"
case "${RIGCTL_IT_BUILDENV:-}" in
  "") echo "not run: set RIGCTL_IT_BUILDENV=1 (or a list of suites) to build rigctl in trixie and noble" >&2; exit 77 ;;
  1) suites="trixie noble" ;;
  *) suites=${RIGCTL_IT_BUILDENV//,/ } ;;
esac
jobs=$(nproc)
for suite in $suites; do
  recipe="images/buildenv-$suite.json"
  [ -f "$recipe" ] || fail "no build environment recipe $recipe"
  t0=$(date +%s)
  "$RIGCTL" build "$recipe" --load --json >"$SCRATCH/$suite.json" 2>"$SCRATCH/$suite.err" ||
    fail "$suite: the build environment could not be built: $(tail -5 "$SCRATCH/$suite.err")"
  image="rigctl/buildenv-$suite:$(dpkg --print-architecture)"
  pass "$suite: build environment $image ($(( $(date +%s) - t0 )) s)"
  mkdir -p "$SCRATCH/build-$suite"
  t0=$(date +%s)
  # The checkout read-only, the build directory the container's own; no network, no added
  # capability, Docker's default seccomp and AppArmor.
  if ! docker run --rm --network none -v "$SRC:/src:ro" -v "$SCRATCH/build-$suite:/build" "$image" \
      bash -c "set -e; cmake -S /src -B /build -DRIGCTL_TESTS=ON -DRIGCTL_WERROR=ON >/dev/null
               cmake --build /build -j $jobs --target rigctl rigctl_unit 2>&1 | grep -E 'error|warning' || true
               cmake --build /build -j $jobs --target rigctl rigctl_unit >/dev/null
               grep -E '^Catch2_VERSION|^CMAKE_CXX_COMPILER:' /build/CMakeCache.txt || true
               g++ --version | head -1
               cd /build/tests && ./rigctl_unit" >"$SCRATCH/$suite.log" 2>&1; then
    tail -40 "$SCRATCH/$suite.log"
    fail "$suite: rigctl did not build or its unit suite failed ($(( $(date +%s) - t0 )) s)"
  fi
  grep -E 'g\+\+|Catch2_VERSION|All tests passed' "$SCRATCH/$suite.log" | sed "s/^/     $suite: /"
  pass "$suite: rigctl builds with -Werror and rigctl_unit passes ($(( $(date +%s) - t0 )) s)"
done
