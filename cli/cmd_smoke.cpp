#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/app.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "core/fs.hpp"
#include "smoke/report.hpp"
#include "smoke/session.hpp"

namespace rig::cli {

namespace {

struct SmokeOptions {
  std::string recipe;
  std::string name;
  std::vector<std::string> without;
  std::string engine;
  uint32_t port_base = 0;
  std::string json_file;
  std::string junit_file;
  bool keep = false;
};

Status run_smoke(const SmokeOptions& o, const Globals& g) {
  auto t0 = std::chrono::steady_clock::now();
  Progress progress(g.verbose);
  BuildEvents ev{[&](const std::string& p) { progress.phase(p); }, [&](uint64_t n) { progress.bytes(n); },
                 [&](std::string_view l) { progress.tool_line(l); }};
  SessionOptions so;
  RIG_TRY(so.recipe, resolve_recipe_or_image(o.recipe, o.engine));
  so.name = o.name;
  so.without = {o.without.begin(), o.without.end()};
  so.engine = o.engine;
  so.port_base = o.port_base;
  so.web_recipe = inner_image_recipe("inner-web");
  so.base_recipe = inner_image_recipe("inner-base");
  auto runner = make_process_runner();
  RIG_TRY(auto s, open_session(so, *runner, ev));
  if (o.keep) s->rig->keep();

  SmokeReport report;
  report.recipe = s->recipe.name;
  report.rig = s->name;
  report.run_id = s->run_id;
  report.flags = s->spec.flags;
  report.host = {s->conn.version.kernel, s->conn.version.podman ? "podman" : "docker", s->conn.version.version,
                 s->conn.version.api_version, s->conn.endpoint.display, "", s->images.arch};
  ChainInputs in{*s->conn.engine};
  in.container_id = s->rig->id();
  in.run_id = s->run_id;
  in.web_ref = s->images.web_ref;
  in.base_ref = s->images.base_ref;
  in.web_archive = s->images.web_archive.string();
  in.base_archive = s->images.base_archive.string();
  in.host_port = s->spec.ports.empty() ? 10000 : s->spec.ports.front().first;
  in.inner_port = s->spec.ports.empty() ? 10000 : s->spec.ports.front().second;
  in.on_result = [&](const CheckResult& r) {
    progress.phase(std::to_string(r.number) + " " + r.id + ": " + check_state_name(r.status));
  };
  RIG_TRY(report.checks, run_chain(in, report.host));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.done();

  std::fputs(render_table(report).c_str(), stdout);
  std::fflush(stdout);
  if (!o.json_file.empty()) RIG_CHECK(write_file_atomic(o.json_file, report_json(report).dump(2) + "\n").context("--json"));
  if (!o.junit_file.empty()) RIG_CHECK(write_file_atomic(o.junit_file, report_junit(report)).context("--junit"));
  if (o.keep) std::fprintf(stderr, "rigctl: kept rig %s (remove with `rigctl gc`)\n", s->name.c_str());
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
  sub->add_option("--port-base", o->port_base, "First host port of the published range (default: the recipe's)");
  sub->add_option("--json", o->json_file, "Write the JSON report here");
  sub->add_option("--junit", o->junit_file, "Write a JUnit XML report here");
  sub->add_flag("--keep", o->keep, "Leave the rig running afterwards");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_smoke(*o, g); }; });
}

}  // namespace rig::cli
