#!/usr/bin/env bash
# `rigctl matrix matrix/ci.json`, the CI subset: 3 recipes x docker/podman x pasta/slirp4netns on
# amd64 with the full chain (ablation on one cell per engine), the arm64 images built under
# qemu-user with their image-level checks. Then `rigctl report merge` with a second host's results,
# and the bad-input paths. Needs the podman service ci/host-setup.sh starts and binfmt for arm64.
source "$(dirname "$0")/lib.sh"
out=$SCRATCH/ci
before=$(labelled)
set +e
"$RIGCTL" matrix ci --out "$out" --jobs 2 --host-label ci-local > "$SCRATCH/summary.md" 2> "$SCRATCH/err.txt"
rc=$?
set -e
cat "$SCRATCH/summary.md"
[ "$rc" = 0 ] || { tail -n 30 "$SCRATCH/err.txt"; fail "matrix ci exited $rc"; }
pass "matrix ci: every applicable cell passed"
python3 - "$out" <<'PY' || fail "matrix results are not what matrix/ci.json asks for"
import json, os, sys
out = sys.argv[1]
s = json.load(open(os.path.join(out, "summary.json")))
assert s["schema"] == "rigctl/matrix-report/v1"
cells = {c["id"]: c for c in s["cells"]}
assert len(cells) == 24, len(cells)  # nothing dropped: excluded and n/a cells are listed too
h = s["hosts"][0]
assert h["label"] == "ci-local" and h["engines"]["docker"]["available"] and h["engines"]["podman"]["available"], h
def cell(r, a, e, n): return cells[f"local/{r}/{a}/{e}/{n}/overlay"]
def stage(c, name): return next(x for x in c["stages"] if x["stage"] == name)
for r in ("debian-trixie", "debian-bookworm", "ubuntu-noble"):
    for e in ("docker", "podman"):
        for n in ("pasta", "slirp4netns"):
            c = cell(r, "amd64", e, n)
            sm = stage(c, "smoke")
            if r == "debian-bookworm" and n == "pasta":
                assert c["status"] == "not-applicable" and "supports inner networks slirp4netns" in sm["reason"], c
                continue
            # inner-limits is not applicable on this cgroup v1 host: 14 pass, 1 n/a, 15 in all; trixie's
            # chain has the docker-api check too (the other two recipes ship no docker CLI).
            total = 16 if r == "debian-trixie" else 15
            assert c["status"] == "pass" and sm["detail"]["passed"] == total - 1 and sm["detail"]["not_applicable"] == 1 and sm["detail"]["total"] == total, (c["id"], sm)
            assert (sm["detail"]["checks"].get("docker-api") == "pass") == (r == "debian-trixie"), sm
            assert sm["detail"]["checks"]["inner-limits"] == "not-applicable", sm
            d = os.path.join(out, "cells", c["id"].replace("/", "_"))
            rep = json.load(open(os.path.join(d, "smoke.json")))
            assert rep["host"]["engine"] == e and rep["inner_network"] == n, (c["id"], rep["host"], rep["inner_network"])
            assert os.path.exists(os.path.join(d, "smoke.junit.xml"))
for e in ("docker", "podman"):
    ab = stage(cell("debian-trixie", "amd64", e, "pasta"), "ablate")
    v = {i["id"]: i["verdict"] for i in ab["detail"]["items"]}
    for flag in ("tun", "systempaths", "fcaps"):
        assert v[flag].startswith("required"), (e, flag, v[flag])
    assert v["apparmor"] == "not applicable" and v["fuse"] == "not applicable", v
    assert v["cgroups"] == "not applicable" and v["cgroup-delegation"] == "not applicable", v
    # The cell's passing smoke stage (same image, engine and inner setup) is the ablation's baseline.
    d = os.path.join(out, "cells", cell("debian-trixie", "amd64", e, "pasta")["id"].replace("/", "_"))
    smoke_run = json.load(open(os.path.join(d, "smoke.json")))["run_id"]
    assert ab["detail"]["baseline_smoke_run"] == smoke_run and smoke_run, (ab["detail"].get("baseline_smoke_run"), smoke_run)
    assert json.load(open(os.path.join(d, "ablate.json")))["baseline"]["smoke_run"] == smoke_run
arm = cell("debian-trixie", "arm64", "docker", "pasta")
img = stage(arm, "image")
assert arm["status"] == "pass" and img["status"] == "pass", arm
checks = {c["id"]: c for c in img["detail"]["checks"]}
assert checks["arch"]["output"] == "aarch64", checks["arch"]
assert checks["fcaps:/usr/bin/newuidmap"]["status"] == "pass" and checks["podman"]["status"] == "pass"
assert checks["inner-images"]["output"].endswith(":arm64"), checks["inner-images"]
assert cell("ubuntu-noble", "arm64", "docker", "pasta")["status"] == "excluded"
summary_md = open(os.path.join(out, "summary.md")).read()
assert "excluded" in summary_md
assert "14/15 (1 n/a)" in summary_md and "15/16 (1 n/a)" in summary_md, "the summary shows the not-applicable check next to the count"
PY
pass "summary: 10 cells 15/16 (trixie) or 14/15 (inner-limits n/a) on both engines, bookworm+pasta not applicable with its reason, arm64 image checks under qemu-user"
xmllint --noout --schema tests/schemas/junit.xsd "$out/junit.xml" || fail "junit.xml does not validate"
pass "merged JUnit validates"
expect_eq "$(labelled)" "$before" "the matrix left no rig containers or volumes behind"

# Two hosts' results into one report: this run and a fixture arm64 runner.
set +e
"$RIGCTL" report merge "$out" tests/fixtures/reports/ubuntu-24.04-arm --out "$SCRATCH/merged" > "$SCRATCH/merged.md"
rc=$?
set -e
expect_eq "$rc" "1" "merge exits 1: the fixture host has a failing cell"
python3 - "$SCRATCH/merged/summary.json" <<'PY' || fail "merged report is wrong"
import json, sys
m = json.load(open(sys.argv[1]))
assert [h["label"] for h in m["hosts"]] == ["ci-local", "ubuntu-24.04-arm"], m["hosts"]
assert {c["host"] for c in m["cells"]} == {"ci-local", "ubuntu-24.04-arm"}
assert m["totals"]["fail"] == 1
PY
grep -q "ubuntu-24.04-arm" "$SCRATCH/merged/summary.md" || fail "merged Markdown misses the second host"
pass "report merge: both hosts in one summary, Markdown and JUnit"

# Bad input: fixed exit codes, clear messages, nothing written.
set +e
"$RIGCTL" matrix ci --cells 'nowhere/*' --out "$SCRATCH/none" 2> "$SCRATCH/e1"; rc1=$?
"$RIGCTL" matrix tests/fixtures/no-such-matrix.json --out "$SCRATCH/none" 2> "$SCRATCH/e2"; rc2=$?
"$RIGCTL" report merge "$SCRATCH" --out "$SCRATCH/none" 2> "$SCRATCH/e3"; rc3=$?
set -e
expect_eq "$rc1" "2" "--cells matching nothing is a usage error"
expect_match "$(cat "$SCRATCH/e1")" "--cells: 'nowhere/\*' matches none of the 24 cells of ci" "the message names the filter"
expect_eq "$rc2" "2" "a missing matrix file is a usage error"
expect_eq "$rc3" "2" "merging a directory without summary.json is a usage error"
[ ! -e "$SCRATCH/none" ] || fail "a failed run left $SCRATCH/none behind"
pass "nothing half-written"

# An engine that is not there makes its cells not applicable, with the reason.
"$RIGCTL" matrix ci --cells 'local/debian-trixie/amd64/podman/slirp4netns/*' --out "$SCRATCH/nopod" \
  --engine-endpoint podman=unix:///nonexistent/podman.sock > /dev/null 2>&1 || fail "an unavailable engine must not fail the run"
python3 - "$SCRATCH/nopod/summary.json" <<'PY' || fail "unavailable engine not reported as not applicable"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["cells"] if c["status"] != "not-selected"][0]
assert c["status"] == "not-applicable" and c["reason"].startswith("engine podman unavailable"), c
PY
pass "an unavailable engine: not applicable with the reason"
