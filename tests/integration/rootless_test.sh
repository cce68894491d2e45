#!/usr/bin/env bash
# The rootless path, proved: an unprivileged user with its own subuid/subgid ranges builds the
# default recipe (mmdebstrap unshare mode) and gets the same image as root.
source "$(dirname "$0")/lib.sh"
user=rigctl-it-user
if ! id "$user" >/dev/null 2>&1; then
  useradd -m -s /bin/bash "$user"
  defer userdel -r "$user"
fi
grep -q "^$user:" /etc/subuid || usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$user"
root_digest=$(XDG_CACHE_HOME="$SCRATCH/root-cache" "$RIGCTL" build recipes/debian-trixie.json --json | json_field '["digest"]')
cp "$RIGCTL" "$SCRATCH/rigctl" && chmod 0755 "$SCRATCH/rigctl"
mkdir -p "$SCRATCH/user-cache" && chown "$user" "$SCRATCH/user-cache"
json=$(su "$user" -s /bin/bash -c "cd '$SRC' && XDG_CACHE_HOME='$SCRATCH/user-cache' '$SCRATCH/rigctl' build recipes/debian-trixie.json --json")
expect_eq "$(stat -c %U "$SCRATCH/user-cache/rigctl")" "$user" "the build ran as the unprivileged user"
expect_eq "$(json_field '["digest"]' <<<"$json")" "$root_digest" "rootless build yields the same image as the root build"
# Unshare mode with the package cache warm: mmdebstrap's sync-in and sync-out cross the user
# namespace; the rebuild takes the user's own cached .debs and still gives the same image.
expect_eq "$(json_field '["packages_reused"]' <<<"$json")" "0" "the user's first build had an empty package cache"
again=$(su "$user" -s /bin/bash -c "cd '$SRC' && XDG_CACHE_HOME='$SCRATCH/user-cache' '$SCRATCH/rigctl' build recipes/debian-trixie.json --no-cache --json")
reused=$(json_field '["packages_reused"]' <<<"$again")
[ "$reused" -gt 100 ] || fail "a rootless --no-cache rebuild should reuse the user's cached .debs, reused $reused"
pass "rootless rebuild reused $reused cached .debs"
expect_eq "$(json_field '["digest"]' <<<"$again")" "$root_digest" "rootless warm-package rebuild yields the same image"
expect_eq "$(find "$SCRATCH/user-cache/rigctl/debs" ! -user "$user" | wc -l)" "0" "the user's package cache holds only the user's files"
