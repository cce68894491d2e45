#!/usr/bin/env bash
# Benchmark for `rigctl build` (issue: build). Prints, from one run:
#   cold rigctl build vs `docker build` of the rendered Containerfile on the same base (the base bootstrap
#   counted on both sides: the Containerfile path needs a base image too, and no registry is reachable),
#   warm rigctl build time, and image size vs the Containerfile's image.
# Targets: cold <= 0.6x, warm <= 0.2 s, size <= 0.75x.
# Usage: ci/bench-build.sh [RECIPE]   (needs a running Docker engine and build/rigctl)
set -euo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${RIGCTL:-./build/rigctl}
RECIPE=${1:-recipes/debian-trixie.json}
work=$(mktemp -d /tmp/rigctl-bench-XXXXXX)
trap 'rm -rf "$work"; docker rmi -f rigctl-bench/base:1 rigctl-bench/rendered:1 rigctl-bench/rigctl:1 >/dev/null 2>&1 || true' EXIT
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

export XDG_CACHE_HOME="$work/cache"
t0=$(now)
"$RIGCTL" build "$RECIPE" --no-cache --tag rigctl-bench/rigctl:1 >/dev/null 2>&1
t1=$(now)
cold=$(elapsed "$t0" "$t1")

"$RIGCTL" render "$RECIPE" --out "$work/ctx" >/dev/null
t0=$(now)
XDG_CACHE_HOME="$work/cache-base" "$RIGCTL" build "$work/ctx/base.json" --no-cache --load --tag rigctl-bench/base:1 >/dev/null 2>&1
tb=$(now)
DOCKER_BUILDKIT=0 docker build -q --no-cache --build-arg BASE=rigctl-bench/base:1 -t rigctl-bench/rendered:1 -f "$work/ctx/Containerfile" "$work/ctx" >/dev/null
t1=$(now)
docker_total=$(elapsed "$t0" "$t1")
docker_base=$(elapsed "$t0" "$tb")

warm_runs=()
for _ in 1 2 3 4 5; do
  a=$(now); "$RIGCTL" build "$RECIPE" --tag rigctl-bench/rigctl:1 >/dev/null 2>&1; b=$(now)
  warm_runs+=("$(elapsed "$a" "$b")")
done
warm=$(printf '%s\n' "${warm_runs[@]}" | sort -n | sed -n 3p)

"$RIGCTL" build "$RECIPE" --tag rigctl-bench/rigctl:1 --load >/dev/null 2>&1
size_rig=$(docker image inspect -f '{{.Size}}' rigctl-bench/rigctl:1)
size_docker=$(docker image inspect -f '{{.Size}}' rigctl-bench/rendered:1)

python3 - "$cold" "$docker_total" "$docker_base" "$warm" "$size_rig" "$size_docker" <<'PY'
import sys
cold, dock, base, warm, srig, sdock = map(float, sys.argv[1:])
def verdict(ok): return "meets target" if ok else "MISSES target"
print(f"cold rigctl build            {cold:7.2f} s")
print(f"docker build path            {dock:7.2f} s  (base bootstrap {base:.2f} s + docker build {dock-base:.2f} s)")
print(f"cold ratio                   {cold/dock:7.2f}x  target <= 0.60x  {verdict(cold/dock <= 0.6)}")
print(f"warm rigctl build (median 5) {warm:7.3f} s  target <= 0.2 s  {verdict(warm <= 0.2)}")
print(f"image size rigctl            {srig/1e6:7.1f} MB")
print(f"image size Containerfile     {sdock/1e6:7.1f} MB")
print(f"size ratio                   {srig/sdock:7.2f}x  target <= 0.75x  {verdict(srig/sdock <= 0.75)}")
PY
