// compile (opt-in, minutes): rigctl alone (no tests, what the main job builds) configured and compiled
// from a clean build directory with every core, the compiler cache off, as a fresh machine does it —
// against the same compile one file at a time (RIGCTL_UNITY=OFF, no unity batches), in the same run.
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
Result<double> compile_rigctl(BenchContext& c, const std::filesystem::path& dir, bool unity) {
  const std::vector<std::pair<std::string, std::string>> env = {{"CCACHE_DISABLE", "1"}};
  auto t0 = Clock::now();
  RIG_TRY(auto cfg, c.runner.run(Command{{"cmake", "-S", c.opts.source_dir.string(), "-B", dir.string(), "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                                          "-DRIGCTL_TESTS=OFF", std::string("-DRIGCTL_UNITY=") + (unity ? "ON" : "OFF")},
                                         env, "", {}}));
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
  item.baseline_label = "the same compile one file at a time (RIGCTL_UNITY=OFF)";
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
  c.say("compile: rigctl in unity batches (as the main job builds it)");
  RIG_TRY(auto with, compile_rigctl(c, work.path() / "unity", true));
  RIG_CHECK(BenchContext::check_interrupt());
  c.say("compile: rigctl one file at a time");
  RIG_TRY(auto without, compile_rigctl(c, work.path() / "files", false));
  item.samples = {with};
  finish_measured(item, {without});
  return std::vector<BenchItem>{item};
}

}  // namespace rig
