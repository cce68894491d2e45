// Running an ablation: the baseline first (if it fails, nothing else is meaningful), then every item
// in its own rig (own name, own loopback port range, own volumes), a bounded number at a time, each
// chain stopping at its first failure.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "smoke/borders.hpp"
#include "smoke/ablation.hpp"

namespace rig {

struct AblationOptions {
  std::filesystem::path recipe;
  std::vector<std::string> only;  // item ids; empty: all
  // Skip ids of `only` the recipe lacks instead of refusing them: a matrix's ablate.only sweeps recipes
  // whose items differ (the Docker rig has no cgroup-delegation). At least one must be the recipe's.
  bool only_if_present = false;
  unsigned jobs = 0;              // 0: number of cores
  std::string engine;
  std::filesystem::path web_recipe, base_recipe;
  uint32_t first_port = 10100;  // each rig reserves the first free window at or above it
  std::string inner_network, inner_storage, arch;
  std::function<void(const std::string&)> progress;
};

Result<AblationReport> run_ablation(const AblationOptions& o, const Borders& b);

}  // namespace rig
