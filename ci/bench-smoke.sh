#!/usr/bin/env bash
# Benchmark for `rigctl smoke` (issue: launch/smoke): with the images warm, times `rigctl smoke` and the
# plain-shell baseline of the same 11 steps (ci/smoke-baseline.sh) in the same run, and prints the
# ratio. Target: rigctl <= 0.3x the spike's 19.6 s (about 6 s). Needs Docker and build/rigctl.
set -euo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${RIGCTL:-./build/rigctl}
RECIPE=${1:-recipes/debian-trixie.json}
work=$(mktemp -d /tmp/rigctl-bench-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

# Warm everything first: images built, outer image loaded, inner archives written.
"$RIGCTL" smoke "$RECIPE" >/dev/null 2>&1 || { echo "warm-up smoke failed" >&2; exit 1; }
json=$("$RIGCTL" build "$RECIPE" --json)
dir=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])' <<<"$json")
tag=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tag"])' <<<"$json")
arch=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["arch"])' <<<"$json")
for img in inner-web inner-base; do
  "$RIGCTL" build "images/$img.json" --tag "localhost/rigctl/$img:$arch" --out "$work/$img-oci" >/dev/null 2>&1
  skopeo copy -q "oci:$work/$img-oci:localhost/rigctl/$img:$arch" "docker-archive:$work/$img.tar:localhost/rigctl/$img:$arch"
done

runs=3
rig=() base=()
for i in $(seq 1 $runs); do
  a=$(now); "$RIGCTL" smoke "$RECIPE" >/dev/null 2>&1; b=$(now)
  rig+=("$(python3 -c "print($b-$a)")")
  a=$(now)
  bash ci/smoke-baseline.sh "$tag" "$dir/rig-seccomp.json" "$work/inner-web.tar" "$work/inner-base.tar" \
    "localhost/rigctl/inner-web:$arch" "localhost/rigctl/inner-base:$arch" >/dev/null
  b=$(now)
  base+=("$(python3 -c "print($b-$a)")")
done
python3 - "${rig[*]}" "${base[*]}" <<'PY'
import statistics, sys
rig = [float(x) for x in sys.argv[1].split()]
base = [float(x) for x in sys.argv[2].split()]
r, b = statistics.median(rig), statistics.median(base)
print(f"rigctl smoke (12 checks, median of {len(rig)})   {r:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in rig)}")
print(f"shell baseline (11 steps, median of {len(base)}) {b:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in base)}")
print(f"ratio rigctl / baseline                {r/b:6.2f}x")
print(f"ratio rigctl / spike's 19.6 s           {r/19.6:6.2f}x  target <= 0.30x  {'meets target' if r/19.6 <= 0.3 else 'MISSES target'}")
PY
