#!/usr/bin/env bash
# The full chain on the default recipe: 15 of 16 pass and inner-limits is not applicable on this cgroup v1
# host (with its reason, never a pass); the docker CLI inside drives podman's Docker API socket;
# reports consistent; nothing left behind.
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" smoke debian-trixie --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "smoke failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")/$(json_field '["total"]' < "$SCRATCH/r.json")" "15/16" "15 of 16 checks pass"
expect_eq "$(json_field '["result"]' < "$SCRATCH/r.json")" "pass" "the run passes"
expect_eq "$(json_field '["not_applicable"]' < "$SCRATCH/r.json")" "1" "one check not applicable on this host"
check_field() { python3 -c 'import json,sys; d={c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}; print(d[sys.argv[2]][sys.argv[3]])' "$SCRATCH/r.json" "$1" "$2"; }
expect_match "$(check_field inner-limits note)" 'not enforced on this host: .*cgroup v1' "inner-limits not applicable here: cgroup v1, with its reason"
expect_match "$(check_field rig-limits output_tail)" 'in force: memory 4096 MiB, pids 4096, cpu 2\.00' "the rig's own limits read back from its cgroup"
expect_eq "$(json_field '["host"]["podman_version"][:2]' < "$SCRATCH/r.json")" "5." "podman 5 inside"
expect_eq "$(json_field '["host"]["inner_engine"]' < "$SCRATCH/r.json")" "podman" "the inner engine is podman"
expect_eq "$(check_field docker-api status)" "pass" "a docker CLI in the rig runs and builds through podman's Docker API socket"
expect_match "$(check_field docker-api output_tail)" 'DOCKER_HOST=unix:///run/user/1000/podman/podman.sock' "through the podman service's socket"
expect_eq "$(check_field uid-isolation status)" "pass" "uid-isolation (--userns=auto) holds in the podman rig"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml"
expect_eq "$(labelled)" "$before" "the run removed its container and volumes"
