#!/usr/bin/env bash
# launch leaves a rig up (labelled); gc removes exactly what rigctl labelled and nothing else.
source "$(dirname "$0")/lib.sh"
"$RIGCTL" launch --name "rigctl-it-gc-$$" --port-base 10100 > "$SCRATCH/launch.txt"
cat "$SCRATCH/launch.txt"
grep -q "flag tun          applied" "$SCRATCH/launch.txt" || fail "launch does not report the tun flag applied"
grep -q "flag apparmor     not-applicable" "$SCRATCH/launch.txt" || fail "apparmor should be not-applicable on a kernel without AppArmor"
pass "launch reports each flag's state"
hc=$(docker inspect -f '{{json .HostConfig}}' "rigctl-it-gc-$$")
python3 - "$hc" <<'PY' || fail "launched container does not have the profile's flag set"
import json, sys
hc = json.loads(sys.argv[1])
assert hc["Privileged"] is False and not hc["CapAdd"]
assert hc["Init"] is True and hc["RestartPolicy"]["Name"] == "unless-stopped"
assert any(d["PathOnHost"] == "/dev/net/tun" for d in hc["Devices"])
assert any(o.startswith("seccomp=") for o in hc["SecurityOpt"])
assert not any("no-new-privileges" in o for o in hc["SecurityOpt"])
assert hc["MaskedPaths"] == [] and hc["ReadonlyPaths"] == []
assert hc["PortBindings"]["10000/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "10100"}]
assert hc["Memory"] == 4096 * 1024 * 1024 and hc["PidsLimit"] == 4096
PY
pass "HostConfig carries exactly the profile (no privilege, loopback ports)"
docker run -d --name "rigctl-it-bystander-$$" --entrypoint sleep rigctl/debian-trixie:amd64 infinity >/dev/null
defer docker rm -f -v "rigctl-it-bystander-$$"  # -v: the image declares the workspace and store volumes
out=$("$RIGCTL" gc)
echo "$out"
expect_eq "$(docker ps -aq --filter "name=rigctl-it-gc-$$" | wc -l)" "0" "gc removed the rig"
expect_eq "$(docker volume ls -q --filter label=io.rigctl.managed=true | wc -l)" "0" "gc removed labelled volumes"
expect_eq "$(docker ps -q --filter "name=rigctl-it-bystander-$$" | wc -l)" "1" "gc left an unlabelled container alone"

# A volume of the rig's name that rigctl did not make: Docker answers the create with it, so only its
# labels show it is not this run's. The launch is refused (exit 2) and the volume keeps its data.
vname="rigctl-it-foreign-$$"
docker volume create "$vname-workspace" >/dev/null
defer docker volume rm -f "$vname-workspace"
docker run --rm --user 0 -v "$vname-workspace:/v" --entrypoint sh rigctl/debian-trixie:amd64 -c 'echo mine > /v/data'
set +e
"$RIGCTL" launch --name "$vname" >"$SCRATCH/foreign.txt" 2>&1
rc=$?
set -e
expect_eq "$rc" "2" "launch onto a foreign volume's name exits 2"
grep -q "a volume named '$vname-workspace' already exists (not made by rigctl)" "$SCRATCH/foreign.txt" ||
  fail "the error does not name the foreign volume: $(cat "$SCRATCH/foreign.txt")"
pass "the error names the foreign volume"
expect_eq "$(docker run --rm --user 0 -v "$vname-workspace:/v" --entrypoint cat rigctl/debian-trixie:amd64 /v/data)" "mine" \
  "the foreign volume is still there with its data"
[ -z "$(docker ps -aq --filter "name=^$vname\$")" ] || fail "a container of the refused launch is left"
pass "no container of the refused launch"

