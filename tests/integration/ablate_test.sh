#!/usr/bin/env bash
# Ablation on the default recipe for tun, seccomp, AppArmor and the file-capability negative control:
# each verdict as the recipe's profile predicts on this host (no AppArmor in this kernel).
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" ablate --only tun --only seccomp --only apparmor --only fcaps \
  --json "$SCRATCH/a.json" --markdown "$SCRATCH/a.md" --junit "$SCRATCH/a.xml" > "$SCRATCH/table.txt"
cat "$SCRATCH/table.txt"
python3 - "$SCRATCH/a.json" <<'PY' || fail "verdicts differ from the profile's predictions"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"]["passed"] is True
v = {i["id"]: i for i in r["items"]}
assert v["tun"]["verdict"] == "required" and v["tun"]["observed_check"] == "inner-run", v["tun"]
assert "/dev/net/tun" in v["tun"]["observed_error"]
assert v["seccomp"]["verdict"] == "required" and v["seccomp"]["observed_check"] == "podman-info", v["seccomp"]
assert v["fcaps"]["verdict"] == "required" and "write to uid_map failed" in v["fcaps"]["observed_error"], v["fcaps"]
assert v["apparmor"]["verdict"] == "not applicable" and "AppArmor" in v["apparmor"]["reason"], v["apparmor"]
PY
pass "tun, seccomp and fcaps required with matching signatures; AppArmor not applicable"
grep -q '| `fcaps` | image |' "$SCRATCH/a.md" || fail "markdown lacks the fcaps row"
pass "markdown table written"
xmllint --noout --schema "$SRC/tests/schemas/junit.xsd" "$SCRATCH/a.xml" || fail "ablation JUnit does not validate"
pass "ablation JUnit validates"
expect_eq "$(labelled)" "$before" "ablation removed every rig it made"
