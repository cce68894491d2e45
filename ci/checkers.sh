#!/usr/bin/env bash
# The sanitizer builds of CI (docs/fuzzing.md), after the main test run (ci/test.sh):
#   1. build-asan (clang, RIGCTL_SANITIZE=address, RIGCTL_FUZZ=ON): rigctl_unit and the fuzz harnesses;
#      the whole unit suite under ASan + UBSan; every harness briefly and seeded (ci/fuzz.sh: seed 1, 20,000 inputs or 20 s each).
#   2. build-tsan (clang, RIGCTL_SANITIZE=thread): rigctl_unit only; the unit suite under TSan.
# Any sanitizer report, test failure or fuzz crash fails the script (exit 1). Each stage prints one
# line with its time. FUZZ_SEED, FUZZ_RUNS and FUZZ_SECONDS override the fuzz bounds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'checkers: %s\n' "$*" >&2; }

# clang and its sanitizer/libFuzzer runtimes are only needed here, so they are installed here rather
# than by host-setup.sh for every job (same idiom as host-setup.sh).
# The runtime package carries clang's major version (14 on Debian 12, 19 on Debian 13, 18 on Ubuntu 24.04):
# clang first, then the runtime of the clang it installed.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
ensure_packages clang
clang_major=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -1)
ensure_packages "libclang-rt-${clang_major}-dev"

# The same compiler cache settings as ci/build-rigctl.sh.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
fi

failed=()
total_start=$(date +%s)
stage_start=0
begin() {
  stage=$1
  stage_start=$(date +%s)
  log "== $stage ..."
}
# end STATUS: one line per stage with its time; a failing stage is remembered, the next ones still run.
end() {
  local secs=$(( $(date +%s) - stage_start ))
  if [ "$1" = 0 ]; then
    log "== $stage: ok ($(printf '%dm%02ds' $((secs / 60)) $((secs % 60))))"
  else
    log "== $stage: FAILED, exit $1 ($(printf '%dm%02ds' $((secs / 60)) $((secs % 60))))"
    failed+=("$stage")
  fi
}

jobs=$(nproc)
# The unit suite finds its fixtures and the rigctl binary through paths compiled into it; it runs
# from the build directory like ctest does.
run_unit() {
  (cd "$1/tests" && ./rigctl_unit)
}

# ---- ASan + UBSan ------------------------------------------------------------------------------
begin "asan: configure and build rigctl_unit and the fuzz harnesses"
st=0
{ bash ci/fuzz.sh --build-dir build-asan --configure-only &&
  cmake --build build-asan -j "$jobs" --target rigctl_unit fuzz >&2; } || st=$?
end $st

if [ $st = 0 ]; then
  begin "asan: unit tests under ASan + UBSan"
  st=0
  # hard_rss_limit_mb: a test (or the rigctl it runs) that reads without bound dies with a report instead
  # of taking the machine's memory (`rigctl validate /dev/zero` did: 12 GB in 20 s).
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:hard_rss_limit_mb=4096 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_unit build-asan || st=$?
  end $st

  # Seeded and bounded: CI tries the same inputs in the same order on every machine, so its verdict
  # is the one the same command gave before the push (a random 20 s run once failed CI on a crash
  # nobody had seen). Finding new crashes is the job of long random runs by hand (docs/fuzzing.md).
  # The work corpus starts empty for the same reason.
  begin "asan: fuzz harnesses, seed ${FUZZ_SEED:-1}, ${FUZZ_RUNS:-20000} inputs or ${FUZZ_SECONDS:-20} s each"
  st=0
  rm -rf build-asan/fuzz-work
  bash ci/fuzz.sh --build-dir build-asan --no-build --seed "${FUZZ_SEED:-1}" --runs "${FUZZ_RUNS:-20000}" \
    --seconds "${FUZZ_SECONDS:-20}" 2>&1 | tee build-asan/fuzz-findings.txt >&2 || st=$?
  end $st
fi

# ---- TSan --------------------------------------------------------------------------------------
begin "tsan: configure and build rigctl_unit"
st=0
if [ ! -f build-tsan/CMakeCache.txt ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)  # as ci/build-rigctl.sh: better use of both cores
  cmake -S . -B build-tsan "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DRIGCTL_SANITIZE=thread "${launcher[@]}" >&2 || st=$?
fi
[ $st = 0 ] && { cmake --build build-tsan -j "$jobs" --target rigctl_unit >&2 || st=$?; }
end $st

if [ $st = 0 ]; then
  begin "tsan: unit tests under TSan"
  st=0
  # No suppressions: the suite has no third-party noise under TSan today, and rigctl's own races must
  # fail this stage. (Should libcurl or libarchive ever need one, a suppressions file names only them.)
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 hard_rss_limit_mb=8192" run_unit build-tsan || st=$?
  end $st
fi

secs=$(( $(date +%s) - total_start ))
if [ ${#failed[@]} -gt 0 ]; then
  # CI keeps only the tail of the log: the fuzz findings (with small crash inputs as base64) again.
  if grep -q -- '^---- ' build-asan/fuzz-findings.txt 2>/dev/null; then
    log "fuzz findings (build-asan/fuzz-findings.txt):"
    sed -n '/^---- /,$p' build-asan/fuzz-findings.txt >&2
  fi
  log "FAILED (${secs} s): ${failed[*]}"
  exit 1
fi
log "all sanitizer stages passed (${secs} s)"
