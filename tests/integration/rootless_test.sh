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
