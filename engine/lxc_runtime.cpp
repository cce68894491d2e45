#include "engine/lxc_runtime.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/text.hpp"

namespace rig {

namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool is_lxc_engine(const std::string& v) { return v == "lxc" || v.starts_with("lxc:"); }

std::string lxc_path_of(const std::string& v) { return v.starts_with("lxc:") ? v.substr(4) : std::string(kLxcDefaultPath); }

Status check_lxc_path(const std::string& path) {
  bool plain = path.size() > 1 && path.size() <= 200 && path[0] == '/' &&
               std::all_of(path.begin(), path.end(),
                           [](unsigned char c) { return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-'; }) &&
               path.find("/../") == std::string::npos && !path.ends_with("/..") && path.find("//") == std::string::npos;
  if (!plain)
    return usage_error("expected lxc or lxc:/absolute/lxcpath (letters, digits, '/', '.', '_', '-'), got lxcpath " + show_value(path))
        .add_context("--engine");
  return ok();
}

Result<EngineConnection> connect_lxc(const std::string& flag_value) {
  std::string path = lxc_path_of(flag_value);
  RIG_CHECK(check_lxc_path(path));
  // rigctl makes its own default lxcpath; one the user names must already be a directory, so a typo
  // (`lxc:/var/lib/lcx`) or a file is refused before any work instead of becoming a new directory with
  // an image cache in it, or an exit 3 from deep inside the launch.
  if (path != kLxcDefaultPath) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return usage_error("lxcpath '" + path + "' does not exist",
                         "create it first, or use --engine lxc for rigctl's own lxcpath " + std::string(kLxcDefaultPath))
          .add_context("--engine");
    if (!S_ISDIR(st.st_mode)) return usage_error("lxcpath '" + path + "' is not a directory").add_context("--engine");
  }
  if (::geteuid() != 0)
    return unavailable("LXC rigs are started by root (the rig's idmap is root's subordinate range in /etc/subuid)",
                       "run rigctl as root for --engine lxc, or use --engine incus");
  if (!on_path("lxc-start") || !on_path("lxc-attach"))
    return unavailable("the LXC tools (lxc-start, lxc-attach) are not on PATH",
                       "install them with apt-get install lxc (or put their directory on PATH)");
  EngineConnection c;
  c.endpoint.display = "lxc:" + path;
  c.lxc_path = path;
  c.version.runtime = "lxc";
  struct utsname u {};
  if (::uname(&u) == 0) {
    c.version.kernel = u.release;
    c.version.arch = u.machine;
  }
  c.version.os = "linux";
  struct statfs sf {};
  c.version.cgroup_version = ::statfs("/sys/fs/cgroup", &sf) == 0 && static_cast<long>(sf.f_type) == kCgroup2Magic ? "2" : "1";
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  c.version.cpus = cpus > 0 ? static_cast<int>(cpus) : 1;
  return c;
}

}  // namespace rig
