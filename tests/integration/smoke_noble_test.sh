#!/usr/bin/env bash
# The full chain on the spike's own base: Ubuntu noble, podman 4.9.3. Also the machine-output
# convention: --json puts the report on stdout (and nothing else there), --json-file writes the same.
source "$(dirname "$0")/lib.sh"
"$RIGCTL" smoke ubuntu-noble --json --json-file "$SCRATCH/r.json" > "$SCRATCH/stdout.json" ||
  { cat "$SCRATCH/stdout.json"; fail "smoke failed"; }
cat "$SCRATCH/stdout.json"
cmp "$SCRATCH/stdout.json" "$SCRATCH/r.json" || fail "--json on stdout differs from --json-file"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/stdout.json")/$(json_field '["not_applicable"]' < "$SCRATCH/stdout.json")" "14/1" "14 of 15 checks pass on noble, inner-limits not applicable on this cgroup v1 host"
expect_eq "$(json_field '["host"]["podman_version"]' < "$SCRATCH/r.json")" "4.9.3" "podman 4.9.3 inside"
