// inner-run-latency: what `podman run --rm` of a tiny image costs inside a rig, against a bare engine
// exec of `true` in the same rig — the exec round trip both sides pay — so the ratio is what podman
// run adds on top (user namespace entry, storage mount, network namespace, conmon, crun).
#include "bench/bench_item.hpp"
#include "bench/items.hpp"

namespace rig {

Result<std::vector<BenchItem>> bench_inner_run_latency(BenchContext& c) {
  auto item = new_item("inner-run-latency");
  item.baseline_label = "engine exec of `true` in the rig";
  RIG_TRY(auto so, bench_session(c, "run"));
  RIG_TRY(auto s, open_ready_rig(c, so));
  RIG_CHECK(put_base_archive(*s));
  RIG_CHECK(timed_exec(*s, {"podman", "load", "-q", "-i", kBenchBaseTar}).context("podman load"));

  // busybox's applet: the base image has no separate `true` binary.
  std::vector<std::string> run = {"podman", "run", "--rm", "--pull=never"};
  if (!c.opts.inner_network.empty()) run.push_back("--network=" + c.opts.inner_network);
  run.insert(run.end(), {s->images.base_ref, "/usr/bin/busybox", "true"});
  // One unmeasured round first: the first run after a load mounts the image for the first time,
  // which is a one-off cost, not the per-run latency asked for.
  RIG_CHECK(timed_exec(*s, run));
  RIG_CHECK(timed_exec(*s, {"true"}));
  std::vector<double> bare;
  for (unsigned i = 0; i < c.opts.runs; ++i) {
    RIG_CHECK(BenchContext::check_interrupt());
    // Interleaved, so drift on the host (another job, page cache) hits both sides alike.
    RIG_TRY(double b, timed_exec(*s, {"true"}));
    RIG_TRY(double v, timed_exec(*s, run));
    bare.push_back(b);
    item.samples.push_back(v);
  }
  finish_measured(item, bare);
  return std::vector<BenchItem>{item};
}

}  // namespace rig
