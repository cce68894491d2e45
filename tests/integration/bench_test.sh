#!/usr/bin/env bash
# rigctl bench against the real engine: the four rig items measured (three runs each), every number
# positive, every ratio value/baseline, the storage item with both stores; unknown ids exit 2; the
# rigs are gone afterwards.
source "$(dirname "$0")/lib.sh"
# Only bench's own rigs: other tests or people may launch rigs on this engine meanwhile.
bench_rigs() {
  echo "$(docker ps -aq --filter label=io.rigctl.managed=true --filter name=rigctl-bench- | wc -l) $(docker volume ls -q --filter label=io.rigctl.managed=true | grep -c '^rigctl-bench-' || true)"
}
before=$(bench_rigs)
set +e
"$RIGCTL" bench --items nope >"$SCRATCH/nope.out" 2>"$SCRATCH/nope.err"
rc=$?
set -e
expect_eq "$rc" 2 "--items nope exits 2"
grep -q -- "--items" "$SCRATCH/nope.err" && grep -q "inner-run-latency" "$SCRATCH/nope.err" || { cat "$SCRATCH/nope.err" >&2; fail "the message names --items and the valid ids"; }
pass "the message names --items and the valid ids"

"$RIGCTL" bench --items inner-run-latency,podman-info,storage,restart-init --runs 3 \
  --json-file "$SCRATCH/out.json" --markdown-file "$SCRATCH/out.md" >"$SCRATCH/table.txt" || { cat "$SCRATCH/table.txt"; fail "rigctl bench failed"; }
cat "$SCRATCH/table.txt"
python3 - "$SCRATCH/out.json" <<'PY' || fail "bench JSON is not what was asked for"
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "rigctl/bench/v1", r["schema"]
items = {i["id"]: i for i in r["items"]}
assert sorted(items) == ["inner-run-latency", "podman-info", "restart-init", "storage"], sorted(items)
for i in items.values():
    assert i["status"] == "measured", (i["id"], i["status"], i["reason"])
    assert i["value"] > 0 and i["baseline"] > 0, i
    assert math.isclose(i["ratio"], i["value"] / i["baseline"], rel_tol=1e-9), i
    assert len(i["samples"]) == 3 and all(s > 0 for s in i["samples"]), i
    assert sorted(i["samples"])[1] == i["value"], i  # the value is the median of its samples
    print(f'{i["id"]}: {i["value"]:.3f} s vs {i["baseline"]:.3f} s = {i["ratio"]:.2f}x')
st = items["storage"]
assert "fuse-overlayfs" in st["baseline_label"] and "fuse-overlayfs" in st["reference"], st
# Without --init every stop waits out the 10 s timeout: the ratio must show it.
assert items["restart-init"]["baseline"] > 5 and items["restart-init"]["ratio"] < 1, items["restart-init"]
assert r["host"]["engine"] and r["host"]["podman_version"], r["host"]
PY
pass "four items measured, ratios are value/baseline, storage measured both stores"
grep -q '| `storage` |' "$SCRATCH/out.md" || fail "markdown lacks the storage row"
pass "markdown table written"
expect_eq "$(bench_rigs)" "$before" "bench removed every rig it made"

# The issue-18 ratios from one run: rigctl smoke against the same checks written by hand
# (ci/smoke-chain-baseline.sh, which launches with rigctl and removes its rig), and a whole ablation
# against one smoke. Both measured, each a ratio of two numbers from this run; their targets are shown
# as references, never asserted (a benchmark, not a timed test).
"$RIGCTL" bench --items smoke-vs-chain,ablate-vs-smoke --runs 1 --json-file "$SCRATCH/ratios.json" >"$SCRATCH/ratios.txt" ||
  { cat "$SCRATCH/ratios.txt"; fail "rigctl bench smoke-vs-chain,ablate-vs-smoke failed"; }
cat "$SCRATCH/ratios.txt"
python3 - "$SCRATCH/ratios.json" <<'PY' || fail "the smoke-vs-chain and ablate-vs-smoke rows are not measured ratios"
import json, math, sys
items = {i["id"]: i for i in json.load(open(sys.argv[1]))["items"]}
assert sorted(items) == ["ablate-vs-smoke", "smoke-vs-chain"], sorted(items)
for i in items.values():
    assert i["status"] == "measured", (i["id"], i["status"], i["reason"])
    assert i["value"] > 0 and i["baseline"] > 0 and math.isclose(i["ratio"], i["value"] / i["baseline"], rel_tol=1e-9), i
    assert i["reference"].startswith("target: "), i
    print(f'{i["id"]}: {i["value"]:.2f} s vs {i["baseline"]:.2f} s = {i["ratio"]:.2f}x ({i["reference"]})')
# The ablation runs many chains: it cannot take less time than the one smoke it is compared with.
assert items["ablate-vs-smoke"]["ratio"] > 1, items["ablate-vs-smoke"]
PY
pass "smoke-vs-chain and ablate-vs-smoke measured in one run"
expect_eq "$(bench_rigs)" "$before" "bench removed every rig it made"
expect_eq "$(docker ps -aq --filter name=rigctl-chain- | wc -l)" "0" "the hand-written chain removed its rig"
