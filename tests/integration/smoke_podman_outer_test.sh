#!/usr/bin/env bash
# The chain with rootful podman's Docker-compatible service as the outer engine (started by
# ci/host-setup.sh on /run/rigctl-podman.sock): images loaded through its API, the podman variant of
# the launch profile, 15 of 16 (inner-limits not applicable: cgroup v1), nothing left behind in that engine.
source "$(dirname "$0")/lib.sh"
engine=unix:///run/rigctl-podman.sock
curl -fsS --max-time 2 --unix-socket /run/rigctl-podman.sock http://localhost/v1.41/_ping >/dev/null ||
  fail "podman service not running on $engine (ci/host-setup.sh starts it)"
"$RIGCTL" smoke --engine "$engine" --json-file "$SCRATCH/r.json" > "$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "smoke under podman failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")/$(json_field '["not_applicable"]' < "$SCRATCH/r.json")" "15/1" "15 of 16 with podman as the outer engine, inner-limits not applicable"
expect_eq "$(json_field '["host"]["engine"]' < "$SCRATCH/r.json")" "podman" "the report names the outer engine"
left=$(DOCKER_HOST=$engine "$RIGCTL" gc | tail -1)
expect_match "$left" "^0 containers, 0 volumes" "the run left nothing in the podman engine"
