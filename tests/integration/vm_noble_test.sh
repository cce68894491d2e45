#!/usr/bin/env bash
# The chain against an emulated Ubuntu noble *host* (qemu, AppArmor on, docker.io, the hardened
# userns sysctl): `rigctl host run` boots it, runs smoke through its Docker API and takes it down.
source "$(dirname "$0")/lib.sh"
qemu_pids() { pgrep -f "qemu-system-x86_64 -name rigctl-host" || true; }
before=$(qemu_pids)
"$RIGCTL" host run ubuntu-noble -- smoke ubuntu-noble --json "$SCRATCH/r.json" > "$SCRATCH/table.txt" 2> "$SCRATCH/err.txt" ||
  { cat "$SCRATCH/table.txt" "$SCRATCH/err.txt"; fail "host run smoke failed"; }
cat "$SCRATCH/table.txt"
grep '^rigctl: host ' "$SCRATCH/err.txt" || true
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")" "12" "12/12 checks pass on the noble VM host"
expect_eq "$(json_field '["host"]["engine"]' < "$SCRATCH/r.json")" "docker" "the engine is Docker"
expect_match "$(json_field '["host"]["kernel"]' < "$SCRATCH/r.json")" '^6\.8\.0-[0-9]+-generic$' "the VM's Ubuntu 6.8 kernel, not this machine's"
expect_match "$(grep '^rigctl: host ubuntu-noble: ' "$SCRATCH/err.txt")" 'engine ready [0-9.]+ s' "timings reported"
expect_eq "$(qemu_pids)" "$before" "no qemu left running"
expect_eq "$(ls "${XDG_CACHE_HOME:-$HOME/.cache}/rigctl/hosts/run" 2>/dev/null | grep -c '^ubuntu-noble-' || true)" "0" "run dir and state removed"
