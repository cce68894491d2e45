#!/usr/bin/env bash
# The chain against an emulated Ubuntu noble *host* (qemu, AppArmor on, docker.io, the hardened
# userns sysctl), booted once by `rigctl matrix matrix/vm-ci.json`: 15/15 with the full flag set (on
# this cgroup v2 host with Docker 29 inner limits are enforced: an inner --memory OOM-kills, an inner
# --pids-limit stops a fork loop), then 17/17 with the tailored AppArmor profile in place of
# apparmor=unconfined (its two extra checks: PID 1 under rigctl-tailored in enforce mode with container
# root's write to /proc/sysrq-trigger denied, and root's read of /proc/kcore refused by the profile),
# then the writable-cgroups flag and the cgroup delegation each taken away: both required, each failing
# inner-limits with its own signature.
source "$(dirname "$0")/lib.sh"
qemu_pids() { pgrep -f "qemu-system-x86_64 -name rigctl-host" || true; }
before=$(qemu_pids)
# On failure, what each failed check saw (the scratch dir goes away with the test).
failed_checks() {
  for f in "$SCRATCH"/out/cells/*/smoke.json "$SCRATCH"/out/cells/*/confine.json; do
    [ -f "$f" ] || continue
    python3 - "$f" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["checks"]:
    if c["status"] == "fail":
        print(f'--- {sys.argv[1].rsplit("/", 1)[-1]}: {c["id"]} ({c["duration_seconds"]:.1f} s)\n{c["output_tail"]}')
PY
  done
}
"$RIGCTL" matrix "$SRC/matrix/vm-ci.json" --out "$SCRATCH/out" > "$SCRATCH/summary.md" 2> "$SCRATCH/err.txt" ||
  { cat "$SCRATCH/summary.md" "$SCRATCH/err.txt"; failed_checks; fail "matrix vm-ci failed"; }
cat "$SCRATCH/summary.md"
sm="$SCRATCH/out/summary.json"
cell='vm-ubuntu-noble/ubuntu-noble/amd64/docker/slirp4netns/overlay'
stage() { json_field "[\"cells\"][0][\"stages\"][$1]$2" < "$sm"; }
expect_eq "$(json_field '["cells"][0]["id"]' < "$sm")" "$cell" "the one VM cell ran"
expect_eq "$(stage 0 '["stage"]')" "smoke" "first stage: smoke"
expect_eq "$(stage 0 '["detail"]["passed"]')/$(stage 0 '["detail"]["total"]')" "15/15" "15/15 with the full flag set"
expect_eq "$(stage 0 '["detail"]["checks"]["inner-limits"]')" "pass" "inner --memory and --pids-limit enforced on the cgroup v2 host"
s=$(dirname "$(find "$SCRATCH/out/cells" -name smoke.json | head -1)")/smoke.json
check_out() { python3 -c 'import json,sys; print({c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}[sys.argv[2]]["output_tail"])' "$s" "$1"; }
expect_match "$(check_out inner-limits)" 'memory-limited exit 137, oom-killed [a-z]+, oom-kill events \+[1-9]' "the inner container over its --memory was OOM-killed (the kernel's oom_kill count rose)"
expect_match "$(check_out inner-limits)" "pids-limited exit [1-9][0-9]*: .*can't fork" "the fork loop under --pids-limit could not fork"
expect_match "$(check_out inner-limits)" 'delegated: /sys/fs/cgroup/libpod_parent' "the rig user holds the delegated subtree"
expect_match "$(check_out rig-limits)" 'cgroup v2.*in force: memory 4096 MiB, pids 4096, cpu 2\.00' "the rig's own limits read back from its cgroup v2 files"
expect_eq "$(stage 1 '["stage"]')" "confine" "second stage: confine"
expect_eq "$(stage 1 '["detail"]["passed"]')/$(stage 1 '["detail"]["total"]')" "17/17" "17/17 under rigctl-tailored"
expect_eq "$(stage 1 '["detail"]["checks"]["apparmor-confined"]')" "pass" "the profile confines the rig and denies sysrq-trigger"
c=$(dirname "$(find "$SCRATCH/out/cells" -name confine.json | head -1)")
expect_match "$(json_field '["flags"]' < "$c/confine.json")" "tailored profile rigctl-tailored" "the apparmor flag applied the tailored profile"
expect_match "$(json_field '["checks"][-2]["output_tail"]' < "$c/confine.json")" 'label: rigctl-tailored \(enforce\)' "PID 1's AppArmor label"
expect_match "$(json_field '["checks"][-2]["output_tail"]' < "$c/confine.json")" 'sysrq-trigger: Permission denied' "root's sysrq-trigger write refused"
expect_eq "$(stage 1 '["detail"]["checks"]["kcore-denied"]')" "pass" "root's read of /proc/kcore refused by the profile"
expect_match "$(json_field '["checks"][-1]["output_tail"]' < "$c/confine.json")" 'kcore: read refused: .*Permission denied' "kcore refused with EACCES (AppArmor), not EPERM"
expect_eq "$(stage 0 '["detail"]["checks"]["init-reaps"]')" "pass" "an init is PID 1 and no zombie is left on the VM host"
expect_eq "$(stage 2 '["stage"]')" "ablate" "third stage: ablate"
python3 - "$sm" <<'PY' || fail "cgroup ablation verdicts"
import json, sys
ab = json.load(open(sys.argv[1]))["cells"][0]["stages"][2]["detail"]
v = {i["id"]: i for i in ab["items"]}
assert v["cgroups"]["verdict"] == "required" and v["cgroups"]["observed_check"] == "inner-limits", v["cgroups"]
assert v["cgroup-delegation"]["verdict"] == "required" and v["cgroup-delegation"]["observed_check"] == "inner-limits", v["cgroup-delegation"]
# The smoke stage (15/15 just before, same image and engine) is the baseline: no third whole chain in the guest.
assert ab["baseline_passed"] and ab["baseline_smoke_run"], ab
PY
pass "without writable-cgroups or without the delegation, inner-limits fails with its own signature: both are needed"
expect_match "$(json_field '["hosts"][0]["kernel"]' < "$sm")" '^6\.8\.0-[0-9]+-generic$' "the VM's Ubuntu 6.8 kernel, not this machine's"
expect_eq "$(json_field '["hosts"][0]["apparmor"]' < "$sm")" "True" "the VM host enforces AppArmor"
expect_match "$(json_field '["hosts"][0]["userns_restricted"]' < "$sm")" '^1 ' "the hardened userns sysctl is still 1 after both chains"
expect_match "$(json_field '["hosts"][0]["vm"]["engine_ready"]' < "$sm")" '^[0-9.]+$' "engine-ready time recorded"
expect_match "$(cat "$SCRATCH/summary.md")" 'VM hosts: time per cell' "per-cell VM times in the summary"
expect_eq "$(json_field '["hosts"][0]["vm"]["alive_after_cells"]' < "$sm")" "True" "the guest outlived its cells"
expect_match "$(cat "$SCRATCH/out/$(json_field '["hosts"][0]["vm"]["console_log"]' < "$sm")")" 'dockerd ready' "the VM's console kept in the results"
expect_eq "$(qemu_pids)" "$before" "no qemu left running"
expect_eq "$(ls "${XDG_CACHE_HOME:-$HOME/.cache}/rigctl/hosts/run" 2>/dev/null | grep -c '^ubuntu-noble-' || true)" "0" "run dir and state removed"

# SIGINT while a VM host boots (`rigctl host up`, its image cached by the matrix above): exit 130, no
# qemu left, no run directory left under the cache's hosts/run.
source "$(dirname "$0")/fault_lib.sh"
runs_before=$(ls "${XDG_CACHE_HOME:-$HOME/.cache}/rigctl/hosts/run" 2>/dev/null | sort | tr '\n' ' ')
MARK="$TEST_NAME-$$-host-up"
env RIGCTL_IT_MARK="$MARK" "$RIGCTL" host up ubuntu-noble >"$SCRATCH/up.out" 2>&1 &
up=$!
wait_marked_comm "$MARK" 300 qemu-system-x86 || { kill -KILL "$up" 2>/dev/null; fail "host up never started qemu: $(cat "$SCRATCH/up.out")"; }
sleep 5  # qemu is booting the kernel; rigctl waits for the engine
kill -INT "$up"
set +e
wait "$up"; rc=$?
set -e
expect_eq "$rc" "130" "host up: SIGINT while the VM boots exits 130"
procs=$(wait_unmarked "$MARK" 20) || fail "host up: processes left after SIGINT: $procs"
pass "host up: no qemu or other process left"
runs_after=$(ls "${XDG_CACHE_HOME:-$HOME/.cache}/rigctl/hosts/run" 2>/dev/null | sort | tr '\n' ' ')
expect_eq "$runs_after" "$runs_before" "host up: no run directory left"
