#!/usr/bin/env bash
# Without /dev/net/tun the chain fails at the inner run, with the tun diagnosis shown and later
# checks that need the app reported "not run".
source "$(dirname "$0")/lib.sh"
set +e
"$RIGCTL" smoke --without tun --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt"; rc=$?
set -e
cat "$SCRATCH/table.txt"
expect_eq "$rc" "1" "failed checks exit 1"
python3 - "$SCRATCH/r.json" <<'PY' || fail "report does not show the expected failure"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in r["checks"]}
assert c["podman-info"]["status"] == "pass"
assert c["inner-run"]["status"] == "fail", c["inner-run"]
assert "/dev/net/tun" in c["inner-run"]["output_tail"]
assert [d["id"] for d in c["inner-run"]["diagnosis"]] == ["tun-missing"], c["inner-run"]["diagnosis"]
for later in ("host-reach", "restart-app", "uid-isolation"):
    assert c[later]["status"] == "not-run", later
assert {"id": "tun", "state": "removed", "reason": "--without tun"} in r["flags"]
PY
pass "inner-run fails with the tun diagnosis; dependent checks not run"
grep -q "diagnosis \[tun-missing\]" "$SCRATCH/table.txt" || fail "table lacks the diagnosis"
pass "table prints the diagnosis and fix"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml"
