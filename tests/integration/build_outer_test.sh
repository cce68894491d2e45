#!/usr/bin/env bash
# Builds the default recipe, checks the OCI layout with independent tools (skopeo, umoci), loads it
# into Docker and checks the image from inside a container.
source "$(dirname "$0")/lib.sh"
TAG=rigctl-test/debian-trixie:it
out="$SCRATCH/oci"
json=$("$RIGCTL" build recipes/debian-trixie.json --out "$out" --tag "$TAG" --load --json)
digest=$(json_field '["digest"]' <<<"$json")
expect_match "$digest" '^sha256:[0-9a-f]{64}$' "build prints the manifest digest"
defer docker rmi -f "$TAG"

inspect=$(skopeo inspect "oci:$out:$TAG")
expect_eq "$(json_field '["Digest"]' <<<"$inspect")" "$digest" "skopeo reads the OCI layout with the same digest"
expect_eq "$(json_field '["Architecture"]' <<<"$inspect")" "amd64" "config architecture"
expect_match "$(json_field '["Labels"]["io.rigctl.recipe.sha256"]' <<<"$inspect")" '^[0-9a-f]{64}$' "recipe hash label"
umoci stat --image "$out:$TAG" >/dev/null || fail "umoci stat rejects the layout"
pass "umoci accepts the layout"
config=$(skopeo inspect --config "oci:$out:$TAG")
expect_eq "$(json_field '["config"]["User"]' <<<"$config")" "1000:1000" "config User"
expect_eq "$(json_field '["config"]["WorkingDir"]' <<<"$config")" "/workspace" "config WorkingDir"
expect_eq "$(json_field '["config"]["Entrypoint"][0]' <<<"$config")" "/usr/local/bin/rig-entrypoint" "config Entrypoint"
expect_eq "$(json_field '["config"]["Volumes"].keys().__len__()' <<<"$config")" "2" "config Volumes"

check() { docker run --rm --entrypoint sh "$TAG" -c "$1"; }
expect_eq "$(check 'id -un; id -u')" $'builder\n1000' "uid 1000 is builder"
expect_eq "$(check 'getcap /usr/bin/newuidmap')" "/usr/bin/newuidmap cap_setuid=ep" "newuidmap file capability survives into the container"
expect_eq "$(check 'getcap /usr/bin/newgidmap')" "/usr/bin/newgidmap cap_setgid=ep" "newgidmap file capability"
expect_eq "$(check 'stat -c %a /usr/bin/newuidmap /usr/bin/newgidmap')" $'755\n755' "setuid bits cleared"
expect_eq "$(check 'stat -c %u:%g /workspace /home/builder/.local/share/containers')" $'1000:1000\n1000:1000' "volume mountpoints owned by 1000"
expect_eq "$(check 'grep ^builder: /etc/subuid /etc/subgid')" $'/etc/subuid:builder:100000:65536\n/etc/subgid:builder:100000:65536' "subordinate ranges"
expect_match "$(check 'podman --version')" '^podman version 5\.' "podman runs"

# The SBOM: an OCI 1.1 artifact in the layout whose subject is the image manifest, an SPDX 2.3 document
# that validates against tests/schemas/spdx-2.3.schema.json and lists dpkg's installed packages as the
# image itself reports them.
check "dpkg-query -W -f '\${db:Status-Abbrev}|\${Package}|\${Version}|\${Architecture}\n'" | awk -F'|' '$1 ~ /^ii/ {print $2"|"$3"|"$4}' | sort > "$SCRATCH/dpkg.txt"
python3 - "$out" "$digest" "$SRC/tests/schemas/spdx-2.3.schema.json" "$SCRATCH/dpkg.txt" <<'PY' || fail "SBOM artifact"
import json, sys, jsonschema
out, digest, schema, dpkg = sys.argv[1:5]
blob = lambda d: open(f"{out}/blobs/sha256/{d.split(':')[1]}", "rb").read()
index = json.load(open(f"{out}/index.json"))
arts = [m for m in index["manifests"] if m.get("artifactType") == "application/spdx+json"]
assert len(arts) == 1, index
assert index["manifests"][0]["digest"] == digest, "the image stays the first manifest"
m = json.loads(blob(arts[0]["digest"]))
assert m["subject"]["digest"] == digest and m["subject"]["size"] == len(blob(digest)), m["subject"]
assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json" and blob(m["config"]["digest"]) == b"{}"
layer = m["layers"][0]
assert layer["mediaType"] == "application/spdx+json"
doc = json.loads(blob(layer["digest"]))
jsonschema.validate(doc, json.load(open(schema)))
pkgs = {p["name"]: p for p in doc["packages"] if p["SPDXID"] != "SPDXRef-Image"}
want = {tuple(l.split("|")) for l in open(dpkg).read().split()}
got = {(p["name"], p["versionInfo"], p["externalRefs"][0]["referenceLocator"].split("arch=")[1]) for p in pkgs.values()}
assert got == want, (sorted(got ^ want)[:10])
assert pkgs["podman"]["externalRefs"][0]["referenceLocator"].startswith("pkg:deb/debian/podman@")
# podman's DEP-5 file names only licences with SPDX ids; bash's also names "MIT-like" and "permissive",
# so its licence is not asserted (never guessed).
assert pkgs["podman"]["licenseDeclared"] == "Apache-2.0 AND BSD-3-Clause AND LGPL-2.1-or-later AND MIT", pkgs["podman"]
assert pkgs["bash"]["licenseDeclared"] == "NOASSERTION", pkgs["bash"]
known = sum(p["licenseDeclared"] != "NOASSERTION" for p in pkgs.values())
print(f"ok   SBOM: {len(pkgs)} packages (as dpkg-query in the image reports them), {known} with a declared licence; schema-valid SPDX 2.3; subject = the image manifest")
PY
