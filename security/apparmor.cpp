#include "security/apparmor.hpp"

#include <algorithm>
#include <cctype>

namespace rig {

Status check_apparmor_name(const std::string& name) {
  // Profile names may hold more (paths, quoted names), but the name also becomes the signal/ptrace
  // peer and a --security-opt value: keep it to characters that need no quoting anywhere.
  bool fine = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
  if (!fine) return usage_error("AppArmor profile name '" + name + "': use letters, digits, '-', '_' and '.' only");
  return ok();
}

std::string render_tailored_apparmor(const AppArmorOptions& o) {
  const std::string& n = o.name;
  std::string t;
  t += "# " + n + ": Docker's docker-default AppArmor profile for rootless podman inside an unprivileged\n";
  t += "# container. Two changes: docker-default's `deny mount,` is replaced by `mount,` and `pivot_root,`\n";
  t += "# (the nested podman mounts its overlay storage and pivots into inner containers), and `userns,`\n";
  t += "# lets rootless podman create its user namespace where AppArmor mediates that. The /proc and /sys\n";
  t += "# write denials, /proc/sysrq-trigger and /proc/kcore stay denied. Needs apparmor_parser 4.0 or later.\n";
  t += "# Written by `rigctl seccomp apparmor`. Load: apparmor_parser -r <file>; use: --security-opt\n";
  t += "# apparmor=" + n + "\n";
  t += "\n";
  t += "#include <tunables/global>\n";
  t += "\n";
  t += "profile " + n + " flags=(attach_disconnected,mediate_deleted) {\n";
  t += "  #include <abstractions/base>\n";
  t += "\n";
  t += "  network,\n";
  t += "  capability,\n";
  t += "  file,\n";
  t += "  umount,\n";
  // AppArmor 4 mediates user namespace creation, and Debian trixie compiles profiles with that feature:
  // without this rule podman's first clone(CLONE_NEWUSER) fails with "cannot clone: Permission denied"
  // (measured on the arm64 VM host; Ubuntu noble's pinned feature set does not mediate it).
  t += "  userns,\n";
  t += "  # Host (privileged) processes may send signals to container processes.\n";
  t += "  signal (receive) peer=unconfined,\n";
  // Ubuntu 23.10+ confines runc and crun with profiles of their own: without these, `docker stop` and
  // `docker restart` cannot kill the rig (measured on the noble VM host: "did not receive an exit
  // event"). docker-default has the same lines since Docker 25.
  t += "  # runc may send signals to container processes (for \"docker stop\").\n";
  t += "  signal (receive) peer=runc,\n";
  t += "  # crun may send signals to container processes (for \"docker stop\" when used with crun OCI runtime).\n";
  t += "  signal (receive) peer=crun,\n";
  // docker-default repeats the rule for dockerd's own profile; with an unconfined daemon (the usual
  // case) that would be the line above again.
  if (o.daemon_profile != "unconfined") {
    t += "  # dockerd may send signals to container processes (for \"docker kill\").\n";
    t += "  signal (receive) peer=" + o.daemon_profile + ",\n";
  }
  t += "  # Container processes may send signals amongst themselves.\n";
  t += "  signal (send,receive) peer=" + n + ",\n";
  t += "\n";
  t += "  deny @{PROC}/* w,   # deny write for all files directly in /proc (not in a subdir)\n";
  t += "  # deny write to files not in /proc/<number>/** or /proc/sys/**\n";
  t += "  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,\n";
  t += "  deny @{PROC}/sys/[^k]** w,  # deny /proc/sys except /proc/sys/k* (effectively /proc/sys/kernel)\n";
  t += "  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,  # deny everything except shm* in /proc/sys/kernel/\n";
  t += "  deny @{PROC}/sysrq-trigger rwklx,\n";
  t += "  deny @{PROC}/kcore rwklx,\n";
  t += "\n";
  t += "  # docker-default has `deny mount,` here.\n";
  t += "  mount,\n";
  t += "  pivot_root,\n";
  t += "\n";
  t += "  deny /sys/[^f]*/** wklx,\n";
  t += "  deny /sys/f[^s]*/** wklx,\n";
  t += "  deny /sys/fs/[^c]*/** wklx,\n";
  t += "  deny /sys/fs/c[^g]*/** wklx,\n";
  t += "  deny /sys/fs/cg[^r]*/** wklx,\n";
  t += "  deny /sys/firmware/** rwklx,\n";
  t += "  deny /sys/kernel/security/** rwklx,\n";
  t += "\n";
  t += "  # suppress ptrace denials when using 'docker ps' or using 'ps' inside a container\n";
  t += "  ptrace (trace,read,tracedby,readby) peer=" + n + ",\n";
  t += "}\n";
  return t;
}

}  // namespace rig
