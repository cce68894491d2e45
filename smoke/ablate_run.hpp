// Running an ablation: the baseline first (if it fails, nothing else is meaningful), then every item
// in its own rig (own name, own loopback port range, own volumes), a bounded number at a time, each
// chain stopping at its first failure.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smoke/borders.hpp"
#include "smoke/ablation.hpp"
#include "smoke/checks.hpp"

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
  // A passing whole-chain run of the full profile that the caller made just before on the same
  // engine (a matrix cell's smoke stage): taken as the baseline instead of launching one more rig
  // with the same settings, provided it ran the very image this ablation provisions (outer manifest
  // digest) with the same inner network and storage. Otherwise the baseline runs as usual. In an
  // emulated VM host a whole chain takes minutes: this was a third of vm_noble's ablate stage.
  std::optional<SmokeReport> prior_baseline;
};

// Whether `prior` may stand for the ablation's baseline (see AblationOptions::prior_baseline).
bool prior_baseline_usable(const SmokeReport& prior, const std::string& outer_manifest_digest, const std::string& inner_network,
                           const std::string& inner_storage);

Result<AblationReport> run_ablation(const AblationOptions& o, const Borders& b);

}  // namespace rig
