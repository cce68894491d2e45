#!/usr/bin/env bash
# Runs rigctl's libFuzzer harnesses (fuzz/, docs/fuzzing.md): each one over its seed corpus
# (fuzz/corpus/<h>), its regression inputs (fuzz/regressions/<h>) and the inputs earlier runs found
# (<build>/fuzz-work/<h>), for --seconds N (default 20: what CI spends) or --runs N. Prints per
# harness the executions (libFuzzer's final stats), crashes and exit status; exits 1 if any harness
# crashed (a crash fails CI), 2 on bad usage.
#
#   ci/fuzz.sh                                   configure/build build-asan, 20 s per harness
#   nice -n 10 ci/fuzz.sh --seconds 3600 recipe  one harness for an hour (a long run by hand)
#   ci/fuzz.sh --build-dir B --configure-only    just configure B (ci/checkers.sh uses this)
#   ci/fuzz.sh --seed 1 --runs 20000 --seconds 20   what CI runs: the same inputs in the same order on
#                                                every machine, at most 20,000 of them or 20 s
#   ci/fuzz.sh --keep-going --seconds 3600 seccomp   go on past crashes (libFuzzer's fork mode), collecting
#                                                each crashing input: for long runs while a known crash is open
#
# Crash inputs land in <build>/fuzz-work/artifacts/<h>/; copy them to fuzz/regressions/<h>/ so every
# later run replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() {
  echo "usage: ci/fuzz.sh [--build-dir DIR] [--seconds N] [--runs N] [--seed N] [--keep-going] [--configure-only] [--no-build] [HARNESS...]" >&2
  exit 2
}

build_dir=build-asan
seconds=20
runs=""
seed=""
configure_only=0
no_build=0
keep_going=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --configure-only) configure_only=1; shift ;;
    --no-build) no_build=1; shift ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) usage ;;
    -*) echo "ci/fuzz.sh: unknown option $1" >&2; usage ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "ci/fuzz.sh: --seconds expects a number, got '$seconds'" >&2; exit 2; }
[[ -z "$runs" || "$runs" =~ ^[0-9]+$ ]] || { echo "ci/fuzz.sh: --runs expects a number, got '$runs'" >&2; exit 2; }
[[ -z "$seed" || "$seed" =~ ^[1-9][0-9]*$ ]] || { echo "ci/fuzz.sh: --seed expects a positive number, got '$seed'" >&2; exit 2; }

# The same compiler cache settings as ci/build-rigctl.sh: other checkouts of the same sources hit.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
fi

if ! command -v clang++ >/dev/null; then
  echo "ci/fuzz.sh: clang++ not found: libFuzzer needs clang (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

# -O1 with line tables: what sanitizers need for useful stacks, at a fraction of -O2's compile time.
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)  # as ci/build-rigctl.sh: better use of both cores
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DRIGCTL_SANITIZE=address -DRIGCTL_FUZZ=ON "${launcher[@]}" >&2
fi
[ "$configure_only" = 1 ] && exit 0
grep -q '^RIGCTL_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt" ||
  { echo "ci/fuzz.sh: $build_dir was not configured with -DRIGCTL_FUZZ=ON" >&2; exit 2; }
[ "$no_build" = 1 ] || cmake --build "$build_dir" -j "$(nproc)" --target fuzz >&2

# One harness per fuzz/fuzz_<name>.cpp (fuzz/CMakeLists.txt builds each as fuzz_<name>).
all=$(ls fuzz/fuzz_*.cpp | sed 's#^fuzz/fuzz_##; s#\.cpp$##')
[ ${#harnesses[@]} -gt 0 ] || mapfile -t harnesses <<<"$all"
for h in "${harnesses[@]}"; do
  grep -qx "$h" <<<"$all" || { echo "ci/fuzz.sh: no harness '$h' (have: $(echo $all))" >&2; exit 2; }
done

# Sanitizer findings stop the run with a stack; UBSan's too (the build also has -fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# The cause and rigctl's frames of a crash log, without template arguments: the full log stays on disk.
summarize() {
  grep -E 'FINDING|Assertion|what\(\)|ERROR: [A-Za-z]+Sanitizer|ERROR: libFuzzer: (timeout|out-of-memory|deadly)|runtime error|SUMMARY' "$1" | head -6
  grep -E '^ *#[0-9]+ 0x[0-9a-f]+ in (rig::|LLVMFuzzerTestOneInput)' "$1" | head -8 |
    sed -E 's/^ *(#[0-9]+) 0x[0-9a-f]+ in ([^ (<]+).* ([^ ]+:[0-9]+)(:[0-9]+)?$/  \1 \2  \3/; s#[^ ]*/\.\./\.\./##'
}

# Harnesses that write files (report merge, apt sources, base layer) do it under $TMPDIR: memory is
# several times faster than the disk there.
[ -z "${TMPDIR:-}" ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm

work="$build_dir/fuzz-work"
# --seconds and --runs together: whichever comes first. A fixed --seed makes the inputs tried, and
# their order, the same on every machine; a slower machine tries a prefix of them.
limit=(-max_total_time="$seconds")
[ -n "$runs" ] && limit+=(-runs="$runs")
[ -n "$seed" ] && limit+=(-seed="$seed")
mode=()
[ "$keep_going" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
failed=()
printf '%-16s %12s %8s %6s %8s %s\n' harness executions crashes exit seconds corpus
for h in "${harnesses[@]}"; do
  mkdir -p "$work/$h" "$work/artifacts/$h" "$work/logs" fuzz/regressions/"$h"
  log="$work/logs/$h.log"
  dict=()
  [ -f "fuzz/dict/$h.dict" ] && dict=(-dict="fuzz/dict/$h.dict")
  before=$(ls "$work/artifacts/$h")
  start=$(date +%s)
  status=0
  # New inputs go to the first directory (the build's work corpus); the seeds and regressions are read.
  "$build_dir/fuzz/fuzz_$h" "${limit[@]}" "${mode[@]}" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/$h/" "${dict[@]}" \
    "$work/$h" "fuzz/corpus/$h" "fuzz/regressions/$h" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # Fork mode prints no final stats; its progress lines ("#N: cov: ...") count every job's executions.
  [ -z "$execs" ] && execs=$(sed -n 's/^#\([0-9][0-9]*\):.*/\1/p' "$log" | tail -1)
  new_inputs=$(comm -13 <(echo "$before") <(ls "$work/artifacts/$h") | sed '/^$/d')
  crashes=$(echo -n "$new_inputs" | grep -c . || true)
  # A crash that wrote no input (e.g. in start-up) still counts.
  [ "$status" != 0 ] && [ "$crashes" = 0 ] && crashes=1
  [ "$crashes" != 0 ] && [ "$status" = 0 ] && status=1  # fork mode went on past them
  printf '%-16s %12s %8s %6s %8s %s\n' "$h" "${execs:-?}" "$crashes" "$status" "$elapsed" "$(find "$work/$h" -type f | wc -l) found"
  if [ "$status" != 0 ]; then
    failed+=("$h")
    echo "---- $h: exit $status; last lines of $log:" >&2
    summarize "$log" >&2
    for f in $new_inputs; do
      echo "     input: $work/artifacts/$h/$f" >&2
      # CI keeps only the log: a small crash input is printed whole so it can be rebuilt from the log.
      if [ "$(stat -c %s "$work/artifacts/$h/$f")" -le 4096 ]; then
        echo "     base64 (rebuild with: base64 -d > input):" >&2
        base64 -w 100 "$work/artifacts/$h/$f" | sed 's/^/       /' >&2
      fi
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "ci/fuzz.sh: crashes in: ${failed[*]} (inputs under $work/artifacts/; reproduce: $build_dir/fuzz/fuzz_<h> FILE)" >&2
  exit 1
fi
echo "ci/fuzz.sh: ${#harnesses[@]} harness(es), no crash"
