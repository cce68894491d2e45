# Shared helpers for rigctl's integration tests: real rigctl, real Docker, real podman.
# Each test script gets the rigctl binary as $1 and runs from the source tree.
set -euo pipefail
RIGCTL=${1:?usage: $0 path/to/rigctl}
RIGCTL=$(readlink -f "$RIGCTL")
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$SRC"
TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "/tmp/rigctl-it-$TEST_NAME-XXXXXX")
chmod 0755 "$SCRATCH"
CLEANUPS=()
cleanup() {
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
defer() { CLEANUPS+=("$*"); }

fail() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
pass() { echo "ok   [$TEST_NAME]: $*"; }
expect_eq() { [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"; pass "$3"; }
expect_match() { [[ "$1" =~ $2 ]] || fail "$3: '$1' does not match /$2/"; pass "$3"; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }

# A free TCP port on 127.0.0.1 (tests never use container bridge addresses).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# GET with short retries until the body arrives or ~10 s pass.
http_get() {
  local url=$1 i
  for i in $(seq 1 50); do
    if curl -fsS --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Everything rigctl labelled, as "containers volumes" counts.
labelled() {
  echo "$(docker ps -aq --filter label=io.rigctl.managed=true | wc -l) $(docker volume ls -q --filter label=io.rigctl.managed=true | wc -l)"
}

# Checks a smoke JSON report against the table rigctl printed and (optionally) the JUnit file, and
# that the chain had TOTAL checks (the default recipe's 16: 15 plus docker-api).
check_reports() {
  local json=$1 table=$2 junit=$3 total=${4:-16}
  python3 - "$json" "$table" "$total" <<'PY' || fail "JSON report does not match the table"
import json, re, sys
rep = json.load(open(sys.argv[1]))
rows = {}
for line in open(sys.argv[2]):
    m = re.match(r'\s*(\d+)\s+(\S+)\s+(pass|fail|not-run|not-applicable)\s+[\d.]+s\s+(.*)$', line)
    if m: rows[m.group(2)] = (int(m.group(1)), m.group(3), m.group(4))
assert len(rep["checks"]) == int(sys.argv[3]) == len(rows) == rep["total"], (len(rep["checks"]), len(rows), sys.argv[3])
for c in rep["checks"]:
    assert rows[c["id"]] == (c["number"], c["status"], c["title"]), (c["id"], rows[c["id"]])
assert rep["passed"] == sum(1 for c in rep["checks"] if c["status"] == "pass")
assert rep["not_applicable"] == sum(1 for c in rep["checks"] if c["status"] == "not-applicable")
for k in ("kernel", "engine", "engine_version", "arch"): assert rep["host"][k], k
PY
  pass "JSON report parses and matches the table"
  if [ -n "$junit" ]; then
    xmllint --noout --schema "$SRC/tests/schemas/junit.xsd" "$junit" 2>"$SCRATCH/xmllint.err" || { cat "$SCRATCH/xmllint.err" >&2; fail "JUnit does not validate"; }
    pass "JUnit validates against tests/schemas/junit.xsd"
  fi
}
