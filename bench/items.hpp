// The measurements, one file each. Each returns its row(s) — measured, not-applicable (with why) or
// failed (with why) — and returns an error only for what must end the whole run (Interrupted);
// any other error is turned into a failed row by run_bench.
#pragma once

#include <vector>

#include "bench/bench_rig.hpp"

namespace rig {

Result<std::vector<BenchItem>> bench_inner_run_latency(BenchContext& c);
Result<std::vector<BenchItem>> bench_podman_info(BenchContext& c);
Result<std::vector<BenchItem>> bench_storage(BenchContext& c);
Result<std::vector<BenchItem>> bench_restart_init(BenchContext& c);
Result<std::vector<BenchItem>> bench_smoke_vs_shell(BenchContext& c);
Result<std::vector<BenchItem>> bench_smoke_vs_chain(BenchContext& c);
Result<std::vector<BenchItem>> bench_ablate_vs_smoke(BenchContext& c);
Result<std::vector<BenchItem>> bench_build(BenchContext& c);
Result<std::vector<BenchItem>> bench_compile(BenchContext& c);

}  // namespace rig
