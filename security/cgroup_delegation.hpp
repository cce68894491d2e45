// Inner limits need a delegated cgroup. Rootless podman in the rig (crun, cgroupfs manager) puts each
// inner container under /libpod_parent of the cgroup tree it sees; the rig's cgroup namespace root is
// owned by root, so without help podman cannot create that directory and, rootless, silently runs the
// container without its --memory/--pids-limit (measured on Docker 29, cgroup v2: a 64 MiB allocation
// under --memory 32m succeeded). The writable-cgroups flag mounts the rig's own cgroup read-write; this
// script, run by root in the rig (uid 0, gid 1000, no capability: root owns the files) after every
// start, hands the subtree to the rig user the way cgroup v2 delegation is meant to be done:
//   - every rig process moves into the leaf libpod_parent/rig (a cgroup with children holds none),
//   - cpu, memory and pids are enabled for the children of the root and of libpod_parent,
//   - libpod_parent and libpod_parent/rig, with the files kernel delegation names (cgroup.procs,
//     cgroup.threads, cgroup.subtree_control), become group-1000 writable: podman can create
//     libpod_parent/<container> and move processes between its children. The limit files of
//     libpod_parent itself stay root's, so the rig user cannot raise what the rig as a whole gets,
//     and no child can exceed the rig's own limits.
// Engines join `exec`'d processes to the init's cgroup (libpod_parent/rig), inside the subtree.
#pragma once

#include <string>

namespace rig {

inline constexpr const char* kDelegatedCgroup = "/sys/fs/cgroup/libpod_parent";

// POSIX sh, run as "0:1000" in the rig. Exits 0 and prints "delegated ..." when the subtree is ready;
// otherwise non-zero with what failed (a read-only mount: "Read-only file system").
const std::string& cgroup_delegation_script();

}  // namespace rig
