#!/usr/bin/env bash
# Ten consecutive cold, uncached builds of one recipe, each in its own empty XDG_CACHE_HOME, printing
# each manifest digest; exit 1 if a build fails or the digests differ. This is the soak test for the
# bootstrap stream (a reader that closed mmdebstrap's pipe early once failed the second of two cold
# builds with "cannot copy to standard output: Broken pipe").
#   ci/reproducible-10.sh [RIGCTL] [RECIPE] [COUNT]
set -uo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${1:-build/rigctl}
RECIPE=${2:-recipes/debian-trixie.json}
COUNT=${3:-10}
work=$(mktemp -d /tmp/rigctl-repro10-XXXXXX)
trap 'rm -rf "$work"' EXIT
declare -A seen
failed=0
for i in $(seq 1 "$COUNT"); do
  t0=$(date +%s)
  if out=$(XDG_CACHE_HOME="$work/c$i" "$RIGCTL" build "$RECIPE" --no-cache --json 2>"$work/err$i"); then
    d=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])' <<<"$out")
    seen[$d]=1
    echo "build $i: $d ($(( $(date +%s) - t0 )) s)"
  else
    rc=$?
    failed=$((failed + 1))
    echo "build $i: FAILED (exit $rc, $(( $(date +%s) - t0 )) s)"
    tail -5 "$work/err$i" | sed 's/^/    /'
  fi
  rm -rf "$work/c$i"
done
echo "$COUNT builds of $RECIPE: $failed failed, ${#seen[@]} distinct digest(s)"
[ "$failed" -eq 0 ] && [ "${#seen[@]}" -eq 1 ]
