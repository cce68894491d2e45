#!/usr/bin/env bash
# What one nightly runner does (.github/workflows/nightly.yml, ci/README-nightly.md): prepare the host,
# build rigctl, run the matrix cells applicable here into results/LABEL (summary.json, summary.md,
# junit.xml, cells/...). The results directory is always left, whatever failed; the exit code is
# `rigctl matrix`'s (0 pass, 1 some cell failed, 2 usage, 3 engine unavailable), or the failing step's
# when the host could not be prepared (host-setup: 3 for an engine that does not start) or rigctl did not build.
# Usage (as root): ci/nightly-host.sh LABEL [MATRIX]      MATRIX defaults to matrix/nightly.json
#   RIGCTL_CELLS=GLOB[,GLOB...]  only these cells (rigctl matrix --cells)
#   RIGCTL_NIGHTLY_NO_ENGINE=1   a host that cannot run a container engine (the Debian container job):
#                                build, unit tests and engine-free checks only, as results/LABEL/summary.md,
#                                junit.xml and steps/*.log (no summary.json: not a matrix result)
# shellcheck disable=SC2317  # functions reached through step() and the EXIT trap
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=${1:?usage: ci/nightly-host.sh LABEL [MATRIX]}
MATRIX=${2:-matrix/nightly.json}
[[ $LABEL =~ ^[A-Za-z0-9._-]+$ ]] || { echo "nightly-host: LABEL must be [A-Za-z0-9._-]+ (it names a directory)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "nightly-host: run as root (host-setup installs packages and starts engines)" >&2; exit 2; }
OUT=results/$LABEL
# A stale directory from an earlier run on the same machine would mix into this run's report.
rm -rf "$OUT" "results/$LABEL.setup.log"
mkdir -p results

# Only the binary, in its own directory: the runners need no tests (ci/test.sh runs them on the project's
# machines), Debian trixie (and Ubuntu 24.04) ship Catch2 3 while tests/ includes Catch2 2's
# <catch2/catch.hpp>, and configuring ./build with RIGCTL_TESTS=OFF would stick in the cache that
# ci/build-rigctl.sh and ci/test.sh reuse. Same flags as ci/build-rigctl.sh otherwise.
BUILD=build-nightly
configure() { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRIGCTL_WERROR=ON "-DRIGCTL_TESTS=$1"; }
build_rigctl() { configure "$1" && cmake --build "$BUILD" -j "$(nproc)" --target rigctl; }

# The upload step runs as the unprivileged runner user; whatever rigctl wrote must be readable to it.
finish() { chmod -R a+rX results 2>/dev/null || true; }
trap finish EXIT

if [ "${RIGCTL_NIGHTLY_NO_ENGINE:-0}" = 1 ]; then
  # Each step is a testcase in junit.xml and a line in summary.md; its output is steps/NAME.log.
  mkdir -p "$OUT/steps"
  STEPS=()
  step() {
    local name=$1 start=$SECONDS status=pass
    shift
    echo "=== $name: $*"
    if ! "$@" 2>&1 | tee "$OUT/steps/$name.log"; then status=fail; fi
    STEPS+=("$name $status $((SECONDS - start))")
    [ "$status" = pass ]
  }
  skip() { STEPS+=("$1 skipped 0"); echo "$2" > "$OUT/steps/$1.log"; }
  seccomp_profile() {
    # The tailored profile from this distribution's podman stock profile (the one the same-suite outer
    # image ships), linted against Docker's default: what `rigctl build` would derive, without building.
    "$BUILD/rigctl" seccomp gen --from /usr/share/containers/seccomp.json --out "$OUT/rig-seccomp.json" &&
      "$BUILD/rigctl" seccomp lint "$OUT/rig-seccomp.json"
  }
  unit_tests() { ctest --test-dir "$BUILD" -L unit --output-on-failure --output-junit "$PWD/$OUT/unit-junit.xml"; }

  later=(validate render seccomp-profile build-unit-tests unit-tests)
  if ! step host-setup env RIGCTL_SKIP_DOCKERD=1 RIGCTL_SKIP_PODMAN_SERVICE=1 bash ci/host-setup.sh; then
    skip build-rigctl "not run: host setup failed"
    for s in "${later[@]}"; do skip "$s" "not run: host setup failed"; done
  else
    if step build-rigctl build_rigctl ON; then
      step validate "$BUILD/rigctl" validate recipes/*.json images/*.json || true
      step render "$BUILD/rigctl" render recipes/debian-trixie.json --out "$OUT/render" || true
      step seccomp-profile seccomp_profile || true
      # What a container without an engine looks like to rigctl's preflight: kept, not judged.
      "$BUILD/rigctl" doctor --json > "$OUT/doctor.json" 2>/dev/null || true
      if step build-unit-tests cmake --build "$BUILD" -j "$(nproc)" --target rigctl_unit; then
        step unit-tests unit_tests || true
      else
        skip unit-tests "not run: the unit tests did not build"
      fi
    else
      for s in "${later[@]}"; do skip "$s" "not run: rigctl did not build"; done
    fi
  fi

  # summary.md and junit.xml (the shape tests/schemas/junit.xsd describes).
  xml() { tr -d '\000-\010\013\014\016-\037' | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
  failed=0 skipped=0 cases=""
  {
    echo "## $LABEL: build and engine-free checks (no container engine on this runner)"
    echo
    echo "| step | result | time |"
    echo "|---|---|---|"
  } > "$OUT/summary.md"
  for s in "${STEPS[@]}"; do
    read -r name status secs <<<"$s"
    echo "| $name | $status | ${secs} s |" >> "$OUT/summary.md"
    cases+="    <testcase classname=\"nightly.$LABEL\" name=\"$name\" time=\"$secs\">"
    case $status in
      fail) failed=$((failed + 1))
            cases+="<failure message=\"$name failed\">$(tail -n 60 "$OUT/steps/$name.log" | xml)</failure>" ;;
      skipped) skipped=$((skipped + 1))
               cases+="<skipped message=\"$(xml < "$OUT/steps/$name.log")\"/>" ;;
    esac
    cases+=$'</testcase>\n'
  done
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuites name=\"nightly $LABEL\" tests=\"${#STEPS[@]}\" failures=\"$failed\" skipped=\"$skipped\">"
    echo "  <testsuite name=\"nightly.$LABEL\" tests=\"${#STEPS[@]}\" failures=\"$failed\" skipped=\"$skipped\">"
    printf '%s' "$cases"
    echo "  </testsuite>"
    echo "</testsuites>"
  } > "$OUT/junit.xml"
  cat "$OUT/summary.md"
  [ "$failed" = 0 ] || exit 1
  exit 0
fi

# Host with an engine: the matrix. Setup and build output goes to a log beside the results until the
# matrix has written its directory, then into it.
setup_log=results/$LABEL.setup.log
rc=0
{ bash ci/host-setup.sh && build_rigctl OFF; } 2>&1 | tee "$setup_log" || rc=$?
if [ "$rc" != 0 ]; then
  mkdir -p "$OUT"
  mv "$setup_log" "$OUT/setup.log"
  printf '## %s: host setup or build failed (exit %s), no cell ran\n\nSee setup.log.\n' "$LABEL" "$rc" > "$OUT/summary.md"
  exit "$rc"
fi
set +e
"$BUILD/rigctl" matrix "$MATRIX" --host-label "$LABEL" --out "$OUT" ${RIGCTL_CELLS:+--cells "$RIGCTL_CELLS"}
rc=$?
set -e
mkdir -p "$OUT"
mv "$setup_log" "$OUT/setup.log"
[ -f "$OUT/summary.json" ] || printf '## %s: rigctl matrix wrote no summary (exit %s)\n' "$LABEL" "$rc" >> "$OUT/summary.md"
exit "$rc"
