#!/usr/bin/env bash
# Two clean builds (separate empty caches, --no-cache) of the default recipe give the same manifest
# digest, byte for byte; a third, warm build is answered from the cache in well under a second.
source "$(dirname "$0")/lib.sh"
d1=$(XDG_CACHE_HOME="$SCRATCH/c1" "$RIGCTL" build recipes/debian-trixie.json --no-cache --json | json_field '["digest"]')
d2=$(XDG_CACHE_HOME="$SCRATCH/c2" "$RIGCTL" build recipes/debian-trixie.json --no-cache --json | json_field '["digest"]')
expect_eq "$d2" "$d1" "two clean builds give identical manifest digests"
cmp "$SCRATCH/c1/rigctl/images/"*/index.json "$SCRATCH/c2/rigctl/images/"*/index.json || fail "index.json differs"
pass "index.json identical"
warm=$(XDG_CACHE_HOME="$SCRATCH/c1" "$RIGCTL" build recipes/debian-trixie.json --json)
expect_eq "$(json_field '["cached"]' <<<"$warm")" "True" "warm build is served from the cache"
expect_eq "$(json_field '["digest"]' <<<"$warm")" "$d1" "warm build has the same digest"
secs=$(json_field '["duration_seconds"] < 1.0' <<<"$warm")
expect_eq "$secs" "True" "warm build under one second ($(json_field '["duration_seconds"]' <<<"$warm") s)"
