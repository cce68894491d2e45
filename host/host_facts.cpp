#include "host/host_facts.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/arch.hpp"
#include "host/machine.hpp"
#include "engine/engine.hpp"

namespace rig {


EngineFacts probe_engine_facts(EngineConnector& connector, const std::string& endpoint) {
  EngineFacts f;
  f.endpoint = endpoint;
  auto c = connector.connect(endpoint);
  if (!c) {
    f.reason = c.error().what();
    return f;
  }
  f.available = true;
  f.kind = c->version.kind();
  f.version = c->version.version;
  f.api_version = c->version.api_version;
  f.arch = debian_arch_of(c->version.arch);
  f.apparmor = c->version.apparmor;
  f.endpoint = c->endpoint.display;
  return f;
}

namespace {

json engine_json(const EngineFacts& e) {
  return {{"endpoint", e.endpoint}, {"available", e.available}, {"reason", e.reason}, {"kind", e.kind},
          {"version", e.version},   {"api_version", e.api_version}, {"arch", e.arch}, {"apparmor", e.apparmor}};
}

}  // namespace

HostInfo probe_host_info(EngineConnector& connector, const std::string& label,
                         const std::map<std::string, std::string>& engines,
                         const std::string& root) {
  HostInfo h;
  h.label = label;
  auto m = probe_machine(root);
  h.kernel = m.kernel;
  h.arch = m.arch;
  h.cpus = m.cpus;
  h.apparmor = m.apparmor;
  h.fuse_device = m.fuse_device;
  h.userns_restricted = m.userns_restricted;
  for (auto& [arch, handler] : m.binfmt) h.binfmt[arch] = binfmt_problem(arch, handler);
  for (auto& [name, ep] : engines) h.engines[name] = probe_engine_facts(connector, ep);
  if (const char* dh = std::getenv("DOCKER_HOST"); dh && *dh) {
    h.docker_host = dh;
    h.remote["remote"] = probe_engine_facts(connector, dh);
  }
  return h;
}

json host_json(const HostInfo& h) {
  json engines = json::object(), remote = json::object();
  for (auto& [k, v] : h.engines) engines[k] = engine_json(v);
  for (auto& [k, v] : h.remote) remote[k] = engine_json(v);
  return {{"label", h.label}, {"kernel", h.kernel}, {"arch", h.arch}, {"cpus", h.cpus}, {"apparmor", h.apparmor},
          {"fuse_device", h.fuse_device}, {"userns_restricted", h.userns_restricted}, {"binfmt", h.binfmt}, {"engines", engines},
          {"docker_host", h.docker_host}, {"remote", remote}, {"vm", h.vm}};
}


}  // namespace rig
