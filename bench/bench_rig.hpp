// What every bench item shares: the options, the loaded recipe, the engine, and rigs that are
// launched through open_session (so the Rig removes its container and volumes on every return
// path, SIGINT included) and waited for with the chain's own readiness check.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bench/bench.hpp"
#include "smoke/session.hpp"

namespace rig {

struct BenchContext {
  const BenchOptions& opts;
  const Borders& borders;
  CommandRunner& runner;  // borders.runner
  Recipe recipe;
  EngineConnection conn;
  HostFacts host;
  uint32_t next_port = 0;  // rigs reserve their ports at or above this when they launch

  void say(const std::string& m) const {
    if (opts.progress) opts.progress(m);
  }
  // Interrupted when SIGINT/SIGTERM arrived: items check between samples.
  static Status check_interrupt();
};

// Session options for a bench rig: the recipe, engine, arch, inner images and a claimed port range,
// named rigctl-bench-<tag>-<run id>. Callers adjust (inner_storage, no_init) before opening.
Result<SessionOptions> bench_session(BenchContext& c, const std::string& tag);

// Opens the session and waits until the rig's entrypoint finished its warm-up (the chain's
// outer-up check). Records the inner podman version in c.host the first time.
Result<std::unique_ptr<Session>> open_ready_rig(BenchContext& c, const SessionOptions& so);

// Runs argv in the rig as its user and returns the wall time around the Engine API exec; a
// non-zero exit is an error carrying the output's tail.
Result<double> timed_exec(Session& s, const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                          long timeout_ms = 300000);

// The inner base image's docker-archive copied to /tmp/rig-bench/base.tar in the rig (owned by the
// rig user), for `podman load` into whichever store an item uses.
Status put_base_archive(Session& s);

inline constexpr const char* kBenchBaseTar = "/tmp/rig-bench/base.tar";

// One `rigctl smoke` of the recipe, exactly as the command runs it (run_smoke), timed end to end.
// nullopt, with `item` marked failed and why, when the chain did not pass: no ratio from a broken rig.
Result<std::optional<double>> timed_smoke(BenchContext& c, BenchItem& item);

// Why a docker-CLI baseline script (`what`, e.g. "the baseline script") cannot run here, or "" when it
// can: the script exists, the engine is a local Docker engine, docker, curl and bash are on PATH, and
// the inner image recipes are known.
std::string docker_script_precondition(const BenchContext& c, const std::filesystem::path& script, const std::string& what);

}  // namespace rig
