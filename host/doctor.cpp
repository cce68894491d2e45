#include "host/doctor.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/arch.hpp"
#include "core/fs.hpp"
#include "host/machine.hpp"

namespace rig {

namespace fs = std::filesystem;

const char* check_status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::Ok: return "ok";
    case CheckStatus::Warn: return "warn";
    case CheckStatus::Fail: return "fail";
  }
  return "?";
}

namespace {

fs::path at(const DoctorHost& h, const std::string& abs) {
  if (h.root.empty()) return abs;
  return h.root / fs::path(abs).relative_path();
}

bool exists(const DoctorHost& h, const std::string& abs) {
  std::error_code ec;
  return fs::exists(at(h, abs), ec);
}

// The file's text with trailing whitespace removed; empty optional when it cannot be read.
std::optional<std::string> read(const DoctorHost& h, const std::string& abs) {
  std::ifstream in(at(h, abs), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

DoctorItem item(std::string name, CheckStatus s, std::string detail, std::string fix = {}) {
  return {std::move(name), s, std::move(detail), std::move(fix)};
}

DoctorItem check_engine(const DoctorHost& h) {
  if (!h.engine) return item("engine", CheckStatus::Fail, "no engine probe", "");
  auto v = h.engine();
  if (!v.ok()) {
    std::string fix =
        v.error().hint().empty()
            ? "start dockerd (bash ci/host-setup.sh does) or point --engine/DOCKER_HOST at a running engine"
            : v.error().hint();
    return item("engine", CheckStatus::Fail, "unreachable: " + v.error().what(), fix);
  }
  std::string d = v->kind() + " " + v->version + ", API " + v->api_version;
  if (!v->arch.empty()) d += ", " + v->os + "/" + v->arch;
  return item("engine", CheckStatus::Ok, d);
}

DoctorItem check_kernel(const DoctorHost& h) {
  auto rel = read(h, "/proc/sys/kernel/osrelease");
  if (!rel) return item("kernel", CheckStatus::Warn, "cannot read /proc/sys/kernel/osrelease", "");
  int major = 0, minor = 0;
  if (std::sscanf(rel->c_str(), "%d.%d", &major, &minor) != 2)
    return item("kernel", CheckStatus::Warn, "unrecognised release '" + *rel + "'", "");
  int v = major * 1000 + minor;
  // Unprivileged FUSE mounts in a user namespace arrived in 4.18: below that rootless podman has
  // no storage driver but vfs. Native rootless overlay (no fuse-overlayfs) needs 5.13.
  if (v < 4018)
    return item("kernel", CheckStatus::Fail,
                *rel + ": too old for rootless overlay storage (needs >= 4.18 with fuse-overlayfs)",
                "run on a kernel >= 5.13");
  if (v < 5013)
    return item(
        "kernel", CheckStatus::Warn,
        *rel + ": native rootless overlay needs >= 5.13; podman falls back to fuse-overlayfs (slower, needs /dev/fuse)",
        "run on a kernel >= 5.13, or keep /dev/fuse available to the outer container");
  return item("kernel", CheckStatus::Ok, *rel + " (native rootless overlay: >= 5.13)");
}

DoctorItem check_userns_clone(const DoctorHost& h) {
  const char* name = "kernel.unprivileged_userns_clone";
  auto v = read(h, "/proc/sys/kernel/unprivileged_userns_clone");
  // A Debian/Ubuntu patch; upstream kernels have no such switch and always allow it.
  if (!v)
    return item(name, CheckStatus::Ok, "absent (kernel without the switch: unprivileged user namespaces allowed)");
  if (*v == "0")
    return item(name, CheckStatus::Fail,
                "0: unprivileged users cannot create user namespaces (rootless podman needs them)",
                "sysctl -w kernel.unprivileged_userns_clone=1");
  return item(name, CheckStatus::Ok, *v);
}

DoctorItem check_max_userns(const DoctorHost& h) {
  const char* name = "user.max_user_namespaces";
  auto v = read(h, "/proc/sys/user/max_user_namespaces");
  if (!v)
    return item(name, CheckStatus::Fail, "absent: the kernel has no user namespaces",
                "use a kernel built with CONFIG_USER_NS=y");
  if (*v == "0")
    return item(name, CheckStatus::Fail, "0: user namespaces are disabled", "sysctl -w user.max_user_namespaces=15000");
  return item(name, CheckStatus::Ok, *v);
}

std::set<std::string> apparmor_profiles(const DoctorHost& h) {
  std::set<std::string> out;
  if (auto p = read(h, "/sys/kernel/security/apparmor/profiles"))
    for (auto& l : lines(*p)) {
      auto sp = l.find(" (");
      out.insert(sp == std::string::npos ? l : l.substr(0, sp));
    }
  return out;
}

DoctorItem check_restrict_userns(const DoctorHost& h) {
  const char* name = "kernel.apparmor_restrict_unprivileged_userns";
  auto v = read(h, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  if (!v) return item(name, CheckStatus::Ok, "absent (no AppArmor user-namespace restriction in this kernel)");
  if (*v == "0") return item(name, CheckStatus::Ok, "0");
  // Ubuntu's hardened default. The nested podman can create its user namespace only through the
  // path-attached profiles Ubuntu ships (podman, crun, ... with `userns,`): with just docker-default
  // loaded every inner run fails with "cannot clone: Permission denied".
  auto loaded = apparmor_profiles(h);
  std::vector<std::string> missing;
  for (const char* p : {"podman", "crun"})
    if (!loaded.count(p)) missing.push_back(p);
  if (missing.empty()) return item(name, CheckStatus::Ok, *v + ", with the podman and crun profiles loaded");
  std::string m;
  for (auto& x : missing) m += (m.empty() ? "" : ", ") + x;
  return item(name, CheckStatus::Warn,
              *v + " and no AppArmor profile loaded for " + m + ": the nested podman cannot create its user namespace",
              "apparmor_parser -r /etc/apparmor.d/podman /etc/apparmor.d/crun (Ubuntu ships them), or "
              "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
}

DoctorItem check_apparmor(const DoctorHost& h) {
  bool on = exists(h, "/sys/kernel/security/apparmor");
  if (auto e = read(h, "/sys/module/apparmor/parameters/enabled")) on = on || *e == "Y";
  if (!on)
    return item("apparmor", CheckStatus::Warn, "not enabled in this kernel: AppArmor flags not applicable here",
                "none needed: launch flags naming AppArmor (apparmor=unconfined, the tailored profile) have no effect "
                "on this host");
  auto loaded = apparmor_profiles(h);
  std::string d = "enabled, " + std::to_string(loaded.size()) + " profiles loaded";
  if (loaded.count("docker-default")) d += " (docker-default among them)";
  return item("apparmor", CheckStatus::Ok, d);
}

DoctorItem check_selinux(const DoctorHost& h) {
  if (!exists(h, "/sys/fs/selinux")) return item("selinux", CheckStatus::Ok, "absent");
  auto e = read(h, "/sys/fs/selinux/enforce");
  return item("selinux", CheckStatus::Ok, std::string("present, ") + (e && *e == "1" ? "enforcing" : "permissive"));
}

DoctorItem check_cgroup(const DoctorHost& h) {
  if (exists(h, "/sys/fs/cgroup/cgroup.controllers")) return item("cgroup", CheckStatus::Ok, "v2 (unified)");
  const std::string fix =
      "none needed for rigctl's outer containers (rootless podman inside uses cgroupfs); for host-level podman "
      "boot with systemd.unified_cgroup_hierarchy=1";
  if (exists(h, "/sys/fs/cgroup/unified"))
    return item("cgroup", CheckStatus::Warn,
                "v1 with a hybrid v2 mount (/sys/fs/cgroup/unified): host-level crun refuses hybrid mode", fix);
  if (exists(h, "/sys/fs/cgroup"))
    return item("cgroup", CheckStatus::Warn, "v1 (legacy): inner containers get no resource limits", fix);
  return item("cgroup", CheckStatus::Warn, "no cgroup filesystem at /sys/fs/cgroup",
              "mount the cgroup filesystem (systemd does at boot)");
}

DoctorItem check_device(const DoctorHost& h, const std::string& dev, const std::string& module,
                        const std::string& why) {
  struct stat st {};
  if (::stat(at(h, dev).c_str(), &st) != 0)
    return item(dev, CheckStatus::Fail, "missing (" + why + ")", "modprobe " + module);
  unsigned mode = st.st_mode & 07777;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  if (mode != 0666)
    return item(dev, CheckStatus::Fail, std::string("mode ") + buf + ", standard is 0666 (" + why + ")",
                "chmod 0666 " + dev + " (ci/host-setup.sh does this; a udev rule makes it permanent)");
  return item(dev, CheckStatus::Ok, "present, mode 0666");
}

DoctorItem check_filesystem(const DoctorHost& h, const std::string& fs_name, const std::string& why) {
  std::string name = "filesystem " + fs_name;
  auto f = read(h, "/proc/filesystems");
  if (!f) return item(name, CheckStatus::Warn, "cannot read /proc/filesystems", "");
  for (auto& l : lines(*f)) {
    auto tab = l.rfind('\t');
    if ((tab == std::string::npos ? l : l.substr(tab + 1)) == fs_name) return item(name, CheckStatus::Ok, "registered");
  }
  // A module not yet loaded is not listed; the first mount may still load it.
  return item(name, CheckStatus::Warn, "not in /proc/filesystems (" + why + ")", "modprobe " + fs_name);
}

DoctorItem check_binfmt(const DoctorHost& h, const std::string& arch) {
  auto handler = read_binfmt(arch, at(h, "/proc/sys/fs/binfmt_misc"));
  std::string name = "binfmt " + arch;
  if (auto problem = binfmt_problem(arch, handler); !problem.empty())
    return item(name, CheckStatus::Warn, problem, binfmt_fix(arch, handler));
  return item(name, CheckStatus::Ok, "qemu-" + qemu_arch(arch) + " enabled (flags " + handler.flags + ")");
}

DoctorItem check_subids(const DoctorHost& h, const std::string& file) {
  std::string name = file.substr(5);  // "subuid"
  if (h.uid == 0) return item(name, CheckStatus::Ok, "not needed: root builds use mmdebstrap --mode=root");
  uint64_t total = 0;
  std::string ranges;
  if (auto text = read(h, file))
    for (auto& l : lines(*text)) {
      auto a = l.find(':'), b = l.find(':', a == std::string::npos ? a : a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      auto owner = l.substr(0, a);
      if (owner != h.user && owner != std::to_string(h.uid)) continue;
      uint64_t count = std::strtoull(l.c_str() + b + 1, nullptr, 10);
      total += count;
      ranges += (ranges.empty() ? "" : " ") + l.substr(a + 1, b - a - 1) + "+" + std::to_string(count);
    }
  std::string who = h.user.empty() ? std::to_string(h.uid) : h.user;
  std::string flag = name == "subuid" ? "--add-subuids" : "--add-subgids";
  if (total == 0)
    return item(name, CheckStatus::Fail, "no " + file + " entry for " + who + ": mmdebstrap --mode=unshare needs one",
                "usermod " + flag + " 100000-165535 " + who);
  // mmdebstrap maps a whole 16-bit id space into its namespace.
  if (total < 65536)
    return item(name, CheckStatus::Warn, who + ": " + ranges + " (fewer than 65536 ids)",
                "usermod " + flag + " 100000-165535 " + who);
  return item(name, CheckStatus::Ok, who + ": " + ranges);
}

DoctorItem check_tool(const DoctorHost& h, const std::string& tool, CheckStatus missing, const std::string& package,
                      const std::string& why) {
  auto p = h.which ? h.which(tool) : std::nullopt;
  if (!p) return item(tool, missing, "not on PATH (" + why + ")", "apt-get install " + package);
  return item(tool, CheckStatus::Ok, p->string());
}

// Optional: only `--engine incus` needs it, so never a failure.
DoctorItem check_incus(const DoctorHost& h) {
  auto p = h.which ? h.which("incus") : std::nullopt;
  if (!p)
    return item("incus", CheckStatus::Warn, "not installed (only --engine incus needs it)",
                "bash ci/host-setup.sh installs and starts it (Debian 12: from bookworm-backports)");
  if (!h.incus) return item("incus", CheckStatus::Warn, "installed; the daemon was not asked");
  auto v = h.incus();
  if (!v.ok())
    return item("incus", CheckStatus::Warn, "installed, but the daemon does not answer: " + v.error().what(),
                "start incusd (bash ci/host-setup.sh does), with a storage pool named rigctl");
  return item("incus", CheckStatus::Ok, "incus " + v->version + " answers on its socket");
}

// Unprivileged Incus and LXC containers map their ids from root's subordinate range; rigctl's images
// need 165536 of them (the rig user's own range starts at 100000).
DoctorItem check_root_subids(const DoctorHost& h, const std::string& file) {
  std::string name = "root " + file.substr(5);
  uint64_t total = 0;
  if (auto text = read(h, file))
    for (auto& l : lines(*text)) {
      auto a = l.find(':'), b = l.find(':', a == std::string::npos ? a : a + 1);
      if (a == std::string::npos || b == std::string::npos || (l.substr(0, a) != "root" && l.substr(0, a) != "0")) continue;
      total += std::strtoull(l.c_str() + b + 1, nullptr, 10);
    }
  std::string flag = name == "root subuid" ? "--add-subuids" : "--add-subgids";
  if (total < 165536)
    return item(name, CheckStatus::Warn,
                std::to_string(total) + " ids for root in " + file + " (Incus and LXC rigs need 165536)",
                "usermod " + flag + " 1000000-1999999999 root");
  return item(name, CheckStatus::Ok, std::to_string(total) + " ids for root (Incus and LXC rigs)");
}

DoctorItem check_disk(const DoctorHost& h) {
  // The cache may not exist yet: measure the filesystem it will be created on.
  fs::path p = h.cache_dir;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
  auto free = h.free_bytes ? h.free_bytes(p) : std::nullopt;
  if (!free) return item("disk", CheckStatus::Warn, "cannot measure free space at " + p.string(), "");
  char gb[32];
  std::snprintf(gb, sizeof gb, "%.1f GB", static_cast<double>(*free) / 1e9);
  std::string d = std::string(gb) + " free under " + h.cache_dir.string();
  if (*free < kMinFreeBytes)
    return item("disk", CheckStatus::Warn, d + " (a build needs about 5 GB)",
                "free space there, remove old entries under " + (h.cache_dir / "images").string() +
                    ", or set XDG_CACHE_HOME to a larger disk");
  return item("disk", CheckStatus::Ok, d);
}

}  // namespace

DoctorHost real_doctor_host(std::function<Result<EngineVersion>()> engine, fs::path root) {
  DoctorHost h;
  h.root = std::move(root);
  h.engine = std::move(engine);
  h.uid = ::geteuid();
  if (const passwd* pw = ::getpwuid(h.uid)) h.user = pw->pw_name;
  utsname u{};
  if (::uname(&u) == 0) h.host_arch = debian_arch_of(u.machine);
  h.which = which_on_path;
  h.cache_dir = cache_root();
  h.free_bytes = [](const fs::path& p) -> std::optional<uint64_t> {
    struct statvfs st {};
    if (::statvfs(p.c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  };
  return h;
}

std::vector<DoctorItem> run_doctor(const DoctorHost& h) {
  std::vector<DoctorItem> out;
  out.push_back(check_engine(h));
  out.push_back(check_kernel(h));
  out.push_back(check_userns_clone(h));
  out.push_back(check_max_userns(h));
  out.push_back(check_restrict_userns(h));
  out.push_back(check_apparmor(h));
  out.push_back(check_selinux(h));
  out.push_back(check_cgroup(h));
  out.push_back(check_device(h, "/dev/net/tun", "tun", "pasta/slirp4netns open it for rootless inner networking"));
  out.push_back(check_device(h, "/dev/fuse", "fuse", "fuse-overlayfs, podman's storage fallback, opens it"));
  out.push_back(check_filesystem(h, "overlay", "native rootless overlay storage and Docker's overlay2"));
  out.push_back(check_filesystem(h, "fuse", "fuse-overlayfs fallback"));
  for (auto& a : foreign_arches(h.host_arch)) out.push_back(check_binfmt(h, a));
  out.push_back(check_subids(h, "/etc/subuid"));
  out.push_back(check_subids(h, "/etc/subgid"));
  out.push_back(check_tool(h, "mmdebstrap", CheckStatus::Fail, "mmdebstrap", "rigctl build bootstraps with it"));
  for (auto& a : foreign_arches(h.host_arch))
    out.push_back(
        check_tool(h, "qemu-" + qemu_arch(a) + "-static", CheckStatus::Warn, "qemu-user-static", a + " builds"));
  // Unprivileged builds map their subordinate ids through these setuid helpers.
  if (h.uid != 0)
    for (const char* t : {"newuidmap", "newgidmap"})
      out.push_back(check_tool(h, t, CheckStatus::Fail, "uidmap", "mmdebstrap --mode=unshare as a non-root user"));
  // The other outer runtimes (optional: warnings only).
  out.push_back(check_incus(h));
  out.push_back(check_tool(h, "lxc-start", CheckStatus::Warn, "lxc", "only --engine lxc needs it"));
  out.push_back(check_root_subids(h, "/etc/subuid"));
  out.push_back(check_root_subids(h, "/etc/subgid"));
  out.push_back(check_disk(h));
  return out;
}

std::string doctor_table(const std::vector<DoctorItem>& items) {
  size_t wi = 4, wd = 6;
  for (auto& i : items) {
    wi = std::max(wi, i.item.size());
    wd = std::max(wd, i.detail.size());
  }
  auto row = [&](const std::string& s, const std::string& it, const std::string& d, const std::string& f) {
    std::string l = s + std::string(7 - std::min<size_t>(s.size(), 6), ' ') + it + std::string(wi - it.size() + 2, ' ');
    if (f.empty()) return l + d + "\n";
    return l + d + std::string(wd - d.size() + 2, ' ') + f + "\n";
  };
  std::string out = row("STATUS", "ITEM", "DETAIL", "FIX");
  size_t counts[3] = {0, 0, 0};
  for (auto& i : items) {
    out += row(check_status_name(i.status), i.item, i.detail, i.fix);
    ++counts[static_cast<int>(i.status)];
  }
  out += std::to_string(counts[0]) + " ok, " + std::to_string(counts[1]) + " warn, " + std::to_string(counts[2]) +
         " fail\n";
  return out;
}

json doctor_json(const std::vector<DoctorItem>& items) {
  json arr = json::array();
  size_t counts[3] = {0, 0, 0};
  for (auto& i : items) {
    arr.push_back({{"item", i.item}, {"status", check_status_name(i.status)}, {"detail", i.detail}, {"fix", i.fix}});
    ++counts[static_cast<int>(i.status)];
  }
  return {{"ok", counts[2] == 0},
          {"counts", {{"ok", counts[0]}, {"warn", counts[1]}, {"fail", counts[2]}}},
          {"items", arr}};
}

}  // namespace rig
