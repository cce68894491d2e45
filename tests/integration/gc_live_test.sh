#!/usr/bin/env bash
# `rigctl gc` (without --run) next to live work removes none of it: during a cold build (whose
# staging grows for a while without its directory's time changing) the build still succeeds; during
# a smoke run, and during a matrix cell's smoke stage, the run's rig and volumes are kept ("kept run ...")
# and the chain still passes.
# Once those rigctl processes have ended, gc removes what they left (a launched rig).
# The engine is podman's service (/run/rigctl-podman.sock). gc without --run is only safe next to
# rigctl versions that take leases, so this test first waits until no other rigctl is running.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
engine=unix:///run/rigctl-podman.sock
curl -fsS --max-time 2 --unix-socket /run/rigctl-podman.sock http://localhost/v1.41/_ping >/dev/null ||
  fail "podman service not running on $engine (ci/host-setup.sh starts it)"
SMALL=images/inner-web.json
MARK="$TEST_NAME-$$"
gc() { env RIGCTL_IT_MARK="$MARK" "$RIGCTL" gc --engine "$engine"; }
# gc_next_to WHAT PID LOG [gc args]: gc (alone but for this test's runs) must keep the live run, and the
# run (PID, its output in LOG) must then exit 0.
gc_next_to() {
  local what=$1 pid=$2 log=$3 out rc
  shift 3
  wait_alone 900
  # Waiting for other rigctl processes may outlast the run: then there is nothing live to keep.
  kill -0 "$pid" 2>/dev/null || fail "the $what ended while gc waited for other rigctl processes to finish: nothing checked"
  out=$(env RIGCTL_IT_MARK="$MARK" "$RIGCTL" gc "$@")
  echo "$out"
  [[ "$out" == *"kept run "* ]] || fail "gc did not report the live $what as kept: $out"
  pass "gc during a $what keeps its rig"
  set +e
  wait "$pid"; rc=$?
  set -e
  [ "$rc" = 0 ] || fail "the $what gc ran next to failed (exit $rc): $(tail -20 "$log")"
}

# 1. gc during a cold build. The check means something only if the build was still running when gc
# ended (waiting for other rigctl processes may outlast a small build): otherwise the build is run
# again, up to three times, and the test fails rather than pass with nothing checked.
export XDG_CACHE_HOME="$SCRATCH/cache"
gc_during_build() {
  local bpid rc live out
  env RIGCTL_IT_MARK="$MARK" "$RIGCTL" build "$SMALL" --no-cache --json >"$SCRATCH/build.json" 2>"$SCRATCH/build.err" &
  bpid=$!
  wait_marked_comm "$MARK" 120 mmdebstrap || fail "mmdebstrap never started: $(cat "$SCRATCH/build.err")"
  [ -n "$(staging_in "$XDG_CACHE_HOME")" ] || fail "the build has no staging directory yet"
  # Make the staging look abandoned by time: only the lease keeps it.
  for d in $(staging_in "$XDG_CACHE_HOME"); do touch -d '3 hours ago' "$d"; done
  wait_alone 900
  live=0
  if kill -0 "$bpid" 2>/dev/null; then
    stagings=$(staging_in "$XDG_CACHE_HOME")
    out=$(gc)
    kill -0 "$bpid" 2>/dev/null && live=1
    # Its staging and its scratch (mmdebstrap's tempdir under /dev/shm) carry its lease: gc must
    # leave every one of them (other, dead rigctl's leftovers it may remove).
    lease=$(basename "$(echo "$stagings" | head -1)" | sed -n 's/.*\.tmp-\([a-z0-9]\{16\}\)-.*/\1/p')
    [ -n "$lease" ] || fail "no lease in the build's staging name: $stagings"
    [[ "$out" != *"removed stale build staging "*"$lease"* ]] || fail "gc removed a live build's staging or scratch: $out"
    for d in $stagings; do [ -e "$d" ] || fail "the live build's staging $d is gone after gc"; done
  fi
  set +e
  wait "$bpid"; rc=$?
  set -e
  expect_eq "$rc" "0" "the build gc ran next to succeeds ($(tail -1 "$SCRATCH/build.err"))"
  expect_match "$(json_field '["digest"]' <"$SCRATCH/build.json")" "^sha256:" "and produces an image"
  [ "$live" = 1 ]
}
for attempt in 1 2 3; do
  if gc_during_build; then
    pass "gc during a build leaves its staging alone"
    break
  fi
  [ "$attempt" != 3 ] || fail "the build ended before gc did, three times: nothing checked"
  echo "the build ended before gc did (attempt $attempt): once more"
done
unset XDG_CACHE_HOME

# 2. gc during a smoke run on the podman engine.
name="rigctl-it-gclive-$$"
env RIGCTL_IT_MARK="$MARK" "$RIGCTL" smoke --engine "$engine" --name "$name" --json-file "$SCRATCH/smoke.json" >"$SCRATCH/smoke.out" 2>&1 &
spid=$!
up=""
for _ in $(seq 1 3000); do
  up=$(curl -fsS --unix-socket /run/rigctl-podman.sock "http://localhost/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22$name%22%5D%7D" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$up" = 1 ] && break
  kill -0 "$spid" 2>/dev/null || break
  sleep 0.2
done
[ "$up" = 1 ] || fail "the rig never came up: $(cat "$SCRATCH/smoke.out")"
sleep 1
gc_next_to "smoke run" "$spid" "$SCRATCH/smoke.out" --engine "$engine"
expect_eq "$(json_field '["result"]' <"$SCRATCH/smoke.json")" "pass" "the smoke run gc ran next to still passes"
expect_eq "$(json_field '["passed"]' <"$SCRATCH/smoke.json")" "15" "15 of 16 (inner-limits not applicable on cgroup v1)"

# 2b. gc (on the Docker engine) while a matrix cell runs its smoke stage: its rig is kept and the
# matrix still succeeds.
mout="$SCRATCH/matrix"
env RIGCTL_IT_MARK="$MARK" "$RIGCTL" matrix ci --cells 'local/debian-bookworm/amd64/docker/slirp4netns/*' --out "$mout" \
  --port-base 10600 --jobs 1 >"$SCRATCH/matrix.md" 2>"$SCRATCH/matrix.err" &
mpid=$!
wait_text "$SCRATCH/matrix.err" 900 "overlay: smoke" "$mpid" || fail "the matrix cell never reached its smoke stage: $(cat "$SCRATCH/matrix.err")"
sleep 3
gc_next_to "matrix run" "$mpid" "$SCRATCH/matrix.err"
expect_eq "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(st["stage"] + ":" + st["status"] for c in s["cells"] if c["status"] != "not-selected" for st in c["stages"]))' "$mout/summary.json")" \
  "smoke:pass" "the matrix run gc ran next to still passes its smoke stage"

# 3. A launched rig outlives its rigctl on purpose: once that rigctl has exited, gc removes it.
lname="rigctl-it-gclaunch-$$"
defer "curl -fsS -X DELETE --unix-socket /run/rigctl-podman.sock 'http://localhost/v1.41/containers/$lname?force=1&v=1'"
"$RIGCTL" launch --engine "$engine" --name "$lname" --port-base 10190 >/dev/null
wait_alone 900
out=$(gc)
[[ "$out" == *"removed container"* ]] || fail "gc did not remove the launched rig: $out"
left=$(curl -fsS --unix-socket /run/rigctl-podman.sock "http://localhost/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22$lname%22%5D%7D" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "$left" "0" "gc removes a rig whose rigctl has exited"
