// One rig's life for launch and smoke: connect to the engine, get the images there, turn the launch
// profile into a container, start it. The Session owns the Rig, so an error or SIGINT anywhere after
// launch removes what was made.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "builder/build.hpp"
#include "core/ports.hpp"
#include "engine/engine.hpp"
#include "smoke/borders.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/provision.hpp"
#include "smoke/rig.hpp"

namespace rig {

struct SessionOptions {
  std::filesystem::path recipe;
  std::optional<Recipe> recipe_object;  // used instead of loading `recipe` (ablation variants)
  std::string name;  // empty: rigctl-<recipe name>-<run id>
  std::set<std::string> without;
  std::string engine;  // --engine; empty: DOCKER_HOST or the local socket
  uint32_t port_base = 0;         // the rig's ports start exactly here (--port-base); 0: the recipe's
  uint32_t port_search_from = 0;  // instead: the first free window at or above this (ablation, matrix, bench)
  // Publish only the first port of each range: the one the check chain reaches (ablation's rigs).
  bool first_port_only = false;
  std::filesystem::path web_recipe, base_recipe;  // empty: no inner images
  std::string arch;
  std::string mirror;
  std::map<std::string, std::string> extra_env;
  std::set<std::string> drop_volumes;
  bool no_init = false;
  bool no_cgroup_delegation = false;
  std::set<std::string> drop_capabilities;  // kept capabilities dropped as well (capability ablation)
  std::string inner_storage;  // "" = the recipe's first launch.inner.storage
  std::string apparmor;       // "" = the recipe's apparmor flag as written; "unconfined" | "tailored"
  // Images already provisioned for this recipe and engine (provision_session_images): used instead of
  // provisioning again, so rigs started side by side (ablation) never build or load twice.
  std::shared_ptr<const Provisioned> images;
  // A registry image the engine pulled (cli/recipe_arg.hpp): the rig runs it instead of loading the
  // recipe's build, provided it is that build (config digest `pulled_id`).
  std::string pulled_ref = {};
  std::string pulled_id = {};
};

struct Session {
  EngineConnection conn;
  Recipe recipe;
  Provisioned images;
  LaunchSpec spec;
  std::string run_id;
  std::string name;
  // Declared before `rig`: the ports stay reserved until the rig is gone.
  std::vector<std::shared_ptr<PortWindow>> ports;
  std::unique_ptr<RunningRig> rig;  // through the rig-runtime seam (smoke/rig_control.hpp)
};

// A fresh run id, registered with this process's lease (core/lock.hpp) before anything is labelled
// with it, so `rigctl gc` leaves what it labels alone while this rigctl lives. Thread-safe.
std::string new_run_id();

// What launch and ablation judge applicability by, from the engine's own report (the engine may run
// on another machine); cpus falls back to this machine's when the engine does not say.
HostFeatures host_features(const EngineVersion& v);

// The outer image where the engine (or Incus, or LXC) finds it and the inner images' archives, for a
// session of these options on this connection.
Result<Provisioned> provision_session_images(const SessionOptions& o, const Recipe& recipe, const EngineConnection& conn,
                                             const Borders& b, const BuildEvents& ev);

Result<std::unique_ptr<Session>> open_session(const SessionOptions& o, const Borders& b, const BuildEvents& ev);

}  // namespace rig
