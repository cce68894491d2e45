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
