#include "matrix/image_checks.hpp"

#include <algorithm>

#include "core/arch.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "smoke/launch_spec.hpp"

namespace rig {

namespace {

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
  // Recipe values go into the scripts quoted: a path or name is one shell word whatever it holds.
  for (auto& fc : r.file_capabilities) {
    std::string path = shell_quote(fc.path);
    out.push_back({"fcaps:" + fc.path, fc.path + " carries " + fc.text + " (not setuid)",
                   "getcap " + path + "; test -u " + path + " && echo setuid", fc.path + " " + fc.text});
  }
  if (r.user) {
    const auto& u = *r.user;
    std::string name = shell_quote(u.name);
    out.push_back({"user", "user " + u.name + " is uid " + std::to_string(u.uid) + ", gid " + std::to_string(u.gid),
                   "echo $(id -u " + name + "):$(id -g " + name + ")", std::to_string(u.uid) + ":" + std::to_string(u.gid)});
    for (auto [file, range] : {std::pair{"subuid", u.subuid}, std::pair{"subgid", u.subgid}}) {
      if (!range.count) continue;
      std::string spec = std::to_string(range.start) + ":" + std::to_string(range.count);
      out.push_back({file, std::string("/etc/") + file + " gives " + u.name + " " + spec,
                     // The recipe allows only POSIX user names, so the name has no regex syntax.
                     "grep -e " + shell_quote("^" + u.name + ":") + " /etc/" + file, u.name + ":" + spec});
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
    // Stored and reported: cut at a character boundary, invalid bytes replaced.
    std::string got = valid_utf8(tail(trim(r.out)));
    bool passed = got == c.expect && !r.truncated;
    if (r.truncated) got += "\n[output truncated: " + r.truncated_why + "]";
    out.push_back({c.id, c.title, passed, got});
  }
  return out;
}

}  // namespace rig
