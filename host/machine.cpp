#include "host/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/arch.hpp"

namespace rig {

namespace fs = std::filesystem;

namespace {

std::string first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string v;
  if (!in || !std::getline(in, v)) return "";
  return v;
}

}  // namespace

std::vector<std::string> foreign_arches(const std::string& machine_arch) {
  std::vector<std::string> out;
  for (const char* a : {"amd64", "arm64"})
    if (machine_arch != a) out.push_back(a);
  return out;
}

BinfmtHandler read_binfmt(const std::string& arch, const fs::path& dir) {
  BinfmtHandler h;
  std::error_code ec;
  // Both files exist whenever binfmt_misc is mounted; either will do.
  h.mounted = fs::exists(dir / "register", ec) || fs::exists(dir / "status", ec);
  if (!h.mounted) return h;
  if (fs::exists(dir / "status", ec)) h.subsystem_enabled = first_line(dir / "status") == "enabled";
  std::ifstream in(dir / ("qemu-" + qemu_arch(arch)));
  std::string line;
  if (!in || !std::getline(in, line)) return h;
  h.present = true;
  h.enabled = line == "enabled";
  while (std::getline(in, line))
    if (line.rfind("flags:", 0) == 0) {
      h.flags = line.substr(6);
      h.flags.erase(0, h.flags.find_first_not_of(' '));
    }
  return h;
}

std::string binfmt_problem(const std::string& arch, const BinfmtHandler& h) {
  std::string q = "qemu-" + qemu_arch(arch);
  if (!h.mounted) return "binfmt_misc is not mounted: " + arch + " binaries cannot run";
  if (!h.subsystem_enabled) return "binfmt_misc is disabled: " + arch + " binaries cannot run";
  if (!h.present) return "no " + q + " handler: " + arch + " binaries cannot run";
  if (!h.enabled) return q + " handler is disabled";
  if (h.flags.find('F') == std::string::npos)
    return q + " enabled without the F (fix-binary) flag: it fails inside chroots and containers";
  return "";
}

std::string binfmt_fix(const std::string& arch, const BinfmtHandler& h) {
  std::string q = "qemu-" + qemu_arch(arch);
  std::string install = "apt-get install qemu-user-static binfmt-support && update-binfmts --enable " + q;
  if (!h.mounted) return "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; " + install;
  if (!h.subsystem_enabled) return "echo 1 > /proc/sys/fs/binfmt_misc/status";
  if (!h.present) return install;
  if (!h.enabled) return "update-binfmts --enable " + q;
  if (h.flags.find('F') == std::string::npos) return "apt-get install qemu-user-static (registers its handlers with F)";
  return "";
}

MachineFacts probe_machine(const std::string& root) {
  MachineFacts m;
  utsname u{};
  if (::uname(&u) == 0) m.kernel = u.release;
  m.arch = host_arch();
  m.cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  m.apparmor = first_line(root + "/sys/module/apparmor/parameters/enabled").rfind('Y', 0) == 0;
  std::error_code ec;
  m.fuse_device = fs::exists(root + "/dev/fuse", ec);
  m.userns_restricted = first_line(root + "/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  if (m.userns_restricted.empty()) m.userns_restricted = "absent";
  for (auto& a : foreign_arches(m.arch)) m.binfmt[a] = read_binfmt(a, root + "/proc/sys/fs/binfmt_misc");
  return m;
}

std::optional<fs::path> which_on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string s = path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
  std::istringstream in(s);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / tool;
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

}  // namespace rig
