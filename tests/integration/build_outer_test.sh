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
