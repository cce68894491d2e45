#!/usr/bin/env bash
# Bad recipes fail with exit 2, a message naming the file, the JSON path and what was expected, and
# leave nothing written (no --out directory, no cache entries).
source "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$SCRATCH/cache"
bad="$SCRATCH/bad.json"
sed 's/"start": 100000, "count": 65536}/"start": 1, "count": 65536}/' recipes/debian-trixie.json > "$bad"
set +e
err=$("$RIGCTL" build "$bad" --out "$SCRATCH/out" 2>&1 >/dev/null); rc=$?
set -e
expect_eq "$rc" "2" "overlapping subuid range exits 2"
expect_match "$err" "bad.json.*user\.subuid.*overlaps the user's own id 1000" "message names file, JSON path and the rule"
[ ! -e "$SCRATCH/out" ] || fail "--out was created"
[ ! -e "$SCRATCH/cache" ] || fail "cache was written"
pass "nothing written"
printf '{ "schema": "rigctl/recipe/v1", \n "name": 5 }' > "$bad"
set +e
err=$("$RIGCTL" validate "$bad" 2>&1); rc=$?
set -e
expect_eq "$rc" "2" "wrong type exits 2"
expect_match "$err" "bad.json'?: name: expected a string" "wrong type message"
printf '{ "schema": ' > "$bad"
set +e
err=$("$RIGCTL" validate "$bad" 2>&1); rc=$?
set -e
expect_eq "$rc" "2" "not JSON exits 2"
expect_match "$err" "line 1, column" "syntax error position"
set +e
DOCKER_HOST=unix://$SCRATCH/nope.sock "$RIGCTL" build images/inner-web.json --load >/dev/null 2>"$SCRATCH/err"; rc=$?
set -e
expect_eq "$rc" "3" "missing engine socket exits 3"
expect_match "$(cat "$SCRATCH/err")" "does not exist" "engine error says which"
