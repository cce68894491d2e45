// The options `rigctl launch` and `rigctl smoke` share: which recipe, how the rig is named and
// reached, which flags it goes without, where its ports start and how AppArmor confines it. Bound
// once here so both commands spell, document and check them alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "smoke/session.hpp"

namespace rig::cli {

struct RigOptions {
  std::string recipe;
  std::string name;
  std::vector<std::string> without;
  std::string engine;
  uint32_t port_base = 0;
  bool port_base_given = false;
  std::string apparmor;
  bool insecure = false;  // pull a registry reference over plain http (loopback only)
};

// Adds the options to `sub`; the returned --port-base option tells the callback whether it was given.
CLI::Option* add_rig_options(CLI::App* sub, RigOptions& o, const std::string& name_help);

// How the rig is named when --name is not given.
enum class DefaultName {
  PerRun,     // rigctl-<recipe>-<run id>, made by the session (smoke: every run its own rig)
  PerRecipe,  // rig-<recipe file stem> (launch: one long-lived rig per recipe, found again by name)
};

// Session options from them, every value checked (the derived name too) before the engine is asked
// for anything but a recipe image's label. `inner_storage` and `inner_network` are checked against
// the recipe as well.
Result<SessionOptions> rig_session_options(const RigOptions& o, const Globals& g, DefaultName naming,
                                           const std::string& inner_storage = "", const std::string& inner_network = "");

}  // namespace rig::cli
