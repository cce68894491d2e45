// Recipe launch profile -> what a rig gets (LaunchSpec: devices, seccomp, AppArmor, system paths,
// capabilities, volumes, ports, init, limits, labels, env), decided once and runtime-neutral; an outer
// runtime renders it (docker_create_body: the Docker Engine API body, which podman's compatible service
// reads too). Pure, so the exact flag set a rig gets is unit-tested: never Privileged, never an added
// capability, never no-new-privileges.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "core/catalog.hpp"
#include "core/json_reader.hpp"

namespace rig {


// What launch needs to know about the engine's host (from the engine's own report: the engine may
// run on another machine than rigctl).
struct HostFeatures {
  bool apparmor = false;  // the kernel has AppArmor enabled
  int cpus = 1;
  std::string cgroup_version;     // "1" | "2" | "" (the engine did not say)
  bool writable_cgroups = false;  // the engine can mount /sys/fs/cgroup read-write (Docker 28, API 1.48)
};

struct LaunchSettings {
  std::string image;
  std::string name;
  std::string run_id;
  std::string engine_kind = "docker";  // docker | podman
  std::set<std::string> without;       // flag ids to leave out (ablation, --without)
  std::string seccomp_profile;         // tailored profile JSON text (Docker takes it inline)
  std::string seccomp_profile_path;    // the same as a file (podman's service takes a path on its host)
  uint32_t port_base = 0;              // 0: the recipe's host ports
  bool first_port_only = false;        // publish only each range's first port (the chain's)
  HostFeatures host;
  // Launch-level ablations (hardening items of kind env, volume, init).
  std::map<std::string, std::string> extra_env;
  std::set<std::string> drop_volumes;  // launch volume names
  bool no_init = false;
  bool no_cgroup_delegation = false;  // hardening of kind cgroup_delegation ablated
  // Capability ablation: kept capabilities of the profile dropped as well (engine API names).
  std::set<std::string> drop_capabilities;
  std::string inner_storage;  // one of the recipe's launch.inner.storage ids; "" = the first
  // How the apparmor flag confines the rig: "" = as the recipe says, "unconfined", or "tailored"
  // (the rigctl-tailored profile, which must be loaded on the engine's host).
  std::string apparmor;
};

// What happened to each flag of the profile.
struct FlagDecision {
  std::string id;
  std::string state;   // applied | removed | not-applicable | not-for-engine
  std::string reason;
};

struct PublishedPort {
  std::string host_ip;  // always a loopback address in the shipped recipes
  uint32_t host = 0;
  uint32_t container = 0;
};

enum class SeccompMode { RuntimeDefault, Unconfined, Tailored };

struct LaunchSpec {
  std::string image;
  std::string engine_kind = "docker";  // whose API dialect the renderer speaks: docker | podman
  std::vector<FlagDecision> flags;
  std::map<std::string, std::string> volumes;  // volume name -> target
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> env;
  std::vector<PublishedPort> ports;
  bool init = false;               // an init as PID 1 (reaps, forwards signals)
  std::string restart_policy;      // "" = the runtime's default
  int64_t memory_bytes = 0;        // 0 = unlimited
  int64_t nano_cpus = 0;           // 0 = unlimited
  int64_t pids_limit = 0;          // 0 = unlimited
  std::vector<std::string> devices;  // host device paths passed through at the same path
  SeccompMode seccomp = SeccompMode::RuntimeDefault;
  std::string seccomp_profile;       // Tailored: the profile's JSON text
  std::string seccomp_profile_path;  // Tailored: the same as a file on the engine's host
  // AppArmor: "" = the runtime's default profile, "unconfined", or the name of a loaded profile.
  std::string apparmor;
  std::string apparmor_profile;  // the confining AppArmor profile the rig runs under; "" = none given
  bool unmask_system_paths = false;  // no masked or read-only /proc and /sys paths
  bool writable_cgroups = false;     // the rig's own cgroup (namespace) mounted read-write
  // After every start, root in the rig delegates a cgroup subtree to the rig user so rootless podman
  // can apply inner containers' limits (security/cgroup_delegation.hpp).
  bool delegate_cgroup = false;
  std::vector<std::string> cap_drop;  // engine API names; never one added
  // Instance config keys for an outer runtime with its own (Incus: the flags of effect incus_config,
  // e.g. security.nesting=true). Never security.privileged: the recipe's allowlist has no such key.
  std::map<std::string, std::string> runtime_config;
  // The capability bounding set the rig must have: the profile's keep set minus what an ablation
  // dropped. nullopt for a launch without a capabilities section (only CAP_SYS_ADMIN is then checked).
  std::optional<uint64_t> bounding_set;
};

// The Docker Engine API container-create body for the spec (podman's compatible service takes the
// same body; where its spelling differs, spec.engine_kind says so).
json docker_create_body(const LaunchSpec& spec);

// Why a flag does not apply here ("" when it does): a host feature it needs is missing, or it is
// only for another inner storage. Shared by launch and ablation so both judge alike.
std::string flag_not_applicable(const LaunchFlag& f, const HostFeatures& host, const std::string& inner_storage);

// Why the profile's cgroup delegation does not apply here ("" when it does): it needs the cgroups flag.
std::string cgroup_delegation_not_applicable(const Launch& l, const HostFeatures& host, const std::string& engine_kind);

// The launch options a user gives, as given.
struct LaunchOptionValues {
  std::string name;                   // "" = rigctl derives one (checked when it does)
  std::set<std::string> without;      // --without
  std::string inner_storage;          // "" = the recipe's first
  std::string inner_network;          // "" = podman's default
  std::string apparmor;               // "" | unconfined | tailored
  std::optional<uint64_t> port_base;  // --port-base when given
};

// Checks launch options against the recipe before anything is built or any engine is asked:
// Usage (exit 2) with the option as context, naming the value and what is valid. Pure.
Status check_launch_options(const Recipe& r, const LaunchOptionValues& o);

// A name the engines accept for a container and, suffixed, for its volumes (Docker's and podman's
// rule: a letter or digit, then letters, digits, '_', '.' or '-').
Status check_rig_name(const std::string& name);

Result<LaunchSpec> make_launch_spec(const Recipe& r, const LaunchSettings& s);

}  // namespace rig
