#!/usr/bin/env bash
# The full chain on the default recipe: 14 of 15 pass and inner-limits is not applicable on this cgroup v1
# host (with its reason, never a pass); reports consistent; nothing left behind.
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" smoke debian-trixie --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "smoke failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")/$(json_field '["total"]' < "$SCRATCH/r.json")" "14/15" "14 of 15 checks pass"
expect_eq "$(json_field '["result"]' < "$SCRATCH/r.json")" "pass" "the run passes"
expect_eq "$(json_field '["not_applicable"]' < "$SCRATCH/r.json")" "1" "one check not applicable on this host"
check_field() { python3 -c 'import json,sys; d={c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}; print(d[sys.argv[2]][sys.argv[3]])' "$SCRATCH/r.json" "$1" "$2"; }
expect_match "$(check_field inner-limits note)" 'not enforced on this host: .*cgroup v1' "inner-limits not applicable here: cgroup v1, with its reason"
expect_match "$(check_field rig-limits output_tail)" 'in force: memory 4096 MiB, pids 4096, cpu 2\.00' "the rig's own limits read back from its cgroup"
expect_eq "$(json_field '["host"]["podman_version"][:2]' < "$SCRATCH/r.json")" "5." "podman 5 inside"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml"
expect_eq "$(labelled)" "$before" "the run removed its container and volumes"
