#!/usr/bin/env bash
# doctor on this very host: AppArmor is absent in this kernel (a warning: its flags do not apply), and a
# /dev/net/tun at the mode this machine kind boots with (0600) is a failure with the chmod fix; the
# standard mode is restored afterwards whatever happens.
source "$(dirname "$0")/lib.sh"
mode=$(stat -c %a /dev/net/tun)
defer chmod "$mode" /dev/net/tun
chmod 0666 /dev/net/tun
"$RIGCTL" doctor --json > "$SCRATCH/ok.json" || true
python3 - "$SCRATCH/ok.json" <<'PY' || fail "doctor's view of this host is wrong"
import json, os, sys
items = {i["item"]: i for i in json.load(open(sys.argv[1]))["items"]}
aa = items["apparmor"]
if os.path.exists("/sys/module/apparmor/parameters/enabled") and open("/sys/module/apparmor/parameters/enabled").read().startswith("Y"):
    assert aa["status"] == "ok", aa
else:
    assert aa["status"] == "warn" and "not applicable" in aa["detail"], aa
assert items["/dev/net/tun"]["status"] == "ok", items["/dev/net/tun"]
PY
pass "AppArmor reported as the kernel has it; tun 0666 ok"
chmod 0600 /dev/net/tun
set +e
"$RIGCTL" doctor > "$SCRATCH/table.txt"; rc=$?
set -e
chmod 0666 /dev/net/tun
cat "$SCRATCH/table.txt"
expect_eq "$rc" "1" "doctor exits 1 when an item fails"
grep -E '^fail +/dev/net/tun .*0600.*chmod 0666 /dev/net/tun' "$SCRATCH/table.txt" >/dev/null || fail "tun 0600 not flagged with its fix"
pass "tun 0600 flagged with the chmod fix"
