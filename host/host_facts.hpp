// What a matrix run knows about the host it runs on: recorded in every result (so merged reports
// from several runners say where each number came from) and used to decide which cells apply.
#pragma once

#include <map>
#include <string>

#include "core/json_reader.hpp"
#include "engine/engine.hpp"

namespace rig {

struct EngineFacts {
  std::string endpoint;   // as given ("" = the local default)
  bool available = false;
  std::string reason;     // why not available
  std::string kind;       // docker | podman (what the engine says it is)
  std::string version;
  std::string api_version;
  std::string arch;       // Debian name of the engine host's architecture
  bool apparmor = false;
};

struct HostInfo {
  std::string label;    // --host-label: names this host in merged reports
  std::string kernel;
  std::string arch;     // Debian name
  int cpus = 0;
  bool apparmor = false;
  bool fuse_device = false;        // /dev/fuse exists (fuse-overlayfs cells pass it into the rig)
  std::string userns_restricted;  // kernel.apparmor_restrict_unprivileged_userns: "0", "1" or "absent"
  std::map<std::string, std::string> binfmt;  // foreign arch -> "" when a qemu-user handler is enabled, else why not
  std::map<std::string, EngineFacts> engines;  // engine name -> facts (for the "local" host)
  std::string vm_error;                      // a VM host that could not be had: why (its cells are not applicable)
  // A VM host's own costs, in seconds: {"accel", "build", "boot", "engine_ready"} (vmhost.hpp VmTimings);
  // empty for real hosts.
  json vm = json::object();
  std::string docker_host;                   // DOCKER_HOST, for the "remote" host
  std::map<std::string, EngineFacts> remote;   // "remote" -> facts, when DOCKER_HOST is set
};

// Probes the local machine (under `root`, so tests can use a fake tree) and connects to each engine.
HostInfo probe_host_info(EngineConnector& connector, const std::string& label,
                         const std::map<std::string, std::string>& engines,
                         const std::string& root = "");

// Connects to one engine and records what it says (or why it cannot be reached).
EngineFacts probe_engine_facts(EngineConnector& connector, const std::string& endpoint);

json host_json(const HostInfo& h);

}  // namespace rig
