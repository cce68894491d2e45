#!/usr/bin/env bash
# SIGINT, SIGTERM and SIGHUP in the middle of `ablate` and `matrix` (build and smoke have their own tests:
# interrupt_build, smoke_interrupt; `launch` is smoke's first step, interrupted there "during the
# launch", and is over in under a second) exit 130 and leave nothing of the run: no labelled container
# or volume, no process it started, no half-written result directory.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
n=0

# Everything labelled io.rigctl.managed=true that was not there before ($1: "containers volumes").
left_since() {
  local now
  now=$(labelled)
  echo "$(( ${now% *} - ${1% *} )) $(( ${now#* } - ${1#* } ))"
}

# interrupt SIG "ready text" "what" rigctl-args...: runs rigctl with the args, sends SIG once its output
# holds the ready text, and checks exit 130, nothing labelled left, no process left.
interrupt_cmd() {
  local sig=$1 ready=$2 what=$3 rc
  shift 3
  n=$((n + 1))
  local mark="$TEST_NAME-$$-$n" out="$SCRATCH/out.$n" before
  before=$(labelled)
  env RIGCTL_IT_MARK="$mark" "$RIGCTL" "$@" >"$out" 2>&1 &
  local pid=$!
  wait_text "$out" 300 "$ready" "$pid" || { kill -KILL "$pid" 2>/dev/null || true; fail "$what: never printed '$ready': $(cat "$out")"; }
  sleep "${DELAY:-0}"
  kill "-$sig" "$pid"
  set +e
  wait "$pid"; rc=$?
  set -e
  expect_eq "$rc" "130" "$what: SIG$sig exits 130"
  expect_eq "$(left_since "$before")" "0 0" "$what: no container or volume of the run left"
  local procs
  procs=$(wait_unmarked "$mark" 10) || fail "$what: processes left: $procs"
  pass "$what: no process left"
}

# Images built and loaded first: each command reaches its rigs within seconds.
"$RIGCTL" build --load >/dev/null 2>&1 || true

interrupt_cmd INT "item tun: running" "ablate (first item running)" ablate --only tun --only seccomp --jobs 1
interrupt_cmd TERM "item seccomp: running" "ablate (second item running, SIGTERM)" ablate --only tun --only seccomp --jobs 1
# The terminal or SSH session went away: SIGHUP ends the run like SIGTERM, with its cleanup (its default
# killed rigctl and left the rigs running).
interrupt_cmd HUP "item tun: running" "ablate (SIGHUP: the terminal went away)" ablate --only tun --jobs 1
# ...unless the user asked to outlive the terminal: under nohup the hangup is ignored and the run ends.
out_nohup="$SCRATCH/nohup.txt"
nohup "$RIGCTL" ablate --only tun --jobs 1 >"$out_nohup" 2>&1 &
pid=$!
wait_text "$out_nohup" 300 "item tun: running" "$pid" || fail "nohup: ablate never started its item: $(cat "$out_nohup")"
kill -HUP "$pid"
set +e
wait "$pid"
rc=$?
set -e
expect_eq "$rc" "0" "ablate under nohup: SIGHUP ignored, the run completes"

out="$SCRATCH/matrix-out"
# A cell's progress names the stage it starts; 3 s into `smoke` its rig is up and the chain runs.
DELAY=3 interrupt_cmd INT "overlay: smoke" "matrix (a cell's smoke stage running)" \
  matrix ci --cells 'local/debian-trixie/amd64/docker/pasta/*' --out "$out" --port-base 10400 --jobs 1
[ ! -e "$out" ] || fail "matrix: the interrupted run left its result directory $out: $(ls -A "$out")"
pass "matrix: no result directory written"
leftover=$(find "$SCRATCH" -maxdepth 1 -name 'matrix-out*' | tr '\n' ' ')
[ -z "$leftover" ] || fail "matrix: staging left next to the result directory: $leftover"
pass "matrix: no staging left next to the result directory"
