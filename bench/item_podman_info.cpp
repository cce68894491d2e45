// podman-info: the first podman call after the pause process is gone (it must create the user
// namespace again, as after every rig start) against the same call once it exists.
#include "bench/bench_item.hpp"
#include "bench/items.hpp"

namespace rig {

Result<std::vector<BenchItem>> bench_podman_info(BenchContext& c) {
  auto item = new_item("podman-info");
  item.baseline_label = "warm `podman info` (the call right after a cold one)";
  RIG_TRY(auto so, bench_session(c, "info"));
  RIG_TRY(auto s, open_ready_rig(c, so));
  std::vector<double> warm;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    // `podman system migrate` stops the pause process (untimed); the next call is cold.
    RIG_CHECK(timed_exec(*s, {"podman", "system", "migrate"}).context("podman system migrate"));
    RIG_TRY(double cold, timed_exec(*s, {"podman", "info"}));
    RIG_TRY(double w, timed_exec(*s, {"podman", "info"}));
    item.samples.push_back(cold);
    warm.push_back(w);
  }
  finish_measured(item, warm);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
