#include <spdlog/spdlog.h>

#include <cstdio>

#include "bench/bench.hpp"
#include "cli/app.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/report_outputs.hpp"
#include "core/fs.hpp"

namespace rig::cli {

namespace {

struct BenchCliOptions {
  std::string recipe;
  std::string engine;
  std::vector<std::string> items;
  unsigned runs = 5;
  ReportOutputs out;
};

Status bench_command(const BenchCliOptions& o, const Globals& g) {
  BenchOptions bo;
  bo.items = {o.items.begin(), o.items.end()};
  // Every option is checked before anything is built or launched.
  RIG_CHECK(check_bench_items(bo.items));
  RIG_CHECK(check_report_outputs(o.out));
  RIG_TRY(bo.recipe, resolve_recipe_or_image(o.recipe, o.engine, g.borders().engines));
  bo.engine = o.engine;
  bo.runs = o.runs;
  bo.web_recipe = inner_image_recipe("inner-web");
  bo.base_recipe = inner_image_recipe("inner-base");
  // Looked up like recipes/ (RIGCTL_HOME, the working directory, the source tree); when it is not
  // found, smoke-vs-shell reports itself not applicable.
  if (auto p = shipped_file("ci/smoke-baseline.sh"); !p.empty()) bo.baseline_script = std::filesystem::absolute(p);
  if (auto p = shipped_file("ci/smoke-chain-baseline.sh"); !p.empty()) bo.chain_script = std::filesystem::absolute(p);
  // The compile item builds this checkout; an installed rigctl has none (not applicable).
  if (auto p = shipped_file("CMakeLists.txt"); !p.empty()) bo.source_dir = std::filesystem::absolute(p).parent_path();
  std::error_code ec;
  bo.rigctl_binary = std::filesystem::read_symlink("/proc/self/exe", ec);
  bo.progress = [](const std::string& m) { spdlog::info("{}", m); };
  RIG_TRY(auto report, run_bench(bo, g.borders()));
  RIG_CHECK(emit_report(o.out, {[&] { return bench_table(report); }, [&] { return bench_json(report); },
                                [&] { return bench_markdown(report); }, {}}));
  std::string failed;
  for (auto& i : report.items)
    if (i.status == "failed") failed += (failed.empty() ? "" : ", ") + i.id;
  if (!failed.empty()) return Error(Category::Checks, "bench: failed: " + failed);
  return ok();
}

}  // namespace

void register_bench(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<BenchCliOptions>();
  auto* sub = app.add_subcommand("bench", "Measure rig latencies, storage, restart and smoke speed, each as a ratio from one run");
  sub->add_option("recipe", o->recipe, "Recipe file or name, or an image built by rigctl (default: debian-trixie)");
  sub->add_option("--engine", o->engine, "Engine endpoint (default: DOCKER_HOST or the local socket)");
  std::string ids;
  for (auto& [id, title] : bench_item_ids()) ids += (ids.empty() ? "" : ",") + id;
  sub->add_option("--items", o->items, "Comma-separated item ids (default: all but build and compile): " + ids)->delimiter(',');
  sub->add_option("--runs", o->runs, "Repetitions for each median (default: 5)")->check(CLI::Range(1u, 100u));  // as a matrix's bench.runs
  add_report_outputs(sub, o->out, kMarkdownFile, "the report (rigctl/bench/v1)");
  sub->callback([o, &action, &g] { action = [o, &g] { return bench_command(*o, g); }; });
}

}  // namespace rig::cli
