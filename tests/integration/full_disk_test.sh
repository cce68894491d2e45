#!/usr/bin/env bash
# A cache on a full disk (a 1 MiB tmpfs as XDG_CACHE_HOME, smaller than the layer): `rigctl build`
# fails with a clear "No space left on device" (exit 1) and leaves nothing half-written; once there
# is room, the same cache builds normally.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
[ "$(id -u)" = 0 ] || fail "this test mounts a tmpfs: run it as root"
SMALL=images/inner-web.json
mnt="$SCRATCH/small"
mkdir -p "$mnt"
mount -t tmpfs -o size=1m tmpfs "$mnt"
defer umount -l "$mnt"
set +e
XDG_CACHE_HOME="$mnt" "$RIGCTL" build "$SMALL" --no-cache >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
set -e
cat "$SCRATCH/err" | tail -3
expect_eq "$rc" "1" "a full cache disk fails the build with exit 1"
grep -q "No space left on device" "$SCRATCH/err" || fail "the error does not say the disk is full: $(cat "$SCRATCH/err")"
pass "the error says: No space left on device"
grep -q "rigctl: hint: free space there" "$SCRATCH/err" || fail "no hint to free space: $(cat "$SCRATCH/err")"
pass "the hint says to free space"
expect_eq "$(staging_in "$mnt")" "" "nothing half-written is left on the full disk"
expect_eq "$(ls "$mnt/rigctl/base" "$mnt/rigctl/images" 2>/dev/null | grep -v ':$' | grep -c . || true)" "0" "no cache entry"

mount -o remount,size=64m "$mnt"
d=$(XDG_CACHE_HOME="$mnt" "$RIGCTL" build "$SMALL" --json | json_field '["digest"]')
expect_match "$d" "^sha256:[0-9a-f]{64}$" "with room again the same cache builds"
warm=$(XDG_CACHE_HOME="$mnt" "$RIGCTL" build "$SMALL" --json)
expect_eq "$(json_field '["cached"]' <<<"$warm")" "True" "and serves the entry from the cache afterwards"
