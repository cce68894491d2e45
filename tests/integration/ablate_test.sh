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
# The record of this proof goes next to the image: a layout from `rigctl build --out` (the cache's image,
# so the very image the rigs ran). A layout of anything else is refused before any rig starts.
"$RIGCTL" build --out "$SCRATCH/oci" --json > "$SCRATCH/build.json" || fail "build --out"
mkdir -p "$SCRATCH/not-a-layout"
set +e
"$RIGCTL" ablate --only cap-kill --attach "$SCRATCH/not-a-layout" 2> "$SCRATCH/attach.err"; rc=$?
set -e
expect_eq "$rc" 2 "--attach of a directory that is no OCI layout: usage error"
grep -q "has no oci-layout file" "$SCRATCH/attach.err" || fail "the error does not say what is wrong: $(cat "$SCRATCH/attach.err")"
expect_eq "$(labelled)" "$before" "nothing was launched for a bad --attach"
"$RIGCTL" ablate "${only[@]}" --attach "$SCRATCH/oci" --json-file "$SCRATCH/caps.json" > "$SCRATCH/caps.txt"
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
python3 - "$SCRATCH/oci" "$SCRATCH/build.json" "$SRC/docs/schemas/ablation-record.schema.json" "$SCRATCH/caps.json" <<'PY' || fail "ablation record"
import json, sys, jsonschema
out, build, schema, caps = sys.argv[1:5]
blob = lambda d: open(f"{out}/blobs/sha256/{d.split(':')[1]}", "rb").read()
digest = json.load(open(build))["digest"]
index = json.load(open(f"{out}/index.json"))
assert index["manifests"][0]["digest"] == digest, "the image stays the first manifest"
arts = [m for m in index["manifests"] if m.get("artifactType") == "application/vnd.rigctl.ablation-record.v1+json"]
assert len(arts) == 1, index
m = json.loads(blob(arts[0]["digest"]))
assert m["subject"]["digest"] == digest
rec = json.loads(blob(m["layers"][0]["digest"]))
jsonschema.validate(rec, json.load(open(schema)))
assert rec["image"]["manifest_digest"] == digest
assert rec["image"]["config_digest"] == json.loads(blob(digest))["config"]["digest"]
# The profile digest, recomputed independently: the shared profile (whole-line // comments) merged
# with the recipe's own launch keys.
import hashlib, re
jsonc = lambda p: json.loads(re.sub(r"(?m)^\s*//.*$", "", open(p).read()))
own = jsonc("recipes/debian-trixie.json")["launch"]
launch = jsonc("recipes/" + own.pop("profile"))
launch.update(own)
assert rec["profile"]["digest"] == "sha256:" + hashlib.sha256(json.dumps(launch, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest(), rec["profile"]
report = {i["id"]: i for i in json.load(open(caps))["items"]}
items = {i["id"]: i for i in rec["items"]}
assert set(items) == set(report) and len(items) == 14 and rec["scope"]["complete"] is False
for k, i in items.items():
    assert i["verdict"] == report[k]["verdict"], (k, i)
assert items["cap-setuid"]["observed"]["check"] == "podman-info"
PY
pass "the ablation record is attached to the layout, names the image and profile, and validates against its schema"
skopeo inspect "oci:$SCRATCH/oci:rigctl/debian-trixie:amd64" > /dev/null || fail "skopeo no longer reads the layout"
umoci stat --image "$SCRATCH/oci:rigctl/debian-trixie:amd64" > /dev/null || fail "umoci no longer reads the layout"
pass "skopeo and umoci still read the layout with the SBOM and the record attached"
expect_eq "$(labelled)" "$before" "ablation removed every rig it made"
