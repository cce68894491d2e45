// restart-init: outer `restart` until the entrypoint is ready again, with the recipe's --init and
// without (two rigs, one after the other). Without an init, PID 1 is `sleep`, which ignores SIGTERM,
// so every stop waits out the engine's 10 s timeout. The chain's restart-workspace check does the
// restart and the readiness wait, and reports the seconds as its metric.
#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

namespace {

Result<std::vector<double>> restart_times(BenchContext& c, bool no_init) {
  RIG_TRY(auto so, bench_session(c, no_init ? "restart-noinit" : "restart-init"));
  so.no_init = no_init;
  RIG_TRY(auto s, open_ready_rig(c, so));
  std::vector<double> out;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    auto in = chain_inputs(*s, c.opts.inner_network, so.inner_storage);
    in.only = {"outer-up", "restart-workspace"};
    HostFacts facts = session_facts(*s);
    RIG_TRY(auto checks, run_chain(in, facts));
    for (auto& r : checks) {
      if (r.id != "restart-workspace") continue;
      if (r.status != CheckState::Pass || r.metric <= 0)
        return Error(Category::Checks, std::string(no_init ? "without" : "with") + " --init: restart-workspace " +
                                           check_state_name(r.status) + ": " + r.output + " " + r.note);
      out.push_back(r.metric);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<BenchItem>> bench_restart_init(BenchContext& c) {
  auto item = new_item("restart-init");
  item.baseline_label = "the same restart without --init";
  if (!c.recipe.launch->init) {
    mark_not_applicable(item, "the recipe's launch profile does not use --init");
    return std::vector<BenchItem>{item};
  }
  RIG_TRY(item.samples, restart_times(c, false));
  RIG_TRY(auto without, restart_times(c, true));
  finish_measured(item, without);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
