#!/usr/bin/env bash
# Engine faults: fault_proxy.py stands in front of the real Docker socket and answers 500, drops,
# cuts or stalls chosen requests. rigctl must exit 3 (engine unavailable) or 1 (a check failed),
# saying what happened -- never crash (134/139), never hang past its timeouts -- and leave nothing
# behind; when the engine is gone for good, it must say what remains and how to remove it.
source "$(dirname "$0")/lib.sh"

# Images first (cached after the first run), so each faulty run below spends its time on the fault.
"$RIGCTL" build debian-trixie --load >/dev/null
"$RIGCTL" build images/inner-web.json >/dev/null
"$RIGCTL" build images/inner-base.json >/dev/null
pass "images built and loaded"

# Ten consecutive free loopback ports (the rig publishes 10), away from the recipe's 10000.
free_range() {
  python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000)
    socks = []
    try:
        for p in range(base, base + 10):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
}

PROXY_PID=""
PROXY_SOCK=""
start_proxy() {  # RULE... (see fault_proxy.py)
  local args=() r
  for r in "$@"; do args+=(--rule "$r"); done
  PROXY_SOCK="$SCRATCH/proxy-$RANDOM.sock"
  python3 "$SRC/tests/integration/fault_proxy.py" --listen "$PROXY_SOCK" "${args[@]}" 2>>"$SCRATCH/proxy.log" &
  PROXY_PID=$!
  defer "kill $PROXY_PID"
  local i
  for i in $(seq 1 100); do [ -S "$PROXY_SOCK" ] && break; sleep 0.1; done
  [ -S "$PROXY_SOCK" ] || { cat "$SCRATCH/proxy.log" >&2; fail "fault proxy did not start"; }
}
stop_proxy() { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }

# rigctl through the proxy within BUDGET seconds; sets RC, ERR, SECS.
through_proxy() {  # BUDGET ARGS...
  local budget=$1 t0
  shift
  t0=$(date +%s)
  set +e
  DOCKER_HOST="unix://$PROXY_SOCK" timeout -k 5 "$budget" "$RIGCTL" "$@" >"$SCRATCH/out.txt" 2>"$SCRATCH/err.txt"
  RC=$?
  set -e
  SECS=$(($(date +%s) - t0))
  ERR=$(cat "$SCRATCH/err.txt")
  case $RC in
    124 | 137) fail "rigctl $1 hung: killed after $budget s" ;;
    134 | 139 | 70) cat "$SCRATCH/err.txt" >&2; fail "rigctl $1 crashed (exit $RC)" ;;
  esac
}

# What carries this rig's name label: "containers volumes".
left_by() {
  echo "$(docker ps -aq --filter "label=io.rigctl.rig=$1" | wc -l) $(docker volume ls -q --filter "label=io.rigctl.rig=$1" | wc -l)"
}

smoke_through_proxy() {  # NAME [EXTRA ARGS...]
  local name=$1
  shift
  defer "docker rm -f \$(docker ps -aq --filter label=io.rigctl.rig=$name) ; docker volume rm -f \$(docker volume ls -q --filter label=io.rigctl.rig=$name)"
  through_proxy 400 smoke debian-trixie --name "$name" --port-base "$(free_range)" "$@"
}

API='/v[0-9.]+'

# 1. The engine refuses the container: 500 names the request; the volumes made before are removed.
name=rigctl-it-faults-500-$$
start_proxy "500:^POST $API/containers/create"
smoke_through_proxy "$name"
expect_eq "$RC" "3" "500 on containers/create: exit 3"
expect_match "$ERR" "engine answered POST $API/containers/create\?name=$name with 500: injected fault" "the message names method, path, status and the engine's message"
expect_eq "$(left_by "$name")" "0 0" "500 on containers/create: the volumes made before are removed"
stop_proxy

# 2. The connection drops without an answer on start: exit 3, the created container is removed.
name=rigctl-it-faults-drop-$$
start_proxy "drop:^POST $API/containers/[0-9a-f]+/start"
smoke_through_proxy "$name"
expect_eq "$RC" "3" "dropped start: exit 3"
expect_match "$ERR" "POST $API/containers/[0-9a-f]+/start: the engine closed the connection without answering" "dropped start: says what happened"
expect_eq "$(left_by "$name")" "0 0" "dropped start: the container and volumes are removed"
stop_proxy

# 3. Every container inspect is cut in the middle of its body: exit 3, the rig is removed.
name=rigctl-it-faults-cut-$$
start_proxy "cut-body:^GET $API/containers/[0-9a-f]+/json"
smoke_through_proxy "$name"
expect_eq "$RC" "3" "cut inspect replies: exit 3"
expect_match "$ERR" "GET $API/containers/[0-9a-f]+/json: the connection broke before the reply was complete" "cut inspect replies: says what happened"
expect_eq "$(left_by "$name")" "0 0" "cut inspect replies: the rig is removed"
stop_proxy

# 4. Exec faults on four checks at once; each check fails with what happened, the others go on.
name=rigctl-it-faults-exec-$$
start_proxy "exit-null:^GET $API/exec/[0-9a-f]+/json:/proc/1/status; id -un" \
  "big-frame:^POST $API/exec/[0-9a-f]+/start:grep CapBnd" \
  "cut-frame:^POST $API/exec/[0-9a-f]+/start:podman info" \
  "stall:^POST $API/exec/[0-9a-f]+/start:rig-marker"
smoke_through_proxy "$name" --json-file "$SCRATCH/exec.json"
expect_eq "$RC" "1" "exec faults: checks fail (exit 1)"
python3 - "$SCRATCH/exec.json" <<'PY' || fail "exec faults: the report does not show each fault"
import json, sys
checks = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
def failed(cid, text):
    c = checks[cid]
    assert c["status"] == "fail", (cid, c["status"])
    assert text in c["output_tail"], (cid, text, c["output_tail"])
assert checks["outer-up"]["status"] == "pass"
failed("main-uid", "[output truncated: the exec stream ended while the command was still running (no exit code)]")
failed("not-privileged", "the exec stream announces a frame of 2147483647 bytes")
failed("podman-info", "[output truncated: the exec stream ended in the middle of a frame]")
failed("restart-workspace", "[rigctl: timed out after 10 s]")
for cid in ("inner-run", "host-reach", "restart-image", "uid-isolation"):
    assert checks[cid]["status"] == "not-run", (cid, checks[cid]["status"])
PY
pass "exec faults: each failing check says what happened (no exit code, 2 GiB frame, cut frame, timeout)"
expect_eq "$(left_by "$name")" "0 0" "exec faults: the rig is removed"
stop_proxy

# 5. The engine stalls: no answer to GET /version within its 10 s bound.
name=rigctl-it-faults-stall-$$
start_proxy "stall:^GET /version"
smoke_through_proxy "$name"
expect_eq "$RC" "3" "stalled engine: exit 3"
expect_match "$ERR" "GET /version: timed out: no complete reply within 10 s" "stalled engine: says which request timed out"
[ "$SECS" -lt 60 ] || fail "stalled engine: took $SECS s"
pass "stalled engine: gave up in $SECS s"
stop_proxy

# 6. The engine goes away in the middle of the chain (every connection dropped from podman info's
#    exec on): exit 3 with a clear message; the rig cannot be removed, and the hint says how.
name=rigctl-it-faults-gone-$$
start_proxy "drop-all:^POST $API/exec/[0-9a-f]+/start:podman info"
smoke_through_proxy "$name"
expect_eq "$RC" "3" "engine gone mid-chain: exit 3"
# podman info's exec trips the proxy, but a check running beside it (not-privileged) may be the first to
# meet a dropped connection on a loaded machine: any check may be the one that says so.
expect_match "$ERR" "check [a-z-]+ \(the engine no longer answers\): .*the engine closed the connection without answering" "engine gone mid-chain: says so"
expect_match "$ERR" "rigctl: hint: .*rig '$name' could not be removed .*remove it with \`rigctl gc --run [0-9a-z]+\`" "engine gone mid-chain: the hint names what remains and the gc command"
expect_eq "$(left_by "$name")" "1 2" "engine gone mid-chain: the rig is still there (nothing could reach the engine)"
run=$(sed -n 's/.*rigctl gc --run \([0-9a-z]*\).*/\1/p' <<<"$ERR" | head -1)
[ -n "$run" ] || fail "engine gone mid-chain: no run id in the hint"
"$RIGCTL" gc --run "$run" >/dev/null
expect_eq "$(left_by "$name")" "0 0" "engine gone mid-chain: the hinted gc removes it once the engine answers"
stop_proxy
