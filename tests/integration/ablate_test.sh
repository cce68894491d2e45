#!/usr/bin/env bash
# Ablation on the default recipe for tun, seccomp, AppArmor and the file-capability negative control:
# each verdict as the recipe's profile predicts on this host (no AppArmor in this kernel).
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" ablate --only tun --only seccomp --only apparmor --only fcaps \
  --json-file "$SCRATCH/a.json" --markdown-file "$SCRATCH/a.md" --junit-file "$SCRATCH/a.xml" > "$SCRATCH/table.txt"
cat "$SCRATCH/table.txt"
python3 - "$SCRATCH/a.json" <<'PY' || fail "verdicts differ from the profile's predictions"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"]["passed"] is True
v = {i["id"]: i for i in r["items"]}
assert v["tun"]["verdict"] == "required" and v["tun"]["observed_check"] == "inner-run", v["tun"]
assert "/dev/net/tun" in v["tun"]["observed_error"]
assert v["seccomp"]["verdict"] == "required" and v["seccomp"]["observed_check"] == "podman-info", v["seccomp"]
# Under the least-privilege profile (DAC_OVERRIDE dropped) a setuid newuidmap cannot even open uid_map.
assert v["fcaps"]["verdict"] == "required" and "uid_map failed" in v["fcaps"]["observed_error"], v["fcaps"]
assert v["apparmor"]["verdict"] == "not applicable" and "AppArmor" in v["apparmor"]["reason"], v["apparmor"]
PY
pass "tun, seccomp and fcaps required with matching signatures; AppArmor not applicable"
grep -q '| `fcaps` | image |' "$SCRATCH/a.md" || fail "markdown lacks the fcaps row"
pass "markdown table written"
xmllint --noout --schema "$SRC/tests/schemas/junit.xsd" "$SCRATCH/a.xml" || fail "ablation JUnit does not validate"
pass "ablation JUnit validates"
# Least privilege: every capability of Docker's default set gets a verdict. The three the profile keeps
# are each dropped in a rig of their own and must fail as predicted; the eleven it drops are judged by
# the baseline, which ran without them.
caps=(CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE)
only=()
for c in "${caps[@]}"; do only+=(--only "cap-$(echo "$c" | tr 'A-Z_' 'a-z-')"); done
"$RIGCTL" ablate "${only[@]}" --json-file "$SCRATCH/caps.json" > "$SCRATCH/caps.txt"
cat "$SCRATCH/caps.txt"
python3 - "$SCRATCH/caps.json" <<'PY' || fail "capability verdicts differ from the profile's"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"]["passed"] is True
v = {i["id"]: i for i in r["items"]}
assert len(v) == 14 and all(i["level"] == "capability" for i in v.values()), sorted(v)
for c in ("cap-setuid", "cap-setgid"):
    assert v[c]["verdict"] == "required" and v[c]["observed_check"] == "podman-info", v[c]
    assert "operation not permitted" in v[c]["observed_error"], v[c]
assert v["cap-sys-chroot"]["verdict"] == "required" and v["cap-sys-chroot"]["observed_check"] == "inner-run", v["cap-sys-chroot"]
kept = {"cap-setuid", "cap-setgid", "cap-sys-chroot"}
for k, i in v.items():
    if k not in kept:
        assert i["verdict"] == "not needed on this host" and "baseline" in i["reason"], i
PY
pass "every default capability has a verdict: SETUID, SETGID, SYS_CHROOT required, the other eleven not needed"
expect_eq "$(labelled)" "$before" "ablation removed every rig it made"
