#!/usr/bin/env bash
# SIGINT or SIGTERM at each step of `rigctl smoke` - while the rig is being launched (its volumes
# exist, its container may not yet), and in the middle of the chain - exits 130 and leaves no
# container or volume of that run, and no process it started.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
n=0

# Everything labelled with the rig's name (container and volumes are named after it).
left_of() {
  echo "$(docker ps -aq --filter "name=$1" | wc -l) $(docker volume ls -q --filter "name=$1" | wc -l)"
}

# smoke with a fresh name, interrupted with $1 once `$2` (a command) succeeds.
interrupt_smoke() {
  local sig=$1 ready=$2 what=$3 i rc
  n=$((n + 1))
  NAME="rigctl-it-int-$$-$n"
  MARK="$TEST_NAME-$$-$n"
  env RIGCTL_IT_MARK="$MARK" "$RIGCTL" smoke --name "$NAME" >"$SCRATCH/out.$n" 2>&1 &
  local pid=$!
  for i in $(seq 1 3000); do
    eval "$ready" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  eval "$ready" || fail "$what: never reached: $(cat "$SCRATCH/out.$n")"
  kill "-$sig" "$pid"
  set +e
  wait "$pid"; rc=$?
  set -e
  expect_eq "$rc" "130" "$what: SIG$sig exits 130"
  expect_eq "$(left_of "$NAME")" "0 0" "$what: no container or volume of the rig left"
  local procs
  procs=$(wait_unmarked "$MARK" 5) || fail "$what: processes left: $procs"
  pass "$what: no process left"
}

# The images are built and loaded first, so the launch step comes within a second of the start.
"$RIGCTL" build --load >/dev/null 2>&1 || true

interrupt_smoke INT "docker volume ls -q --filter name=rigctl-it-int-$$-\$n | grep -q ." "during the launch"
# In the chain: rigctl's own progress lines say where it is, so the signal lands at the same step on a
# fast or a loaded machine (the container being up said nothing about how far the chain had got).
interrupt_smoke INT "grep -q ' main-uid: pass' \"\$SCRATCH/out.\$n\"" "in the chain"
interrupt_smoke TERM "grep -q ' inner-run: pass' \"\$SCRATCH/out.\$n\"" "later in the chain (SIGTERM)"
