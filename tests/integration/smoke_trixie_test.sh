#!/usr/bin/env bash
# The full chain on the default recipe: 13/13, reports consistent, nothing left behind.
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" smoke debian-trixie --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "smoke failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")" "13" "13/13 checks pass"
expect_eq "$(json_field '["host"]["podman_version"][:2]' < "$SCRATCH/r.json")" "5." "podman 5 inside"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml"
expect_eq "$(labelled)" "$before" "the run removed its container and volumes"
