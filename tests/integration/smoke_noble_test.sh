#!/usr/bin/env bash
# The full chain on the spike's own base: Ubuntu noble, podman 4.9.3.
source "$(dirname "$0")/lib.sh"
"$RIGCTL" smoke ubuntu-noble --json "$SCRATCH/r.json" > "$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "smoke failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")" "12" "12/12 checks pass on noble"
expect_eq "$(json_field '["host"]["podman_version"]' < "$SCRATCH/r.json")" "4.9.3" "podman 4.9.3 inside"
