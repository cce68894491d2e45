#include <cstdio>

#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "cli/report_outputs.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/rig_options.hpp"
#include "core/fs.hpp"
#include "smoke/report.hpp"
#include "smoke/smoke_run.hpp"

namespace rig::cli {

namespace {

struct SmokeOptions {
  RigOptions rig;
  std::string inner_network, inner_storage;
  ReportOutputs out;
  bool keep = false;
};

Status smoke_command(const SmokeOptions& o, const Globals& g) {
  Progress progress(g.verbose);
  BuildEvents ev{[&](const std::string& p) { progress.phase(p); }, [&](uint64_t n) { progress.bytes(n); },
                 [&](std::string_view l) { progress.tool_line(l); }};
  SmokeRequest req;
  auto& so = req.session;
  // Every option is checked before the engine is contacted or anything is built.
  RIG_CHECK(check_report_outputs(o.out));
  RIG_TRY(so, rig_session_options(o.rig, g, DefaultName::PerRun, o.inner_storage, o.inner_network));
  so.web_recipe = inner_image_recipe("inner-web");
  so.base_recipe = inner_image_recipe("inner-base");
  req.inner_network = o.inner_network;
  req.keep = o.keep;
  req.on_result = [&](const CheckResult& r) {
    progress.phase(std::to_string(r.number) + " " + r.id + ": " + check_state_name(r.status));
  };
  RIG_TRY(auto report, run_smoke(req, g.borders(), ev));
  progress.done();

  RIG_CHECK(emit_report(o.out, {[&] { return render_table(report); }, [&] { return report_json(report); }, {},
                                [&] { return report_junit(report); }}));
  if (o.keep) std::fprintf(stderr, "rigctl: kept rig %s (remove with `rigctl gc`)\n", report.rig.c_str());
  if (!report.leftover.empty())
    return unavailable("smoke: the rig could not be removed after the checks", report.leftover);
  if (!report.passed()) {
    const auto* f = report.first_failure();
    return Error(Category::Checks, "smoke: " + std::to_string(report.count(CheckState::Pass)) + "/" +
                                       std::to_string(report.checks.size()) + " passed" +
                                       (f ? "; first failure: " + f->id : ""));
  }
  return ok();
}

}  // namespace

void register_smoke(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<SmokeOptions>();
  auto* sub = app.add_subcommand("smoke", "Launch a rig and run the check chain (inner run, port chain, build, reaping, restart, isolation)");
  auto* port = add_rig_options(sub, o->rig, "Rig name (default: rigctl-<recipe>-<run id>)");
  sub->add_option("--inner-network", o->inner_network, "Inner rootless network: one of the recipe's launch.inner.networks (default: podman's)");
  sub->add_option("--inner-storage", o->inner_storage, "Inner storage: one of the recipe's launch.inner.storage ids (default: the first)");
  add_report_outputs(sub, o->out, kJunitFile, "the report");
  sub->add_flag("--keep", o->keep, "Leave the rig running afterwards");
  sub->callback([o, port, &action, &g] {
    o->rig.port_base_given = port->count() > 0;
    action = [o, &g] { return smoke_command(*o, g); };
  });
}

}  // namespace rig::cli
