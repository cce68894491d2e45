// compile (opt-in, minutes): rigctl alone (no tests, what the main job builds) configured and compiled
// from a clean build directory with every core, the compiler cache off, as a fresh machine does it —
// against the same compile as it was before issue 18 (one file at a time, make, RelWithDebInfo), in the
// same run. The measured side is configured as ci/build-rigctl.sh configures it: Ninja where it is
// installed, Release (-O2, no debug information), unity batches.
#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "core/fs.hpp"
#include "host/machine.hpp"

namespace rig {

namespace {


// Configure + build of the rigctl target in `dir`; the seconds of both.
Result<double> compile_rigctl(BenchContext& c, const std::filesystem::path& dir, bool as_main_job) {
  const std::vector<std::pair<std::string, std::string>> env = {{"CCACHE_DISABLE", "1"}};
  std::vector<std::string> configure = {"cmake", "-S", c.opts.source_dir.string(), "-B", dir.string(), "-DRIGCTL_TESTS=OFF"};
  if (as_main_job) {
    if (which_on_path("ninja")) configure.insert(configure.end(), {"-G", "Ninja"});
    configure.insert(configure.end(), {"-DCMAKE_BUILD_TYPE=Release", "-DRIGCTL_UNITY=ON"});
  } else {
    configure.insert(configure.end(), {"-G", "Unix Makefiles", "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DRIGCTL_UNITY=OFF"});
  }
  auto t0 = Clock::now();
  RIG_TRY(auto cfg, c.runner.run(Command{configure, env, "", {}}));
  if (cfg.status != 0) return internal_error("cmake configure exited " + std::to_string(cfg.status) + ": " + cfg.tail(6));
  RIG_CHECK(BenchContext::check_interrupt());
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  RIG_TRY(auto b, c.runner.run(Command{{"cmake", "--build", dir.string(), "--target", "rigctl", "-j", std::to_string(cores)}, env, "", {}}));
  if (b.status != 0) return internal_error("cmake --build exited " + std::to_string(b.status) + ": " + b.tail(6));
  return since(t0);
}

}  // namespace

Result<std::vector<BenchItem>> bench_compile(BenchContext& c) {
  auto item = new_item("compile");
  item.baseline_label = "the compile before issue 18 (one file at a time, make, RelWithDebInfo)";
  item.reference = "target: <= 180 s on 2 cores (the main job's compile)";
  if (c.opts.source_dir.empty() || !std::filesystem::exists(c.opts.source_dir / "CMakeLists.txt")) {
    mark_not_applicable(item, "no rigctl source tree here (an installed rigctl has none)");
    return std::vector<BenchItem>{item};
  }
  for (const char* tool : {"cmake", "c++"})
    if (!which_on_path(tool)) {
      mark_not_applicable(item, std::string("`") + tool + "` is not on PATH");
      return std::vector<BenchItem>{item};
    }
  RIG_TRY(auto work, ScratchDir::create("rigctl-bench-compile"));
  c.say("compile: rigctl as the main job builds it (unity batches, Release)");
  RIG_TRY(auto with, compile_rigctl(c, work.path() / "unity", true));
  RIG_CHECK(BenchContext::check_interrupt());
  c.say("compile: rigctl as it was built before (one file at a time, RelWithDebInfo)");
  RIG_TRY(auto without, compile_rigctl(c, work.path() / "files", false));
  item.samples = {with};
  finish_measured(item, {without});
  return std::vector<BenchItem>{item};
}

}  // namespace rig
