#!/usr/bin/env bash
# The chain on an emulated arm64 *host* (qemu-system-aarch64 under TCG, Debian trixie's arm64 kernel
# booted through rigctl's initramfs, docker.io): `rigctl host run` boots it, smoke builds the arm64
# outer and inner images under qemu-user, loads them through the VM's Docker API and runs the chain.
# Opt-in (RIGCTL_IT_VM_ARM64=1, tests/integration/CMakeLists.txt): it takes far longer than CI allows.
source "$(dirname "$0")/lib.sh"
if [ "${RIGCTL_IT_VM_ARM64:-0}" != 1 ]; then
  echo "skipped: set RIGCTL_IT_VM_ARM64=1 to run (a cold run takes most of an hour under TCG)"
  exit 77
fi
qemu_pids() { pgrep -f "qemu-system-aarch64 -name rigctl-host" || true; }
before=$(qemu_pids)
t0=$(date +%s)
"$RIGCTL" host run debian-trixie-arm64 -- smoke debian-trixie --json-file "$SCRATCH/r.json" > "$SCRATCH/table.txt" 2> "$SCRATCH/err.txt" ||
  { cat "$SCRATCH/table.txt" "$SCRATCH/err.txt"; fail "host run smoke failed"; }
cat "$SCRATCH/table.txt"
grep '^rigctl: host ' "$SCRATCH/err.txt" || true
echo "wall clock: $(($(date +%s) - t0)) s"
expect_eq "$(json_field '["result"]' < "$SCRATCH/r.json")" "pass" "the chain passes on the arm64 VM host"
expect_eq "$(json_field '["total"]' < "$SCRATCH/r.json")" "16" "16 checks on the arm64 VM host"
expect_eq "$(json_field '["host"]["engine"]' < "$SCRATCH/r.json")" "docker" "the engine is Docker"
expect_eq "$(json_field '["host"]["arch"]' < "$SCRATCH/r.json")" "arm64" "the images are arm64 (the engine reports aarch64)"
expect_match "$(json_field '["host"]["kernel"]' < "$SCRATCH/r.json")" '^[0-9]+\.[0-9]+\.[0-9]+.*-arm64$' "Debian's arm64 kernel, not this machine's"
expect_match "$(grep '^rigctl: host debian-trixie-arm64: ' "$SCRATCH/err.txt")" 'engine ready [0-9.]+ s' "timings reported"
expect_eq "$(qemu_pids)" "$before" "no qemu left running"
expect_eq "$(ls "${XDG_CACHE_HOME:-$HOME/.cache}/rigctl/hosts/run" 2>/dev/null | grep -c '^debian-trixie-arm64-' || true)" "0" "run dir and state removed"
