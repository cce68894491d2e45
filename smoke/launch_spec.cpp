#include "smoke/launch_spec.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <thread>

#include "security/apparmor.hpp"
#include "security/capability.hpp"
#include "core/text.hpp"

namespace rig {

std::string flag_not_applicable(const LaunchFlag& f, const HostFeatures& host, const std::string& inner_storage) {
  if (f.requires_host == "apparmor" && !host.apparmor) return "the host kernel has no AppArmor enabled";
  if (f.requires_host == "cgroup2") {
    // On cgroup v1 a writable cgroup mount would hand the rig the host's hierarchy (no cgroup namespace
    // confines v1 delegation), so rigctl never asks for it there.
    if (host.cgroup_version != "2")
      return host.cgroup_version.empty() ? "the engine does not report its host's cgroup version (cgroup v2 is needed)"
                                         : "the engine's host runs cgroup v" + host.cgroup_version + " (inner limits need cgroup v2 delegation)";
    if (!host.writable_cgroups) return "the engine cannot mount /sys/fs/cgroup read-write (Docker 28, API 1.48, added writable-cgroups)";
  }
  if (f.requires_host.rfind("inner-storage:", 0) == 0 && f.requires_host.substr(14) != inner_storage)
    return "only with inner storage " + f.requires_host.substr(14) + " (this rig uses " + inner_storage + ")";
  return "";
}

std::string cgroup_delegation_not_applicable(const Launch& l, const HostFeatures& host, const std::string& engine_kind) {
  for (auto& f : l.flags) {
    if (f.effect_kind != "cgroups") continue;
    if (std::find(f.engines.begin(), f.engines.end(), engine_kind) == f.engines.end())
      return engine_kind + " does not use the " + f.id + " flag it needs";
    return flag_not_applicable(f, host, "");
  }
  return "the launch profile has no cgroups flag to make the rig's cgroup writable";
}

namespace {

// Volume names are <rig name>-<volume>; an engine keeps each volume in a directory named after it,
// and a path component holds at most 255 bytes.
constexpr size_t kMaxRigName = 128;


}  // namespace

Status check_rig_name(const std::string& name) {
  static const std::regex name_re("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  if (name.size() > kMaxRigName || !std::regex_match(name, name_re))
    return usage_error(show_value(name) + " is not a name an engine accepts (expected 2 to " + std::to_string(kMaxRigName) +
                       " characters: a letter or digit, then letters, digits, '_', '.' or '-')");
  return ok();
}

Status check_launch_options(const Recipe& r, const LaunchOptionValues& o) {
  if (!r.launch) return usage_error("recipe '" + r.file.string() + "' has no \"launch\" profile");
  const Launch& l = *r.launch;
  if (!o.name.empty()) RIG_CHECK(check_rig_name(o.name).context("--name"));
  std::vector<std::string> flag_ids;
  for (auto& f : l.flags) flag_ids.push_back(f.id);
  for (auto& id : o.without)
    if (std::find(flag_ids.begin(), flag_ids.end(), id) == flag_ids.end())
      return usage_error(show_value(id) + " is not a flag of the launch profile of recipe '" + r.name + "' (expected one of " +
                         join(flag_ids, ", ") + ")")
          .add_context("--without");
  if (!l.find_storage(o.inner_storage)) {
    std::vector<std::string> ids;
    for (auto& st : l.inner_storage) ids.push_back(st.id);
    return usage_error(show_value(o.inner_storage) + " is not an inner storage of recipe '" + r.name + "' (expected one of " +
                       join(ids, ", ") + ")")
        .add_context("--inner-storage");
  }
  if (!o.inner_network.empty()) {
    // The recipe names the backends its image carries; without a list, the ones rigctl knows.
    std::vector<std::string> nets = l.inner_networks.empty() ? std::vector<std::string>{"pasta", "slirp4netns"} : l.inner_networks;
    if (std::find(nets.begin(), nets.end(), o.inner_network) == nets.end())
      return usage_error(show_value(o.inner_network) + " is not an inner network of recipe '" + r.name + "' (expected one of " +
                         join(nets, ", ") + ")")
          .add_context("--inner-network");
  }
  if (!o.apparmor.empty() && o.apparmor != "unconfined" && o.apparmor != "tailored")
    return usage_error("expected unconfined or tailored, got " + show_value(o.apparmor)).add_context("--apparmor");
  // Asking for confinement and silently not getting it would be worse than not running.
  if (o.apparmor == "tailored" && o.without.count("apparmor"))
    return usage_error("--apparmor tailored and --without apparmor contradict each other");
  if (o.port_base) {
    // Every port range of the profile is published from the base upwards.
    uint64_t span = 1;
    for (auto& p : l.ports) span = std::max<uint64_t>(span, p.count);
    uint64_t last = 65536 - span;
    if (*o.port_base < 1 || *o.port_base > last)
      return usage_error(std::to_string(*o.port_base) + " is not a usable first port: recipe '" + r.name + "' publishes " +
                         std::to_string(span) + " port(s) from it, so it must be 1 to " + std::to_string(last))
          .add_context("--port-base");
  }
  return ok();
}

Result<LaunchSpec> make_launch_spec(const Recipe& r, const LaunchSettings& s) {
  if (!r.launch) return usage_error("recipe '" + r.file.string() + "' has no \"launch\" profile").add_context("launch");
  const Launch& l = *r.launch;
  LaunchOptionValues given{s.name, s.without, s.inner_storage, "", s.apparmor, std::nullopt};
  if (s.port_base) given.port_base = s.port_base;
  RIG_CHECK(check_launch_options(r, given));
  const InnerStorage* storage = l.find_storage(s.inner_storage);
  if (s.apparmor == "tailored") {
    if (!s.host.apparmor)
      return unavailable("--apparmor tailored: the engine's host has no AppArmor enabled, so no profile can confine the rig",
                         "use a host with AppArmor (e.g. `rigctl host run ubuntu-noble -- smoke ubuntu-noble --apparmor tailored`)");
  }
  LaunchSpec spec;
  spec.image = s.image;
  spec.engine_kind = s.engine_kind;
  spec.labels = {{kLabelManaged, "true"}, {kLabelRig, s.name}, {kLabelRun, s.run_id}};
  for (auto& [k, v] : r.labels) spec.labels.emplace(k, v);
  spec.init = l.init && !s.no_init;
  spec.restart_policy = l.restart;
  if (l.memory_mb) spec.memory_bytes = static_cast<int64_t>(l.memory_mb) * 1024 * 1024;
  if (l.cpus > 0) spec.nano_cpus = static_cast<int64_t>(std::min<double>(l.cpus, s.host.cpus) * 1e9);
  if (l.pids_limit) spec.pids_limit = static_cast<int64_t>(l.pids_limit);
  // Least privilege: the capabilities ablation showed the chain does not need are dropped (never one
  // added); an ablation drops a kept one as well to show it is needed.
  if (l.capabilities) {
    uint64_t kept = l.capabilities->keep_mask();
    spec.cap_drop = l.capabilities->drop;
    for (auto& d : s.drop_capabilities) {
      if (std::find(spec.cap_drop.begin(), spec.cap_drop.end(), d) == spec.cap_drop.end()) spec.cap_drop.push_back(d);
      if (int bit = capability_bit(d); bit >= 0) kept &= ~(uint64_t{1} << bit);
    }
    spec.bounding_set = kept;
  }
  for (auto& p : l.ports) {
    uint32_t base = s.port_base ? s.port_base : p.host_port;
    uint32_t count = s.first_port_only ? std::min(p.count, 1u) : p.count;
    for (uint32_t i = 0; i < count; ++i) spec.ports.push_back({p.host_ip, base + i, p.container_port + i});
  }
  for (auto& v : l.volumes)
    if (!s.drop_volumes.count(v.name)) spec.volumes[s.name + "-" + v.name] = v.target;

  for (auto& f : l.flags) {
    FlagDecision d{f.id, "applied", ""};
    if (std::find(f.engines.begin(), f.engines.end(), s.engine_kind) == f.engines.end()) {
      d = {f.id, "not-for-engine", s.engine_kind + " does not need it"};
    } else if (s.without.count(f.id)) {
      d = {f.id, "removed", "--without " + f.id};
    } else if (auto why = flag_not_applicable(f, s.host, storage->id); !why.empty()) {
      d = {f.id, "not-applicable", why};
    } else if (f.effect_kind == "device") {
      spec.devices.push_back(f.effect_value);
    } else if (f.effect_kind == "seccomp") {
      if (f.effect_value == "tailored") {
        if (s.seccomp_profile.empty())
          return usage_error("flag '" + f.id + "' wants the tailored seccomp profile, but the image has no " +
                             "/usr/share/containers/seccomp.json to derive it from");
        if (s.engine_kind == "podman" && s.seccomp_profile_path.empty())
          return usage_error("podman's service reads seccomp profiles from a path on its own host; no local profile file");
        spec.seccomp = SeccompMode::Tailored;
        spec.seccomp_profile = s.seccomp_profile;
        spec.seccomp_profile_path = s.seccomp_profile_path;
      } else {
        spec.seccomp = SeccompMode::Unconfined;
      }
    } else if (f.effect_kind == "apparmor") {
      const std::string& mode = s.apparmor.empty() ? f.effect_value : s.apparmor;
      if (mode == "tailored") {
        spec.apparmor_profile = kTailoredAppArmorName;
        d.reason = std::string("tailored profile ") + kTailoredAppArmorName + " (rigctl seccomp apparmor)";
      }
      spec.apparmor = mode == "tailored" ? std::string(kTailoredAppArmorName) : std::string("unconfined");
    } else if (f.effect_kind == "systempaths") {
      spec.unmask_system_paths = true;
    } else if (f.effect_kind == "cgroups") {
      spec.writable_cgroups = true;
    } else if (f.effect_kind == "incus_config") {
      auto eq = f.effect_value.find('=');
      spec.runtime_config[f.effect_value.substr(0, eq)] = f.effect_value.substr(eq + 1);
    }
    spec.flags.push_back(d);
  }
  // The delegation needs the writable mount; without it (flag removed or not applicable) there is
  // nothing to delegate.
  spec.delegate_cgroup = spec.writable_cgroups && !s.no_cgroup_delegation &&
                         std::any_of(l.hardening.begin(), l.hardening.end(), [](const Hardening& h) { return h.kind == "cgroup_delegation"; });
  spec.env = storage->env;
  // The podman rig's entrypoint starts podman's Docker-compatible service when asked (a Docker rig's
  // dockerd is its own API).
  if (l.docker_api && l.inner_engine == "podman") spec.env["RIG_DOCKER_API"] = "1";
  for (auto& [k, v] : s.extra_env) spec.env[k] = v;
  return spec;
}

json docker_create_body(const LaunchSpec& spec) {
  json host = json::object();
  host["Init"] = spec.init;
  host["RestartPolicy"] = {{"Name", spec.restart_policy}};
  if (spec.memory_bytes) host["Memory"] = spec.memory_bytes;
  if (spec.nano_cpus) host["NanoCpus"] = spec.nano_cpus;
  if (spec.pids_limit) host["PidsLimit"] = spec.pids_limit;
  // Stated explicitly so a reviewer of the API body sees them.
  host["Privileged"] = false;
  host["CapAdd"] = nullptr;
  if (spec.bounding_set) host["CapDrop"] = spec.cap_drop;

  json exposed = json::object(), bindings = json::object();
  for (auto& p : spec.ports) {
    std::string key = std::to_string(p.container) + "/tcp";
    exposed[key] = json::object();
    bindings[key] = json::array({{{"HostIp", p.host_ip}, {"HostPort", std::to_string(p.host)}}});
  }
  host["PortBindings"] = bindings;

  json mounts = json::array();
  for (auto& [vol, target] : spec.volumes) mounts.push_back({{"Type", "volume"}, {"Source", vol}, {"Target", target}});
  host["Mounts"] = mounts;

  json devices = json::array(), secopts = json::array();
  for (auto& d : spec.devices) devices.push_back({{"PathOnHost", d}, {"PathInContainer", d}, {"CgroupPermissions", "rwm"}});
  // The order a reviewer reads in the recipe: seccomp, then AppArmor, then podman's unmask.
  if (spec.seccomp == SeccompMode::Tailored)
    // podman's service reads the profile from a path on its own host; Docker takes it inline.
    secopts.push_back("seccomp=" + (spec.engine_kind == "podman" ? spec.seccomp_profile_path : spec.seccomp_profile));
  else if (spec.seccomp == SeccompMode::Unconfined)
    secopts.push_back("seccomp=unconfined");
  if (!spec.apparmor.empty()) secopts.push_back("apparmor=" + spec.apparmor);
  if (spec.writable_cgroups) secopts.push_back("writable-cgroups=true");
  if (spec.unmask_system_paths) {
    host["MaskedPaths"] = json::array();
    host["ReadonlyPaths"] = json::array();
    // podman's compatible service ignores empty path lists; its own spelling is unmask=ALL.
    if (spec.engine_kind == "podman") secopts.push_back("unmask=ALL");
  }
  host["Devices"] = devices;
  host["SecurityOpt"] = secopts;

  json body = {{"Image", spec.image}, {"Labels", spec.labels}, {"ExposedPorts", exposed}, {"HostConfig", host}};
  if (!spec.env.empty()) {
    json env = json::array();
    for (auto& [k, v] : spec.env) env.push_back(k + "=" + v);
    body["Env"] = env;
  }
  return body;
}

}  // namespace rig
