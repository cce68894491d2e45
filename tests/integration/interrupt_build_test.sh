#!/usr/bin/env bash
# Signals at each step of `rigctl build`:
# - SIGINT while mmdebstrap bootstraps, while the base layer is being written and while the image
#   streams into the engine (--load): exit 130 and nothing left - no staging directory, no --out,
#   no child process, no image under the tag.
# - SIGKILL while mmdebstrap bootstraps and while the layer is written: the staging stays (nothing
#   can clean up after SIGKILL) but no process does (the kernel sends the children SIGTERM); `gc`
#   reclaims the staging at once, and the next build is correct: the digest of an uninterrupted one.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
SMALL=images/inner-web.json        # extract variant: a cold bootstrap takes seconds
# One large package, extracted only: a ~250 MB base layer in well under a minute, whose writing
# takes seconds - room to hit that step, and a load into the engine that takes seconds too.
BIG="$SCRATCH/big.json"
cat >"$BIG" <<'JSON'
{
  "schema": "rigctl/recipe/v1",
  "name": "it-big-layer",
  "base": {"distro": "debian", "suite": "trixie", "variant": "extract", "mirror": "debian"},
  "architectures": ["amd64", "arm64"],
  "packages": ["golang-1.24-go"]
}
JSON
export XDG_CACHE_HOME="$SCRATCH/cache"
n=0

# Starts `rigctl build ARGS...` in the background with a fresh mark; sets PID and MARK.
start() {
  n=$((n + 1))
  MARK="$TEST_NAME-$$-$n"
  env RIGCTL_IT_MARK="$MARK" "$RIGCTL" build "$@" >"$SCRATCH/out.$n" 2>"$SCRATCH/err.$n" &
  PID=$!
}
finish() {  # signal: sends it, waits, sets RC
  kill "-$1" "$PID"
  set +e
  wait "$PID"
  RC=$?
  set -e
}
no_staging() { expect_eq "$(staging_in "$XDG_CACHE_HOME")" "" "$1: no staging directory left"; }
no_process() {
  local left
  left=$(wait_unmarked "$MARK" "${2:-5}") || fail "$1: processes left: $left"
  pass "$1: no child process left"
}
reclaim() {  # what: gc (scoped to a run that does not exist, so nothing of other runs is touched) sweeps the staging
  local out
  out=$("$RIGCTL" gc --run "it-none-$$")
  GC_OUT=$out
  [[ "$out" == *"removed stale build staging"* ]] || fail "$1: gc did not reclaim the staging: $out"
  no_staging "$1: after gc"
}

ref=$(XDG_CACHE_HOME="$SCRATCH/ref" "$RIGCTL" build "$SMALL" --no-cache --json | json_field '["digest"]')
pass "reference digest of an uninterrupted cold build: $ref"

# 1. SIGINT while mmdebstrap runs.
start "$SMALL" --no-cache --out "$SCRATCH/out1"
wait_marked_comm "$MARK" 120 mmdebstrap || fail "mmdebstrap never started: $(cat "$SCRATCH/err.$n")"
sleep 0.3
finish INT
expect_eq "$RC" "130" "SIGINT during the bootstrap exits 130"
no_staging "SIGINT during the bootstrap"
expect_eq "$(ls -d "$SCRATCH/out1" 2>/dev/null || true)" "" "SIGINT during the bootstrap: no --out directory"
no_process "SIGINT during the bootstrap"

# 2. SIGKILL while mmdebstrap runs; then gc; then a correct build.
start "$SMALL" --no-cache
wait_marked_comm "$MARK" 120 mmdebstrap || fail "mmdebstrap never started: $(cat "$SCRATCH/err.$n")"
sleep 0.3
finish KILL
expect_eq "$RC" "137" "SIGKILL during the bootstrap"
[ -n "$(staging_in "$XDG_CACHE_HOME")" ] || fail "a SIGKILLed build should leave its staging (nothing can remove it)"
no_process "SIGKILL during the bootstrap" 30
reclaim "SIGKILL during the bootstrap"
# mmdebstrap worked in a directory named with the killed build's lease: gc removed it, with any
# chroot mount (/proc, /dev/pts) a root-mode mmdebstrap killed mid-way leaves behind.
[[ "$GC_OUT" == *"rigctl-mmdebstrap.tmp-"* ]] || fail "gc did not name mmdebstrap's scratch of the killed build: $GC_OUT"
while read -r _ _ _ _ p; do
  [[ "$p" == *rigctl-mmdebstrap.tmp-* ]] || continue
  [ ! -e "$p" ] || fail "gc said it removed $p, which is still there"
  if grep -q " $p/" /proc/self/mountinfo; then fail "a mount under the removed $p is left: $(grep " $p/" /proc/self/mountinfo)"; fi
done <<<"$GC_OUT"
pass "SIGKILL during the bootstrap: gc removed mmdebstrap's scratch and unmounted what was mounted in it"
d=$("$RIGCTL" build "$SMALL" --json | json_field '["digest"]')
expect_eq "$d" "$ref" "the build after the SIGKILL gives the uninterrupted build's digest"

# 3. SIGINT while the base layer is written (the big recipe's layer streams for seconds).
start "$BIG" --no-cache
wait_layer_bytes "$XDG_CACHE_HOME" 600 20000000 || fail "no layer being written: $(tail -5 "$SCRATCH/err.$n")"
finish INT
expect_eq "$RC" "130" "SIGINT while the layer is written exits 130"
no_staging "SIGINT while the layer is written"
no_process "SIGINT while the layer is written"

# 4. SIGKILL while the base layer is written.
start "$BIG" --no-cache
wait_layer_bytes "$XDG_CACHE_HOME" 600 20000000 || fail "no layer being written: $(tail -5 "$SCRATCH/err.$n")"
finish KILL
expect_eq "$RC" "137" "SIGKILL while the layer is written"
[ -n "$(staging_in "$XDG_CACHE_HOME")" ] || fail "a SIGKILLed build should leave its staging"
no_process "SIGKILL while the layer is written" 30
reclaim "SIGKILL while the layer is written"
# Nothing half-written was cached: only the small recipe's entries (step 2) are there.
expect_eq "$(ls "$XDG_CACHE_HOME/rigctl/base" | wc -l) $(ls "$XDG_CACHE_HOME/rigctl/images" | wc -l)" "1 1" \
  "no cache entry from the interrupted and killed builds of the big recipe"

# 5. SIGINT while the image streams into the engine, under a tag the engine does not have.
tag="rigctl-it/interrupt-load-$$:x"
defer docker rmi -f "$tag"
"$RIGCTL" build "$BIG" >/dev/null 2>"$SCRATCH/warm.err" || fail "build $BIG: $(tail -5 "$SCRATCH/warm.err")"
n=$((n + 1))
MARK="$TEST_NAME-$$-$n"
env RIGCTL_IT_MARK="$MARK" "$RIGCTL" build "$BIG" --load --tag "$tag" >"$SCRATCH/out.$n" 2>"$SCRATCH/err.$n" &
PID=$!
wait_text "$SCRATCH/err.$n" 60 "load into engine" || fail "the load never started: $(cat "$SCRATCH/err.$n")"
sleep 0.3
finish INT
expect_eq "$RC" "130" "SIGINT during --load exits 130"
docker image inspect "$tag" >/dev/null 2>&1 && fail "the interrupted load left the image tagged $tag"
pass "SIGINT during --load: no image under the tag"
no_process "SIGINT during --load"
