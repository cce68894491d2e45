// ablate-vs-smoke: a whole `rigctl ablate` of the recipe (every flag, hardening and capability, rigs
// side by side) against one `rigctl smoke` of it, measured in the same run on the same warm images.
// Both are library calls, exactly what the commands do. The smoke is the median of up to three runs.
#include <algorithm>
#include <chrono>

#include "core/clock.hpp"
#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "smoke/ablate_run.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

Result<std::vector<BenchItem>> bench_ablate_vs_smoke(BenchContext& c) {
  auto item = new_item("ablate-vs-smoke");
  item.baseline_label = "one rigctl smoke of the same recipe (median of up to 3)";
  item.reference = "target: <= 2x";
  std::vector<double> smoke_secs;
  for (unsigned i = 0; i < std::min(3u, c.opts.runs); ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    c.say("ablate-vs-smoke: smoke " + std::to_string(i + 1));
    RIG_TRY(auto secs, timed_smoke(c, item));
    if (!secs) return std::vector<BenchItem>{item};
    smoke_secs.push_back(*secs);
  }
  RIG_CHECK(BenchContext::check_interrupt());
  c.say("ablate-vs-smoke: ablation");
  AblationOptions ao;
  ao.recipe = c.opts.recipe;
  ao.engine = c.opts.engine;
  ao.web_recipe = c.opts.web_recipe;
  ao.base_recipe = c.opts.base_recipe;
  ao.first_port = c.next_port;
  ao.inner_network = c.opts.inner_network;
  ao.arch = c.opts.arch;
  auto t0 = Clock::now();
  RIG_TRY(auto report, run_ablation(ao, c.borders));
  double ablate_secs = since(t0);
  if (!report.baseline_passed) {
    mark_failed(item, "the ablation's baseline did not pass");
    return std::vector<BenchItem>{item};
  }
  item.samples = {ablate_secs};
  finish_measured(item, smoke_secs);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
