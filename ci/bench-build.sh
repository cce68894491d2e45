#!/usr/bin/env bash
# Benchmark for `rigctl build` (issue: build). Prints, from one run:
#   rigctl cold (empty image and package caches) and rigctl cold image + warm packages (a fresh image
#   cache, the package cache the cold build filled), each against
#     docker cold: a rigctl-built base (no package cache: no registry is reachable, so the base
#       bootstrap is counted on the docker side) + load + docker build --no-cache of the rendered
#       Containerfile, and
#     docker warm-layer: that docker build --no-cache alone, with the base image already loaded;
#   warm rigctl build time, and image size vs the Containerfile's image.
# Targets: cold <= 0.6x (both cold variants, against docker cold), warm <= 0.2 s, size <= 0.75x.
# Usage: ci/bench-build.sh [RECIPE]   (needs a running Docker engine and build/rigctl)
set -euo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${RIGCTL:-./build/rigctl}
RECIPE=${1:-recipes/debian-trixie.json}
work=$(mktemp -d /tmp/rigctl-bench-XXXXXX)
trap 'rm -rf "$work"; docker rmi -f rigctl-bench/base:1 rigctl-bench/rendered:1 rigctl-bench/rigctl:1 >/dev/null 2>&1 || true' EXIT
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# Both rigctl builds share one package cache (XDG_CACHE_HOME/rigctl/debs), each has its own image cache.
export XDG_CACHE_HOME="$work/cache"
t0=$(now)
"$RIGCTL" build "$RECIPE" --no-cache --tag rigctl-bench/rigctl:1 >/dev/null 2>&1
t1=$(now)
cold=$(elapsed "$t0" "$t1")
mv "$work/cache/rigctl/debs" "$work/debs-warm"
rm -rf "$work/cache"
mkdir -p "$work/cache/rigctl"
mv "$work/debs-warm" "$work/cache/rigctl/debs"
t0=$(now)
out=$("$RIGCTL" build "$RECIPE" --no-cache --json --tag rigctl-bench/rigctl:1 2>/dev/null)
t1=$(now)
warm_pkgs=$(elapsed "$t0" "$t1")
reused=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages_reused"])')

"$RIGCTL" render "$RECIPE" --out "$work/ctx" >/dev/null
t0=$(now)
XDG_CACHE_HOME="$work/cache-base" "$RIGCTL" build "$work/ctx/base.json" --no-cache --no-package-cache --load --tag rigctl-bench/base:1 >/dev/null 2>&1
tb=$(now)
DOCKER_BUILDKIT=0 docker build -q --no-cache --build-arg BASE=rigctl-bench/base:1 -t rigctl-bench/rendered:1 -f "$work/ctx/Containerfile" "$work/ctx" >/dev/null
t1=$(now)
docker_total=$(elapsed "$t0" "$t1")
docker_layer=$(elapsed "$tb" "$t1")

warm_runs=()
for _ in 1 2 3 4 5; do
  a=$(now); "$RIGCTL" build "$RECIPE" --tag rigctl-bench/rigctl:1 >/dev/null 2>&1; b=$(now)
  warm_runs+=("$(elapsed "$a" "$b")")
done
warm=$(printf '%s\n' "${warm_runs[@]}" | sort -n | sed -n 3p)

"$RIGCTL" build "$RECIPE" --tag rigctl-bench/rigctl:1 --load >/dev/null 2>&1
size_rig=$(docker image inspect -f '{{.Size}}' rigctl-bench/rigctl:1)
size_docker=$(docker image inspect -f '{{.Size}}' rigctl-bench/rendered:1)

python3 - "$cold" "$warm_pkgs" "$reused" "$docker_total" "$docker_layer" "$warm" "$size_rig" "$size_docker" <<'PY'
import sys
cold, wpk, reused, dock, layer, warm, srig, sdock = map(float, sys.argv[1:])
def verdict(ok): return "meets target" if ok else "MISSES target"
print(f"rigctl cold (no image/package cache)   {cold:7.2f} s")
print(f"rigctl cold image, warm packages       {wpk:7.2f} s  ({int(reused)} .debs reused)")
print(f"docker cold (base + load + build)      {dock:7.2f} s  (base bootstrap + load {dock-layer:.2f} s)")
print(f"docker warm-layer (build, base loaded) {layer:7.2f} s")
print(f"cold / docker cold                     {cold/dock:7.2f}x  target <= 0.60x  {verdict(cold/dock <= 0.6)}")
print(f"warm packages / docker cold            {wpk/dock:7.2f}x  target <= 0.60x  {verdict(wpk/dock <= 0.6)}")
print(f"cold / docker warm-layer               {cold/layer:7.2f}x  (no target)")
print(f"warm packages / docker warm-layer      {wpk/layer:7.2f}x  (no target)")
print(f"warm rigctl build (median 5)           {warm:7.3f} s  target <= 0.2 s  {verdict(warm <= 0.2)}")
print(f"image size rigctl                      {srig/1e6:7.1f} MB")
print(f"image size Containerfile               {sdock/1e6:7.1f} MB")
print(f"size ratio                             {srig/sdock:7.2f}x  target <= 0.75x  {verdict(srig/sdock <= 0.75)}")
PY
