#include "grid/image_checks.hpp"

#include <algorithm>

#include "core/arch.hpp"
#include "core/interrupt.hpp"
#include "smoke/launch_spec.hpp"

namespace rig {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Removes the probe container however the checks end.
struct ProbeContainer {
  Engine& engine;
  std::string id;
  ~ProbeContainer() {
    if (!id.empty()) (void)engine.remove_container(id);
  }
};

}  // namespace

std::vector<ImageCheck> image_checks_for(const Recipe& r, const std::string& arch) {
  std::vector<ImageCheck> out;
  // The architecture the binaries really run as (x86_64 natively, aarch64 under qemu-user).
  out.push_back({"arch", "binaries run as " + arch, "uname -m", uname_machine(arch)});
  for (auto& fc : r.file_capabilities)
    out.push_back({"fcaps:" + fc.path, fc.path + " carries " + fc.text + " (not setuid)",
                   "getcap " + fc.path + "; test -u " + fc.path + " && echo setuid", fc.path + " " + fc.text});
  if (r.user) {
    const auto& u = *r.user;
    out.push_back({"user", "user " + u.name + " is uid " + std::to_string(u.uid) + ", gid " + std::to_string(u.gid),
                   "echo $(id -u " + u.name + "):$(id -g " + u.name + ")", std::to_string(u.uid) + ":" + std::to_string(u.gid)});
    for (auto [file, range] : {std::pair{"subuid", u.subuid}, std::pair{"subgid", u.subgid}}) {
      if (!range.count) continue;
      std::string spec = std::to_string(range.start) + ":" + std::to_string(range.count);
      out.push_back({file, std::string("/etc/") + file + " gives " + u.name + " " + spec,
                     "grep '^" + u.name + ":' /etc/" + file, u.name + ":" + spec});
    }
  }
  if (std::find(r.packages.begin(), r.packages.end(), "podman") != r.packages.end())
    out.push_back({"podman", "podman --version runs", "podman --version >/dev/null && echo ok", "ok"});
  return out;
}

Result<std::vector<ImageCheckResult>> run_image_checks(Engine& engine, const std::string& image_ref,
                                                       const std::vector<ImageCheck>& checks, const std::string& run_id) {
  // sleep as PID 1, checks as execs: one container start (the slow part under emulation) for all.
  json body = {{"Image", image_ref},
               {"Entrypoint", {"sleep"}},
               {"Cmd", {"600"}},
               {"User", "0"},
               {"Labels", {{kLabelManaged, "true"}, {kLabelRig, "rigctl-imagecheck-" + run_id}, {kLabelRun, run_id}}},
               {"HostConfig", {{"NetworkMode", "none"}, {"Init", true}}}};
  RIG_TRY(auto id, engine.create_container("rigctl-imagecheck-" + run_id, body));
  ProbeContainer probe{engine, id};
  RIG_CHECK(engine.start_container(id));
  std::vector<ImageCheckResult> out;
  for (auto& c : checks) {
    if (interrupted()) return interrupted_error();
    RIG_TRY(auto r, engine.exec(id, ExecRequest{{"sh", "-c", c.script}, "", {}, 60000}));
    std::string got = trim(r.out);
    out.push_back({c.id, c.title, got == c.expect, got});
  }
  return out;
}

}  // namespace rig
