#!/usr/bin/env bash
# SIGINT in the middle of the chain: exit 130 and no labelled container or volume left.
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" smoke --name "rigctl-it-int-$$" > "$SCRATCH/out" 2>&1 &
pid=$!
# Wait until the rig exists and the chain is running, then interrupt.
for _ in $(seq 1 300); do
  docker ps -q --filter "name=rigctl-it-int-$$" | grep -q . && break
  sleep 0.05
done
docker ps -q --filter "name=rigctl-it-int-$$" | grep -q . || fail "the rig never came up: $(cat "$SCRATCH/out")"
sleep 0.5
kill -INT "$pid"
set +e
wait "$pid"; rc=$?
set -e
expect_eq "$rc" "130" "interrupted smoke exits 130"
expect_eq "$(docker ps -aq --filter "name=rigctl-it-int-$$" | wc -l)" "0" "the rig's container is gone"
expect_eq "$(labelled)" "$before" "no labelled container or volume left"
