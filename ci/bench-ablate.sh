#!/usr/bin/env bash
# Benchmark for `rigctl ablate` (issue: ablate): the whole ablation of the default recipe against one
# `rigctl smoke` run, both with warm images, in the same run. Target: ablation <= 2x one smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${RIGCTL:-./build/rigctl}
RECIPE=${1:-recipes/debian-trixie.json}
now() { date +%s.%N; }
"$RIGCTL" smoke "$RECIPE" >/dev/null 2>&1 || { echo "warm-up smoke failed" >&2; exit 1; }
a=$(now); "$RIGCTL" smoke "$RECIPE" >/dev/null 2>&1; b=$(now)
"$RIGCTL" ablate "$RECIPE" --only fcaps >/dev/null 2>&1  # warm the image variants' cache
c=$(now); "$RIGCTL" ablate "$RECIPE" >/dev/null 2>&1; d=$(now)
python3 - "$a" "$b" "$c" "$d" "$(nproc)" <<'PY'
import sys
a, b, c, d, cores = map(float, sys.argv[1:])
smoke, ablate = b - a, d - c
print(f"rigctl smoke              {smoke:6.2f} s")
print(f"rigctl ablate (all items) {ablate:6.2f} s  ({int(cores)} jobs)")
print(f"ratio ablate / smoke      {ablate/smoke:6.2f}x  target <= 2.00x  {'meets target' if ablate/smoke <= 2 else 'MISSES target'}")
PY
