#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/app.hpp"
#include "cli/recipe_arg.hpp"
#include "core/fs.hpp"
#include "smoke/ablate_run.hpp"

namespace rig::cli {

namespace {

struct AblateOptions {
  std::string recipe;
  std::vector<std::string> only;
  unsigned jobs = 0;
  std::string engine;
  std::string json_file, markdown_file, junit_file;
};

Status run_ablate(const AblateOptions& o) {
  AblationOptions ao;
  RIG_TRY(ao.recipe, resolve_recipe_or_image(o.recipe, o.engine));
  ao.only = o.only;
  ao.jobs = o.jobs;
  ao.engine = o.engine;
  ao.web_recipe = inner_image_recipe("inner-web");
  ao.base_recipe = inner_image_recipe("inner-base");
  ao.progress = [](const std::string& m) { spdlog::info("{}", m); };
  auto runner = make_process_runner();
  RIG_TRY(auto report, run_ablation(ao, *runner));
  std::fputs(ablation_table(report).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json_file.empty()) RIG_CHECK(write_file_atomic(o.json_file, ablation_json(report).dump(2) + "\n").context("--json"));
  if (!o.markdown_file.empty()) RIG_CHECK(write_file_atomic(o.markdown_file, ablation_markdown(report)).context("--markdown"));
  if (!o.junit_file.empty()) RIG_CHECK(write_file_atomic(o.junit_file, ablation_junit(report)).context("--junit"));
  if (!report.baseline_passed)
    return Error(Category::Checks, "ablate: the baseline (full profile) fails the chain, so no verdict is possible",
                 "run `rigctl smoke` to see why");
  return ok();
}

}  // namespace

void register_ablate(CLI::App& app, Action& action, const Globals&) {
  auto o = std::make_shared<AblateOptions>();
  auto* sub = app.add_subcommand("ablate", "Remove each launch flag and hardening in turn and prove it is needed");
  sub->add_option("recipe", o->recipe, "Recipe file or name (default: debian-trixie)");
  sub->add_option("--only", o->only, "Only these item ids (repeatable)");
  sub->add_option("--jobs", o->jobs, "Rigs at a time (default: number of cores)");
  sub->add_option("--engine", o->engine, "Engine endpoint (default: DOCKER_HOST or the local socket)");
  sub->add_option("--json", o->json_file, "Write the JSON report here");
  sub->add_option("--markdown", o->markdown_file, "Write a Markdown table (for SPIKE-FINDINGS.md) here");
  sub->add_option("--junit", o->junit_file, "Write a JUnit XML report here");
  sub->callback([o, &action] { action = [o] { return run_ablate(*o); }; });
}

}  // namespace rig::cli
