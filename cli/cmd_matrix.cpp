#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "cli/recipe_arg.hpp"
#include "core/output_dir.hpp"
#include "matrix/matrix_run.hpp"
#include "matrix/summary.hpp"

namespace rig::cli {

namespace {

struct MatrixCliOptions {
  std::string matrix;
  std::string cells;
  unsigned jobs = 0;
  uint32_t port_base = 11000;
  std::string out = "matrix-results";
  std::string host_label = "local";
  std::vector<std::string> engine_endpoints;  // NAME=URL
  bool json_out = false;
};

Status matrix_command(const MatrixCliOptions& o, const Globals& g) {
  MatrixOptions mo;
  mo.matrix = o.matrix.find('/') == std::string::npos && !o.matrix.ends_with(".json") ? shipped_file("matrix/" + o.matrix + ".json")
                                                                                     : std::filesystem::path(o.matrix);
  if (mo.matrix.empty()) return usage_error("no matrix named '" + o.matrix + "' under matrix/").add_context("MATRIX");
  mo.cells = o.cells;
  // Default: half the cores, so each cell's rigs keep a core for the engine and podman.
  mo.jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency() / 2);
  RIG_CHECK(check_output_dir(o.out, {"summary.json"}, "matrix result directory").context("--out"));
  mo.out = o.out;
  if (o.port_base < 1024 || o.port_base > 64000) return usage_error("expected a port between 1024 and 64000").add_context("--port-base");
  mo.port_base = o.port_base;
  mo.host_label = o.host_label;
  for (auto& e : o.engine_endpoints) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size())
      return usage_error("expected NAME=ENDPOINT (e.g. podman=unix:///run/podman/podman.sock), got '" + e + "'").add_context("--engine-endpoint");
    RIG_CHECK(check_engine_option(e.substr(eq + 1)).context("--engine-endpoint " + e.substr(0, eq)));
    mo.engine_endpoints[e.substr(0, eq)] = e.substr(eq + 1);
  }
  mo.resolve_recipe = [](const std::string& name) { return resolve_recipe_arg(name); };
  mo.resolve_host = [](const std::string& name) { return shipped_file("recipes/hosts/" + name + ".json"); };
  mo.web_recipe = inner_image_recipe("inner-web");
  mo.base_recipe = inner_image_recipe("inner-base");
  mo.baseline_script = shipped_file("ci/smoke-baseline.sh");
  mo.progress = [](const std::string& m) { spdlog::info("{}", m); };
  RIG_TRY(auto summary, run_matrix(mo, g.borders()));
  if (o.json_out) std::fputs((json_text(summary, 2) + "\n").c_str(), stdout);
  else std::fputs(summary_markdown(summary).c_str(), stdout);
  std::fflush(stdout);
  spdlog::info("results in {}", o.out);
  if (!summary_passed(summary))
    return Error(Category::Checks, "matrix: " + std::to_string(failed_cells(summary)) + " cell(s) failed",
                 "per-cell reports are under " + o.out + "/cells/");
  return ok();
}

}  // namespace

void register_matrix(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<MatrixCliOptions>();
  auto* sub = app.add_subcommand("matrix", "Run smoke/ablate/bench/image checks across a matrix of recipes, arches, engines and inner options");
  sub->add_option("matrix", o->matrix, "Matrix file, or a name under matrix/ (ci, nightly, full)")->required();
  sub->add_option("--cells", o->cells, "Only cells whose id matches one of these comma-separated globs");
  sub->add_option("--jobs", o->jobs, "Cells at a time (default: half the cores)")->check(CLI::Range(1u, 1024u));
  sub->add_option("--port-base", o->port_base, "First loopback port of the cells' 200-port windows")->capture_default_str();
  sub->add_option("--out", o->out, "Result directory (replaced when complete)")->capture_default_str();
  sub->add_option("--host-label", o->host_label, "Name of this host in the results (merged reports tell hosts apart by it)")
      ->capture_default_str();
  sub->add_option("--engine-endpoint", o->engine_endpoints, "NAME=ENDPOINT for an outer engine (repeatable; overrides the matrix file)");
  sub->add_flag("--json", o->json_out, "Print the summary as JSON instead of Markdown");
  sub->callback([o, &action, &g] { action = [o, &g] { return matrix_command(*o, g); }; });
}

}  // namespace rig::cli
