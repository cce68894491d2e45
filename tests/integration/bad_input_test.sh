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

# Issue 12: hostile values are rejected by validation, before any tool runs or anything is written.
# run_rigctl ARGS...: sets rc and err (stderr); stdout goes to $SCRATCH/stdout.
run_rigctl() {
  set +e
  err=$(timeout 60 "$RIGCTL" "$@" 2>&1 >"$SCRATCH/stdout"); rc=$?
  set -e
}
mini() {  # mini SUITE PACKAGE: a small recipe
  printf '{"schema": "rigctl/recipe/v1", "name": "mini", "base": {"distro": "debian", "suite": "%s"},\n "architectures": ["amd64"], "packages": ["%s"]}\n' "$1" "$2"
}
mini --version bash > "$bad"
run_rigctl validate "$bad"
expect_eq "$rc" "2" "suite --version exits 2"
expect_match "$err" "bad.json'?: base\.suite: expected a Debian suite name .*got '--version'" "suite message names path, rule and value"
[[ "$(cat "$SCRATCH/stdout")" != *mmdebstrap* ]] || fail "mmdebstrap ran"
mini "--setup-hook=touch $SCRATCH/pwned" bash > "$bad"
run_rigctl build "$bad" --out "$SCRATCH/out"
expect_eq "$rc" "2" "suite --setup-hook exits 2"
[ ! -e "$SCRATCH/pwned" ] || fail "the hook ran on the build host"
[ ! -e "$SCRATCH/out" ] && [ ! -e "$SCRATCH/cache" ] || fail "something was written"
pass "no hook ran, nothing written"
# std::regex overflowed the stack on this one (exit 139).
mini trixie "$(head -c 200000 /dev/zero | tr '\0' a)" > "$bad"
run_rigctl validate "$bad"
expect_eq "$rc" "2" "200,000-character package name exits 2, no crash"
expect_match "$err" "packages\[0\]: expected a Debian package name .*…' \(200000 bytes\)" "long value is cut in the message"
# A newline in user.home would have added a uid-0 line to passwd; the message shows it escaped, on one line.
sed 's#"home": "/home/builder"#"home": "/home/builder:/bin/sh\\nevil::0:0::/root"#' recipes/debian-trixie.json > "$bad"
run_rigctl build "$bad" --out "$SCRATCH/out"
expect_eq "$rc" "2" "newline in user.home exits 2"
expect_match "$err" "user\.home: expected a path without control characters .*got '/home/builder:/bin/sh\\\\nevil::0:0::/root'" "home shown escaped"
expect_eq "$(printf '%s\n' "$err" | grep -c 'rigctl: error')" "1" "one error line"
[ ! -e "$SCRATCH/out" ] && [ ! -e "$SCRATCH/cache" ] || fail "something was written"
pass "nothing written"
# File sources stay inside the recipe's directory; render writes nothing on a rejected recipe.
cp recipes/debian-trixie.json "$SCRATCH/r.json"; cp -r recipes/files "$SCRATCH/files"
sed -i 's#"source": "files/containers.conf"#"source": "../../../../../../etc/passwd"#' "$SCRATCH/r.json"
run_rigctl render "$SCRATCH/r.json" --out "$SCRATCH/ctx"
expect_eq "$rc" "2" "source outside the recipe's directory exits 2"
expect_match "$err" "files\[1\]\.source: '\.\./\.\./\.\./\.\./\.\./\.\./etc/passwd' resolves to '/etc/passwd', outside the recipe's directory" "source message"
[ ! -e "$SCRATCH/ctx" ] || fail "render wrote its output"
pass "render wrote nothing"
run_rigctl validate /dev/zero
expect_eq "$rc" "2" "a device as the recipe exits 2 (and does not hang)"
expect_match "$err" "'/dev/zero' is not a regular file" "device message"
# The shipped recipes and inner images all pass the same rules.
run_rigctl validate recipes/*.json recipes/hosts/*.json images/*.json
expect_eq "$rc" "0" "every shipped recipe validates: $err"
