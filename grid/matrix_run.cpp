#include "grid/matrix_run.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "grid/applicability.hpp"
#include "grid/cell_run.hpp"
#include "grid/matrix_file.hpp"
#include "grid/summary.hpp"
#include "smoke/provision.hpp"

namespace rig {

namespace {

using Clock = std::chrono::steady_clock;

// Where each engine listens when neither the matrix file nor --engine-endpoint says.
const std::map<std::string, std::string> kDefaultEndpoints = {{"docker", "unix:///var/run/docker.sock"},
                                                              {"podman", "unix:///run/podman/podman.sock"}};

std::string slug(std::string id) {
  for (auto& ch : id)
    if (ch == '/' || ch == ':') ch = '_';
  return id;
}

struct Runnable {
  size_t index;  // into the cells list
  const Recipe* recipe;
  std::filesystem::path recipe_path;
};

// Builds (and loads) each image the runnable cells need once, before cells run side by side:
// concurrent cells would otherwise build the same recipe at the same time.
Status prebuild(const std::vector<Cell>& cells, const std::vector<Runnable>& todo, const HostInfo& host,
                const MatrixOptions& o, CommandRunner& runner) {
  std::set<std::tuple<std::string, std::string, std::string>> done;
  for (auto& r : todo) {
    const Cell& c = cells[r.index];
    bool any = false;
    for (auto& st : c.run) any = any || stage_not_applicable(c, st, host, *r.recipe).empty();
    const EngineFacts* e = cell_engine(c, host);
    if (!any || !e) continue;
    if (!done.insert({r.recipe->name, c["arch"], e->endpoint}).second) continue;
    if (o.progress) o.progress("prepare " + r.recipe->name + " " + c["arch"] + " on " + e->endpoint);
    auto conn = connect_engine(e->endpoint);
    if (!conn) continue;  // the cell reports it
    ProvisionRequest pr{o.web_recipe, o.base_recipe, c["arch"], ""};
    auto p = provision_images(*conn->engine, *r.recipe, pr, runner, {});
    if (!p && p.error().category() == Category::Interrupted) return std::move(p).error();
    if (!p && o.progress) o.progress("prepare failed (the cells will report it): " + p.error().what());
  }
  return ok();
}

}  // namespace

Result<json> run_matrix(const MatrixOptions& o, CommandRunner& runner) {
  auto t0 = Clock::now();
  RIG_TRY(auto m, load_matrix(o.matrix));
  auto cells = expand(m);
  size_t selected = 0;
  for (auto& c : cells) selected += cell_selected(c, o.cells);
  if (selected == 0)
    return usage_error("'" + o.cells + "' matches none of the " + std::to_string(cells.size()) + " cells of " + m.name,
                       "cell ids look like local/debian-trixie/amd64/docker/pasta/overlay")
        .add_context("--cells");

  std::map<std::string, std::string> endpoints;
  for (auto& e : m.axes.at("engine")) {
    auto d = kDefaultEndpoints.find(e);
    endpoints[e] = d == kDefaultEndpoints.end() ? "" : d->second;
  }
  for (auto& [k, v] : m.engines) endpoints[k] = v;
  for (auto& [k, v] : o.engine_endpoints) endpoints[k] = v;
  if (o.progress) o.progress("probe host and engines");
  HostInfo host = probe_host_info(o.host_label, endpoints);

  std::map<std::string, Recipe> recipes;
  std::map<std::string, std::filesystem::path> recipe_paths;
  for (auto& name : m.axes.at("recipe")) {
    auto path = o.resolve_recipe ? o.resolve_recipe(name) : std::filesystem::path(name);
    RIG_TRY(auto r, load_recipe(path).context("matrix axes.recipe '" + name + "'"));
    recipes.emplace(name, std::move(r));
    recipe_paths[name] = path;
  }

  std::vector<CellResult> results(cells.size());
  std::vector<Runnable> todo;
  for (size_t i = 0; i < cells.size(); ++i) {
    results[i].cell = cells[i];
    if (!cell_selected(cells[i], o.cells)) {
      results[i].status = "not-selected";
    } else if (!cells[i].excluded.empty()) {
      results[i].status = "excluded";
      results[i].reason = cells[i].excluded;
    } else {
      todo.push_back({i, &recipes.at(cells[i]["recipe"]), recipe_paths.at(cells[i]["recipe"])});
    }
  }

  RIG_TRY(auto staging, StagingDir::create(o.out));
  RIG_CHECK(prebuild(cells, todo, host, o, runner));

  // Cells side by side, each in its own port window; the first interrupt stops handing out cells.
  unsigned jobs = std::max(1u, o.jobs);
  unsigned ablate_jobs = std::max(1u, static_cast<unsigned>(host.cpus) / jobs);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::optional<Error> stop;
  auto worker = [&] {
    for (;;) {
      size_t k = next++;
      if (k >= todo.size()) return;
      {
        std::lock_guard lock(mu);
        if (stop) return;
      }
      const Cell& c = cells[todo[k].index];
      CellEnv env;
      env.host = &host;
      env.recipe = todo[k].recipe;
      env.recipe_path = todo[k].recipe_path;
      env.web_recipe = o.web_recipe;
      env.base_recipe = o.base_recipe;
      env.baseline_script = o.baseline_script;
      env.out_dir = staging.path() / "cells" / slug(c.id());
      env.port_base = 11000 + 200 * static_cast<uint32_t>(k % 250);
      env.ablate_jobs = ablate_jobs;
      env.bench_items = m.bench_items;
      env.bench_runs = m.bench_runs;
      env.progress = o.progress;
      auto r = run_cell(c, env, runner);
      std::lock_guard lock(mu);
      if (!r) {
        if (!stop) stop = std::move(r).error();
        return;
      }
      results[todo[k].index] = std::move(r).value();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned j = 0; j < std::min<size_t>(jobs, std::max<size_t>(1, todo.size())); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (stop) return std::move(*stop);
  if (interrupted()) return interrupted_error();

  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  json summary = summary_json(m.name, host, results, secs);
  RIG_CHECK(write_report_files(summary, staging.path()));
  RIG_CHECK(staging.commit());
  return summary;
}

}  // namespace rig
