#include <cstdio>

#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "core/fs.hpp"
#include "smoke/report.hpp"
#include "smoke/smoke_run.hpp"

namespace rig::cli {

namespace {

struct SmokeOptions {
  std::string recipe;
  std::string name;
  std::vector<std::string> without;
  std::string engine;
  uint32_t port_base = 0;
  bool port_base_given = false;
  std::string apparmor;
  std::string inner_network, inner_storage;
  std::string json_file;
  std::string junit_file;
  bool keep = false;
};

Status smoke_command(const SmokeOptions& o, const Globals& g) {
  Progress progress(g.verbose);
  BuildEvents ev{[&](const std::string& p) { progress.phase(p); }, [&](uint64_t n) { progress.bytes(n); },
                 [&](std::string_view l) { progress.tool_line(l); }};
  SmokeRequest req;
  auto& so = req.session;
  // Every option is checked before the engine is contacted or anything is built.
  RIG_CHECK(check_engine_option(o.engine));
  RIG_CHECK(check_output_file("--json", o.json_file));
  RIG_CHECK(check_output_file("--junit", o.junit_file));
  RIG_TRY(so.recipe, resolve_recipe_or_image(o.recipe, o.engine, g.borders().engines));
  RIG_TRY(so.recipe_object, load_recipe(so.recipe));
  LaunchOptionValues given{o.name, {o.without.begin(), o.without.end()}, o.inner_storage, o.inner_network, o.apparmor, {}};
  if (o.port_base_given) given.port_base = o.port_base;
  RIG_CHECK(check_launch_options(*so.recipe_object, given));
  so.name = o.name;
  so.without = {o.without.begin(), o.without.end()};
  so.engine = o.engine;
  so.port_base = o.port_base;
  so.apparmor = o.apparmor;
  so.inner_storage = o.inner_storage;
  so.web_recipe = inner_image_recipe("inner-web");
  so.base_recipe = inner_image_recipe("inner-base");
  req.inner_network = o.inner_network;
  req.keep = o.keep;
  req.on_result = [&](const CheckResult& r) {
    progress.phase(std::to_string(r.number) + " " + r.id + ": " + check_state_name(r.status));
  };
  RIG_TRY(auto report, run_smoke(req, g.borders(), ev));
  progress.done();

  std::fputs(render_table(report).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json_file.empty()) RIG_CHECK(write_file_atomic(o.json_file, report_json(report).dump(2) + "\n").context("--json"));
  if (!o.junit_file.empty()) RIG_CHECK(write_file_atomic(o.junit_file, report_junit(report)).context("--junit"));
  if (o.keep) std::fprintf(stderr, "rigctl: kept rig %s (remove with `rigctl gc`)\n", report.rig.c_str());
  if (!report.leftover.empty())
    return unavailable("smoke: the engine stopped answering after the checks", report.leftover);
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
  auto* sub = app.add_subcommand("smoke", "Launch a rig and run the 12-check chain (inner run, port chain, build, restart)");
  sub->add_option("recipe", o->recipe, "Recipe file or name, or an image built by rigctl (default: debian-trixie)");
  sub->add_option("--name", o->name, "Rig name (default: rigctl-<recipe>-<run id>)");
  sub->add_option("--without", o->without, "Leave out a launch flag by id (repeatable)");
  sub->add_option("--engine", o->engine, "Engine endpoint (default: DOCKER_HOST or the local socket)");
  auto* port = sub->add_option("--port-base", o->port_base, "First host port of the published range (default: the recipe's)");
  sub->add_option("--apparmor", o->apparmor,
                  "How the apparmor flag confines the rig where the host has AppArmor: unconfined, or tailored (the "
                  "rigctl-tailored profile, loaded on the engine's host; smoke then adds the apparmor-confined check)")
      ->check(CLI::IsMember({"unconfined", "tailored"}));
  sub->add_option("--inner-network", o->inner_network, "Inner rootless network: one of the recipe's launch.inner.networks (default: podman's)");
  sub->add_option("--inner-storage", o->inner_storage, "Inner storage: one of the recipe's launch.inner.storage ids (default: the first)");
  sub->add_option("--json", o->json_file, "Write the JSON report here");
  sub->add_option("--junit", o->junit_file, "Write a JUnit XML report here");
  sub->add_flag("--keep", o->keep, "Leave the rig running afterwards");
  sub->callback([o, port, &action, &g] {
    o->port_base_given = port->count() > 0;
    action = [o, &g] { return smoke_command(*o, g); };
  });
}

}  // namespace rig::cli
