#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>

#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "cli/report_outputs.hpp"
#include "cli/recipe_arg.hpp"
#include "core/fs.hpp"
#include "core/text.hpp"
#include "smoke/ablate_run.hpp"
#include "smoke/ablation_record.hpp"

namespace rig::cli {

namespace {

struct AblateOptions {
  std::string recipe;
  std::vector<std::string> only;
  unsigned jobs = 0;
  std::string engine;
  std::string attach;  // OCI layout to attach the record to
  ReportOutputs out;
};

// --only names items of the recipe: its flags and hardenings, whatever the engine (an item the
// engine does not use is still an item, reported not applicable).
Status check_only(const Recipe& r, const std::vector<std::string>& only) {
  if (!r.launch) return usage_error("recipe '" + r.file.string() + "' has no \"launch\" profile");
  std::vector<std::string> ids;
  for (auto& item : ablation_items(r, "docker", HostFeatures{})) ids.push_back(item.id);
  for (auto& id : only)
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      return usage_error("'" + valid_utf8(id) + "' is neither a flag nor a hardening of recipe '" + r.name + "' (expected one of " +
                         join(ids, ", ") + ")")
          .add_context("--only");
  return ok();
}

Status run_ablate(const AblateOptions& o, const Globals& g) {
  AblationOptions ao;
  // Every option is checked before the engine is contacted or anything is built.
  RIG_CHECK(check_engine_option(o.engine));
  RIG_CHECK(check_report_outputs(o.out));
  RIG_TRY(ao.recipe, resolve_recipe_or_image(o.recipe, o.engine, g.borders().engines));
  RIG_TRY(auto recipe, load_recipe(ao.recipe));
  RIG_CHECK(check_only(recipe, o.only));
  std::optional<OciImage> layout;
  if (!o.attach.empty()) {
    RIG_TRY(auto l, check_attach_layout(o.attach, recipe));
    layout = std::move(l);
  }
  ao.only = o.only;
  ao.jobs = o.jobs;
  ao.engine = o.engine;
  ao.web_recipe = inner_image_recipe("inner-web");
  ao.base_recipe = inner_image_recipe("inner-base");
  ao.progress = [](const std::string& m) { spdlog::info("{}", m); };
  RIG_TRY(auto report, run_ablation(ao, g.borders()));
  RIG_CHECK(emit_report(o.out, {[&] { return ablation_table(report); }, [&] { return ablation_json(report); },
                                [&] { return ablation_markdown(report); }, [&] { return ablation_junit(report); }}));
  if (!report.baseline_passed)
    return Error(Category::Checks, "ablate: the baseline (full profile) fails the chain, so no verdict is possible",
                 std::string("run `rigctl smoke` to see why") + (layout ? "; no record was attached" : ""));
  if (layout) {
    RIG_TRY(auto digest, attach_ablation_record(*layout, recipe, report, {RIGCTL_VERSION, o.only, std::time(nullptr)}));
    spdlog::info("ablation record attached to {} as {}", o.attach, digest);
  }
  return ok();
}

}  // namespace

void register_ablate(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<AblateOptions>();
  auto* sub = app.add_subcommand("ablate", "Remove each launch flag and hardening in turn and prove it is needed");
  sub->add_option("recipe", o->recipe, "Recipe file or name (default: debian-trixie)");
  sub->add_option("--only", o->only, "Only these item ids (repeatable)");
  sub->add_option("--jobs", o->jobs, "Rigs at a time (default: number of cores)")->check(CLI::Range(1u, 1024u));
  sub->add_option("--engine", o->engine, "Engine endpoint unix://… or tcp://…, or the outer runtime incus[:SOCKET] or lxc[:LXCPATH] (default: DOCKER_HOST or the local socket)");
  sub->add_option("--attach", o->attach,
                  "Attach the record of what this ablation proved to the OCI layout DIR (from `rigctl build --out DIR`; "
                  "its image must be the one ablated)");
  add_report_outputs(sub, o->out, kMarkdownFile | kJunitFile, "the report");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_ablate(*o, g); }; });
}

}  // namespace rig::cli
