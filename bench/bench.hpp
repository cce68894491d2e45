// `rigctl bench`: the numbers people ask for, each as a ratio of two things measured in the same run
// on the same host (never against a number remembered from elsewhere: published figures are kept as
// reference text only). `rigctl matrix` calls run_bench for its bench column, so the shape is fixed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/json_reader.hpp"
#include "smoke/borders.hpp"
#include "smoke/checks.hpp"

namespace rig {

inline constexpr const char* kBenchSchema = "rigctl/bench/v1";

struct BenchOptions {
  std::filesystem::path recipe;                  // outer recipe file
  std::string engine;                            // "" = DOCKER_HOST or local socket
  std::string arch;                              // "" = host
  std::set<std::string> items;                   // empty = the default set (all but "build")
  unsigned runs = 5;                             // repetitions for medians
  std::filesystem::path web_recipe, base_recipe; // inner images (images/inner-web.json, images/inner-base.json)
  std::string inner_network;                     // "" = podman default
  uint32_t first_port = 20000;
  std::filesystem::path baseline_script;         // ci/smoke-baseline.sh; empty = that item is not applicable
  std::filesystem::path chain_script;            // ci/smoke-chain-baseline.sh (smoke-vs-chain); empty: not applicable
  std::filesystem::path rigctl_binary;           // this rigctl, which the chain script launches rigs with
  std::filesystem::path source_dir;              // a rigctl source tree (compile); empty: not applicable
  std::function<void(const std::string&)> progress;
};

struct BenchItem {  // one number and what it is compared with
  std::string id, title;
  std::string status;          // measured | not-applicable | failed
  std::string reason;          // for not-applicable / failed
  double value = -1; std::string unit;          // e.g. 0.582, "s"
  double baseline = -1; std::string baseline_label;  // the comparison measured in the same run
  double ratio = -1;           // value / baseline
  std::string reference;       // a published reference, e.g. "spike: 582 ms vs 1281 ms" (text only, never used as a measured number)
  std::vector<double> samples; // raw samples
};

struct BenchReport {
  std::string recipe;
  HostFacts host;
  std::vector<BenchItem> items;
  double seconds = 0;
};

// Measures the chosen items one after another (never two rigs at once, so they do not compete for
// the CPU). An item that fails is recorded and the run goes on; Usage (unknown item, bad recipe),
// Unavailable (no engine) and Interrupted end the run.
Result<BenchReport> run_bench(const BenchOptions& o, const Borders& b);

std::string bench_table(const BenchReport&);     // stdout table
std::string bench_markdown(const BenchReport&);  // for SPIKE-FINDINGS.md
json bench_json(const BenchReport&);             // schema "rigctl/bench/v1"

// Selectable ids -> titles, in run order. "build" is opt-in (minutes); it reports two rows,
// "build" (cold vs docker build) and "build-warm" (cache hit vs the cold build).
const std::vector<std::pair<std::string, std::string>>& bench_item_ids();
std::set<std::string> default_bench_items();
// Usage error naming --items and the valid ids when an id is unknown.
Status check_bench_items(const std::set<std::string>& items);

}  // namespace rig
