#!/usr/bin/env bash
# Docker as the inner engine (recipes/debian-trixie-docker.json): rootless dockerd as the rig user in a
# rig launched with the podman rig's flag set. The whole chain passes (inner-limits not applicable on
# this cgroup v1 host), with the Docker rig's own engine check and its own, weaker, isolation check
# under its own name; then every flag, hardening and capability is ablated and fails as the recipe
# predicts, or is reported not needed here.
source "$(dirname "$0")/lib.sh"
before=$(labelled)
"$RIGCTL" smoke debian-trixie-docker --json-file "$SCRATCH/r.json" --junit-file "$SCRATCH/r.xml" > "$SCRATCH/table.txt" ||
  { cat "$SCRATCH/table.txt"; fail "smoke of the Docker rig failed"; }
cat "$SCRATCH/table.txt"
expect_eq "$(json_field '["passed"]' < "$SCRATCH/r.json")/$(json_field '["not_applicable"]' < "$SCRATCH/r.json")/$(json_field '["total"]' < "$SCRATCH/r.json")" \
  "15/1/16" "15 of 16 checks pass in the Docker rig, inner-limits not applicable (cgroup v1)"
python3 - "$SCRATCH/r.json" <<'PY' || fail "the Docker rig's report is not what its chain must show"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in r["checks"]}
assert r["host"]["inner_engine"] == "docker" and r["host"]["inner_version"], r["host"]
# Its own engine check and isolation check; never podman's, never uid-isolation's name for a weaker property.
assert "podman-info" not in c and "uid-isolation" not in c, sorted(c)
assert c["docker-info"]["status"] == "pass" and "rootless=true" in c["docker-info"]["output_tail"] and "driver=overlay2" in c["docker-info"]["output_tail"], c["docker-info"]
assert "runtime=rig-runc" in c["docker-info"]["output_tail"], c["docker-info"]  # the seeds' wrapper is in place
assert c["uid-rig-user"]["status"] == "pass" and "inner root -> rig uid 1000 -> host uid 1000" in c["uid-rig-user"]["output_tail"], c["uid-rig-user"]
assert "weaker" in c["uid-rig-user"]["title"], c["uid-rig-user"]["title"]
assert c["docker-api"]["status"] == "pass" and "DOCKER_HOST=unix:///run/user/1000/docker.sock" in c["docker-api"]["output_tail"], c["docker-api"]
assert "docker run -d -p" in c["inner-run"]["title"] and c["host-reach"]["status"] == "pass"
for k in ("restart-workspace", "restart-image", "restart-app", "init-reaps"): assert c[k]["status"] == "pass", c[k]
PY
pass "docker-info, inner run reached from the host, build, restart recovery, the Docker API socket, uid-rig-user (not uid-isolation)"
check_reports "$SCRATCH/r.json" "$SCRATCH/table.txt" "$SCRATCH/r.xml" 16
expect_eq "$(labelled)" "$before" "the run removed its container and volumes"

"$RIGCTL" ablate debian-trixie-docker --jobs 2 --json-file "$SCRATCH/a.json" > "$SCRATCH/a.txt" || { cat "$SCRATCH/a.txt"; fail "ablate of the Docker rig"; }
cat "$SCRATCH/a.txt"
python3 - "$SCRATCH/a.json" <<'PY' || fail "the Docker rig's ablation differs from its recipe's predictions"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"]["passed"] is True
v = {i["id"]: i for i in r["items"]}
def required(id, check, text):
    i = v[id]
    assert i["verdict"] == "required" and i["observed_check"] == check and text in i["observed_error"], (id, i)
# Each removed flag breaks rootless dockerd or its containers with the recipe's signature.
required("tun", "docker-info", "setting up tap tap0")
required("seccomp", "docker-info", "fork/exec /proc/self/exe: operation not permitted")
required("systempaths", "inner-run", "error mounting \"proc\"")
required("fcaps", "docker-info", "uid_map failed")
required("owned-mountpoints", "docker-info", "/home/builder/.local/share/docker")
required("init", "init-reaps", "not an init")
required("cap-setuid", "docker-info", "newuidmap: operation not permitted")
required("cap-setgid", "docker-info", "newgidmap: operation not permitted")
for id in ("apparmor", "fuse"):
    assert v[id]["verdict"] == "not applicable", v[id]
# The cgroups flag is dropped from the Docker rig: rootless dockerd without systemd uses no cgroups.
assert "cgroups" not in v, sorted(v)
# Findings on this host: overlay2 on the rig's own overlay rootfs works (kernel 6.18), and the stale
# pid file only stops dockerd when a new process happens to get its pid (then with the signature).
assert v["store-on-volume"]["verdict"] == "not needed on this host", v["store-on-volume"]
assert v["runtime-wipe"]["verdict"] in ("required", "not needed on this host"), v["runtime-wipe"]
# The seeds' runc sysctl wrapper is not needed under a Docker outer (the rig is not itself user-namespaced).
assert v["runc-sysctl-wrapper"]["verdict"] == "not needed on this host", v["runc-sysctl-wrapper"]
# The podman-only hardenings are not in this rig's profile at all.
assert "default-sysctls" not in v and "cgroup-delegation" not in v, sorted(v)
# Least privilege: SETUID and SETGID are the whole kept set; the other twelve (SYS_CHROOT too, which the
# podman rig keeps) are dropped by the profile and judged by the baseline.
caps = [i for i in r["items"] if i["level"] == "capability"]
assert len(caps) == 14, len(caps)
for i in caps:
    if i["id"] not in ("cap-setuid", "cap-setgid"):
        assert i["verdict"] == "not needed on this host", i
PY
pass "flags, hardenings and capabilities of the Docker rig fail as predicted; SETUID+SETGID are its minimal set"
expect_eq "$(labelled)" "$before" "the ablation removed its rigs and volumes"
