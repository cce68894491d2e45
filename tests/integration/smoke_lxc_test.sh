#!/usr/bin/env bash
# LXC as the outer runtime (--engine lxc: Debian's lxc tools, rigctl's own lxcpath /var/lib/rigctl/lxc).
# The rig is an unprivileged container mapped from root's subordinate range; its rootfs is written by
# rigctl from its own layers with ownership shifted and file capabilities carrying the mapped root;
# the port chain runs through socat forwarders on 127.0.0.1 that enter the container's network
# namespace per connection. The whole chain passes, the items are ablated with verdicts, the
# subordinate-range rule of seed 002 is refused before anything is made, and gc leaves nothing.
source "$(dirname "$0")/lib.sh"
command -v lxc-start >/dev/null || fail "lxc is not installed (ci/host-setup.sh installs it)"
LXCPATH=/var/lib/rigctl/lxc
lxc_made() {
  local n=0
  for d in "$LXCPATH"/*/; do [ -f "$d/rigctl.json" ] && n=$((n + 1)); done
  echo "$n"
}
defer '"$RIGCTL" gc --engine lxc >/dev/null 2>&1'
before=$(lxc_made)

"$RIGCTL" smoke debian-trixie --engine lxc --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt" ||
  { cat "$SCRATCH/table.txt"; fail "smoke on LXC failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")/$(json_field '["not_applicable"]' < "$SCRATCH/r.json")/$(json_field '["total"]' < "$SCRATCH/r.json")" \
  "15/1/16" "15 of 16 checks pass on LXC, inner-limits not applicable (cgroup v1 here)"
python3 - "$SCRATCH/r.json" <<'PY' || fail "the LXC rig's report is not what its chain must show"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in r["checks"]}
assert r["host"]["engine"] == "lxc" and r["host"]["engine_version"], r["host"]
assert "exactly the launch profile's: [SETGID,SETUID,SYS_CHROOT]" in c["not-privileged"]["output_tail"], c["not-privileged"]
for k in ("outer-up", "rig-limits", "podman-info", "inner-run", "host-reach", "inner-build", "docker-api", "init-reaps",
          "restart-workspace", "restart-image", "restart-app", "uid-isolation"):
    assert c[k]["status"] == "pass", c[k]
PY
pass "the chain on LXC: unprivileged, three capabilities, inner run reached from the host, build, restart recovery"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml" 16
expect_eq "$(lxc_made)" "$before" "the run removed its container"

# Seed 002's rule: a rig user whose subordinate range covers its own uid is refused (exit 2) before
# anything is made.
src=$(cd "$(dirname "$0")/../.." && pwd)
sed -e 's/"subuid": {"start": 100000, "count": 65536}/"subuid": {"start": 1, "count": 65535}/' \
    -e 's#"profile": "profiles/launch.json"#"profile": "'"$src"'/recipes/profiles/launch.json"#' \
    -e 's#"files/#"'"$src"'/recipes/files/#g' "$src/recipes/debian-trixie.json" > "$SCRATCH/overlap.json"
grep -q '"start": 1, "count": 65535' "$SCRATCH/overlap.json" || fail "the test recipe did not get the overlapping range"
set +e
"$RIGCTL" smoke "$SCRATCH/overlap.json" --engine lxc > "$SCRATCH/overlap.txt" 2>&1; rc=$?
set -e
cat "$SCRATCH/overlap.txt"
expect_eq "$rc" "2" "an overlapping subordinate range is a usage error"
grep -q "user.subuid" "$SCRATCH/overlap.txt" || fail "the error does not name user.subuid"
expect_eq "$(lxc_made)" "$before" "nothing was made for the refused recipe"

# Ablation: LXC's items (tun, init, a kept capability) each with a verdict.
"$RIGCTL" ablate debian-trixie --engine lxc --jobs 2 --only tun --only init --only cap-sys-chroot --only cap-setuid --only seccomp \
  --json-file "$SCRATCH/a.json" > "$SCRATCH/a.txt" || { cat "$SCRATCH/a.txt"; fail "ablate on LXC"; }
cat "$SCRATCH/a.txt"
python3 - "$SCRATCH/a.json" <<'PY' || fail "the LXC ablation differs from what was measured"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"]["passed"] is True
v = {i["id"]: i for i in r["items"]}
for id, i in v.items(): print(id, "->", i["verdict"], "|", i.get("observed_check"), "|", i.get("observed_error", "")[:100])
assert v["tun"]["verdict"].startswith("required") and "/dev/net/tun" in v["tun"]["observed_error"], v["tun"]
assert v["init"]["verdict"] == "required" and "not an init" in v["init"]["observed_error"], v["init"]
assert v["cap-setuid"]["verdict"].startswith("required"), v["cap-setuid"]
assert v["cap-sys-chroot"]["verdict"] in ("required", "not needed on this host"), v["cap-sys-chroot"]
assert v["seccomp"]["verdict"] == "not applicable", v["seccomp"]
PY
pass "LXC's items ablated with verdicts"
expect_eq "$(lxc_made)" "$before" "the ablation removed its containers"

# A launched rig keeps its port forwarders after rigctl exits, on 127.0.0.1 only; gc ends them.
name="rigctl-it-lxc-$$"
"$RIGCTL" launch debian-trixie --engine lxc --name "$name" > "$SCRATCH/launch.txt" || { cat "$SCRATCH/launch.txt"; fail "launch on LXC"; }
listeners=$(ss -Hltn | awk '{print $4}' | grep -E ':100[0-9][0-9]$' || true)
expect_eq "$(echo "$listeners" | grep -c '^127\.0\.0\.1:')" "10" "the launched rig's ten ports listen on 127.0.0.1 after rigctl exited"
if echo "$listeners" | grep -vq '^127\.0\.0\.1:'; then fail "a rig port listens beyond loopback: $listeners"; fi
"$RIGCTL" gc --engine lxc > "$SCRATCH/gc.txt" || { cat "$SCRATCH/gc.txt"; fail "gc --engine lxc"; }
grep -q "removed LXC container $name" "$SCRATCH/gc.txt" || { cat "$SCRATCH/gc.txt"; fail "gc did not remove the launched rig"; }
expect_eq "$(ss -Hltn | awk '{print $4}' | grep -cE ':100[0-9][0-9]$' || true)" "0" "gc ended the rig's forwarders"
expect_eq "$(lxc_made)/$(ls -A "$LXCPATH/.images" 2>/dev/null | wc -l)" "0/0" "gc leaves no LXC container or image rootfs rigctl made"
