#!/usr/bin/env bash
# Two, then ten `rigctl build` of one recipe at once into an empty cache: all succeed with one digest,
# one bootstrap runs (the others wait for it and reuse its work), and the cache holds one entry of
# each kind. Then a byte flipped in the cached base layer is found on the next build, which
# rebuilds instead of loading it, and the result is intact again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
SMALL=images/inner-web.json

concurrent() {  # count cache
  local count=$1 cache=$2 i pids=() rc digests
  for i in $(seq 1 "$count"); do
    XDG_CACHE_HOME="$cache" "$RIGCTL" build "$SMALL" --json >"$SCRATCH/c$count.$i.json" 2>"$SCRATCH/c$count.$i.err" &
    pids+=($!)
  done
  for i in $(seq 1 "$count"); do
    set +e
    wait "${pids[$((i - 1))]}"; rc=$?
    set -e
    [ "$rc" = 0 ] || fail "build $i of $count exited $rc: $(tail -5 "$SCRATCH/c$count.$i.err")"
  done
  pass "$count concurrent builds all succeed"
  digests=$(for i in $(seq 1 "$count"); do json_field '["digest"]' <"$SCRATCH/c$count.$i.json"; done | sort -u)
  expect_eq "$(wc -l <<<"$digests")" "1" "$count concurrent builds: one digest"
  DIGEST=$digests
  expect_eq "$(ls "$cache/rigctl/base" | wc -l) $(ls "$cache/rigctl/images" | wc -l)" "1 1" "$count concurrent builds: one base and one image entry"
  local boots
  boots=$(grep -l "bootstrap debian trixie" "$SCRATCH"/c$count.*.err | wc -l)
  expect_eq "$boots" "1" "$count concurrent builds: one bootstrap"
  expect_eq "$(staging_in "$cache")" "" "$count concurrent builds: no staging left"
}

concurrent 2 "$SCRATCH/two"
first=$DIGEST
concurrent 10 "$SCRATCH/ten"
expect_eq "$DIGEST" "$first" "the same digest in both caches"

# A flipped byte in the cached base layer (the image's blob is the same file).
cache="$SCRATCH/ten"
layer=$(ls "$cache"/rigctl/base/*/layer.tar)
python3 - "$layer" <<'PY'
import os, sys
p = sys.argv[1]
os.chmod(p, 0o644)
with open(p, "r+b") as f:
    f.seek(os.path.getsize(p) // 2)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0x5A]))
PY
out=$(XDG_CACHE_HOME="$cache" "$RIGCTL" build "$SMALL" --json 2>"$SCRATCH/flip.err") || fail "the build after the flip failed: $(tail -5 "$SCRATCH/flip.err")"
grep -q "cached image .* is damaged" "$SCRATCH/flip.err" || fail "the damaged image was not reported: $(cat "$SCRATCH/flip.err")"
grep -q "cached base .* is damaged" "$SCRATCH/flip.err" || fail "the damaged base layer was not reported: $(cat "$SCRATCH/flip.err")"
pass "a flipped byte in the cached layer is found"
expect_eq "$(json_field '["cached"]' <<<"$out")" "False" "the damaged image is rebuilt, not served"
expect_eq "$(json_field '["digest"]' <<<"$out")" "$first" "the rebuilt image has the right digest"
again=$(XDG_CACHE_HOME="$cache" "$RIGCTL" build "$SMALL" --json)
expect_eq "$(json_field '["cached"]' <<<"$again")" "True" "the rebuilt entry is intact: served from the cache"
