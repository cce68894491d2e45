#!/usr/bin/env bash
# The real dockerd stopped in the middle of `rigctl smoke`: exit 3 with a message that says the engine
# went away and how to remove what is left; once the engine is back, `rigctl gc --run <id>` leaves
# nothing labelled with that run. (engine_faults covers the same through a fault-injecting proxy; this
# is the engine itself going away, its containers stopped with it.)
#
# Only where ci/host-setup.sh started this dockerd (its pid file): the test stops and restarts it the
# same way. Elsewhere (a dockerd under systemd, a shared machine) it is not applicable: exit 77, which
# ctest reports as skipped, never as passed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

pidf=/run/rigctl-dockerd.pid
dpid=$(cat "$pidf" 2>/dev/null || true)
if [ -z "$dpid" ] || [ "$(cat /proc/"$dpid"/comm 2>/dev/null)" != dockerd ]; then
  echo "not applicable: this dockerd was not started by ci/host-setup.sh ($pidf), so the test may not stop it" >&2
  exit 77
fi
# Whatever happens below, the engine is running again afterwards: later tests need it.
restart_engine() {
  docker version >/dev/null 2>&1 || RIGCTL_SKIP_PODMAN_SERVICE=1 bash "$SRC/ci/host-setup.sh" --main >/dev/null 2>&1
}
defer restart_engine

"$RIGCTL" build --load >/dev/null 2>&1 || fail "images could not be built and loaded"
name="rigctl-it-stop-$$"
"$RIGCTL" smoke --name "$name" --port-base 10500 >"$SCRATCH/out" 2>&1 &
pid=$!
wait_text "$SCRATCH/out" 300 " main-uid: pass" "$pid" || { kill "$pid"; fail "smoke never reached main-uid: $(cat "$SCRATCH/out")"; }
kill -TERM "$dpid"
for _ in $(seq 1 120); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$dpid" 2>/dev/null && fail "dockerd did not stop within 60 s of SIGTERM"
pass "dockerd stopped mid-chain"
# rigctl gives up on each request within its own time-outs; 120 s is far past them.
for _ in $(seq 1 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fail "rigctl still running 120 s after the engine stopped"; fi
set +e
wait "$pid"; rc=$?
set -e
ERR=$(cat "$SCRATCH/out")
expect_eq "$rc" "3" "engine stopped: exit 3 (engine unavailable)"
expect_match "$ERR" "rigctl: error: .*engine" "engine stopped: the error is about the engine"
expect_match "$ERR" "rigctl: hint: .*rigctl gc --run [0-9a-z]+" "engine stopped: the hint names the gc command for what is left"
run=$(grep -o 'rigctl gc --run [0-9a-z]*' <<<"$ERR" | head -1 | awk '{print $4}')

restart_engine
docker version >/dev/null 2>&1 || fail "dockerd did not come back"
pass "dockerd back"
before="$(docker ps -aq --filter "label=io.rigctl.run=$run" | wc -l) $(docker volume ls -q --filter "label=io.rigctl.run=$run" | wc -l)"
echo "     left by the stopped run before gc (containers volumes): $before"
"$RIGCTL" gc --run "$run" >"$SCRATCH/gc" 2>&1 || fail "gc --run $run failed: $(cat "$SCRATCH/gc")"
left="$(docker ps -aq --filter "label=io.rigctl.run=$run" | wc -l) $(docker volume ls -q --filter "label=io.rigctl.run=$run" | wc -l)"
expect_eq "$left" "0 0" "after gc --run $run: no container or volume of the run left"
