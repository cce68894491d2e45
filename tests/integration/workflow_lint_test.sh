#!/usr/bin/env bash
# The nightly workflow cannot run here (it needs GitHub's runners), so this checks what can be checked:
# actionlint (ci/lint-workflow.sh) finds nothing in .github/workflows/nightly.yml and does find each
# planted problem in a broken fixture (so the lint is live), every ci/*.sh the workflow runs exists, and
# every rigctl subcommand the workflow and those scripts call is one this rigctl ($1) has.
source "$(dirname "$0")/lib.sh"
WF=.github/workflows/nightly.yml
FIXTURE=tests/fixtures/workflows/broken.yml

# (a) The real workflow lints clean.
set +e
out=$(bash ci/lint-workflow.sh "$WF" 2>&1); rc=$?
set -e
[ "$rc" != 3 ] || fail "actionlint is not installed and could not be (ci/host-setup.sh installs it): $out"
[ "$rc" = 0 ] || { printf '%s\n' "$out" >&2; fail "actionlint reports problems in $WF (exit $rc)"; }
pass "$WF lints clean"

# (b) The fixture's planted problems are all reported, each at its line, and nothing else.
set +e
out=$(bash ci/lint-workflow.sh "$FIXTURE" 2>&1); rc=$?
set -e
printf '%s\n' "$out"
expect_eq "$rc" "1" "a workflow with problems exits 1"
# problem ANCHOR MESSAGE KIND: the first fixture line containing ANCHOR is reported with MESSAGE (ERE) and KIND.
problem() {
  local line
  line=$(grep -nF -- "$1" "$FIXTURE" | head -n 1 | cut -d: -f1)
  [ -n "$line" ] || fail "fixture has no line with '$1'"
  grep -qE "^${FIXTURE//./\\.}:$line:[0-9]+: $2.* \[$3\]\$" <<<"$out" ||
    fail "no '$3' problem matching /$2/ reported at $FIXTURE:$line"
  pass "$FIXTURE:$line: $3 reported"
}
problem 'runner: ubuntu-24.4 ' 'label "ubuntu-24\.4" is unknown' runner-label
problem 'inputs.cell }}' 'property "cell" is not defined' expression
problem 'matrix.label == }}' 'unexpected end of input' expression
problem '  report:' 'job "report" needs job "biuld" which does not exist' job-needs
expect_eq "$(grep -c "^$FIXTURE:" <<<"$out")" "4" "exactly the planted problems (the real 24.04 labels are not flagged)"

# (c) Scripts the workflow runs exist.
mapfile -t scripts < <(grep -v '^[[:space:]]*#' "$WF" | grep -oE 'ci/[A-Za-z0-9._-]+\.sh' | sort -u)
[ ${#scripts[@]} -gt 0 ] || fail "no ci/*.sh found in $WF"
for s in "${scripts[@]}"; do
  [ -f "$s" ] || fail "$WF runs $s, which does not exist"
  bash -n "$s" || fail "$s does not parse"
done
pass "ci scripts the workflow runs exist and parse: ${scripts[*]}"

# (c) rigctl subcommands called (through a path: ./build/rigctl, "$BUILD/rigctl") by the workflow and by
# those scripts, outside comments, exist in this rigctl: `rigctl --help`, then `rigctl SUB --help` when
# SUB has subcommands of its own. Every missing one is listed before failing.
subcommands() { "$RIGCTL" "$@" --help 2>/dev/null | sed -n '/^Subcommands:/,$p' | sed -nE 's/^  ([a-z][a-z0-9-]*) .*/\1/p'; }
calls=$(grep -hv '^[[:space:]]*#' "$WF" "${scripts[@]}" | grep -oE '/rigctl"? +[a-z][a-z0-9-]*( +[a-z][a-z0-9-]*)?' |
  sed -E 's#^/rigctl"? +##; s/ +/ /g' | sort -u)
[ -n "$calls" ] || fail "no rigctl invocation found in $WF and its scripts"
top=$(subcommands)
missing=()
while read -r sub subsub; do
  if ! grep -qx -- "$sub" <<<"$top"; then
    missing+=("rigctl $sub (not in rigctl --help)")
    continue
  fi
  nested=$(subcommands "$sub")
  if [ -z "$nested" ]; then
    pass "rigctl $sub exists"
  elif [ -n "$subsub" ] && grep -qx -- "$subsub" <<<"$nested"; then
    pass "rigctl $sub $subsub exists"
  else
    missing+=("rigctl $sub ${subsub:-} (not in rigctl $sub --help)")
  fi
done <<<"$calls"
[ ${#missing[@]} -eq 0 ] || fail "the nightly calls subcommands this rigctl lacks: $(IFS=';'; echo "${missing[*]}")"
pass "every rigctl subcommand the nightly calls exists"
