#include "matrix/applicability.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace rig {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

const EngineFacts* cell_engine(const Cell& c, const HostInfo& h) {
  const auto& host = c["host"];
  const auto& pool = host == "remote" ? h.remote : h.engines;
  auto it = pool.find(host == "remote" ? "remote" : c["engine"]);
  return it == pool.end() ? nullptr : &it->second;
}

std::string cell_not_applicable(const Cell& c, const HostInfo& h, const Recipe& r) {
  const auto& host = c["host"];
  if (host.rfind("vm:", 0) == 0 && !h.vm_error.empty()) return h.vm_error;
  if (host == "remote" && h.docker_host.empty()) return "host 'remote' is the engine at DOCKER_HOST, which is not set";
  const EngineFacts* e = cell_engine(c, h);
  if (!e) return "no endpoint for engine '" + c["engine"] + "' on this host (matrix \"engines\" or --engine-endpoint)";
  if (!e->available) return "engine " + c["engine"] + " unavailable: " + e->reason;
  if (e->kind != c["engine"]) return "the engine at " + e->endpoint + " is " + e->kind + ", not " + c["engine"];
  if (!r.architectures.empty() && !contains(r.architectures, c["arch"]))
    return "recipe " + r.name + " is not built for " + c["arch"] + " (architectures: " + join(r.architectures, ", ") + ")";
  return "";
}

std::string stage_not_applicable(const Cell& c, const std::string& stage, const HostInfo& h, const Recipe& r) {
  const EngineFacts* e = cell_engine(c, h);
  const std::string& arch = c["arch"];
  bool native = e && e->arch == arch;
  if (stage == "image") {
    // The image checks run the image in a Docker-API engine; the same image is checked on the docker cells.
    if (c["engine"] == "incus" || c["engine"] == "lxc") return "the image checks run in a Docker-API engine; the docker cells check the same image";
    // Foreign images run under qemu-user through binfmt_misc on the engine's host (only checkable
    // when that host is this machine).
    if (native) return "";
    if (c["host"] != "local") return "";
    auto b = h.binfmt.find(arch);
    if (b == h.binfmt.end()) return "no qemu-user emulation of " + arch + " on this " + h.arch + " host";
    return b->second;
  }
  if (!native)
    return "the nested chain cannot run under user-mode emulation of " + arch +
           " (rootless podman fails with 'cannot clone: Invalid argument'); it needs a native " + arch +
           " host: the nightly " + arch + " runner or a VM host";
  if (!r.launch) return "recipe " + r.name + " has no launch profile";
  if (stage == "bench" && (c["engine"] == "incus" || c["engine"] == "lxc"))
    return "the benchmarks compare against docker-CLI baselines through a Docker-API engine";
  const std::string& net = c["network"];
  if (net != "default" && !r.launch->inner_networks.empty() && !contains(r.launch->inner_networks, net))
    return "recipe " + r.name + " supports inner networks " + join(r.launch->inner_networks, ", ") + ", not " + net;
  if (!r.launch->find_storage(c["storage"])) {
    std::vector<std::string> ids;
    for (auto& s : r.launch->inner_storage) ids.push_back(s.id);
    return "recipe " + r.name + " supports inner storage " + join(ids, ", ") + ", not " + c["storage"];
  }
  if (stage == "confine" && !e->apparmor)
    return "the engine's host has no AppArmor enabled: there is no profile to confine the rig with";
  if (c["storage"] == "fuse-overlayfs" && c["host"] == "local" && !h.fuse_device)
    return "inner storage fuse-overlayfs needs /dev/fuse, which this host does not have";
  return "";
}

}  // namespace rig
