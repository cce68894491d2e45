#include "core/clock.hpp"
#include "matrix/matrix_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"
#include "matrix/applicability.hpp"
#include "matrix/cell_run.hpp"
#include "matrix/matrix_file.hpp"
#include "matrix/summary.hpp"
#include "matrix/image_checks.hpp"
#include "smoke/ablation.hpp"
#include "smoke/provision.hpp"
#include "smoke/session.hpp"
#include "vmhost/vmhost.hpp"

namespace rig {

namespace {


// Where each engine listens when neither the matrix file nor --engine-endpoint says.
const std::map<std::string, std::string> kDefaultEndpoints = {{"docker", "unix:///var/run/docker.sock"},
                                                              {"podman", "unix:///run/podman/podman.sock"},
                                                              {"incus", "incus"},
                                                              {"lxc", "lxc"}};

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
                const MatrixOptions& o, const Borders& b) {
  std::set<std::tuple<std::string, std::string, std::string>> done;
  for (auto& r : todo) {
    const Cell& c = cells[r.index];
    bool any = false;
    for (auto& st : c.run) any = any || stage_not_applicable(c, st, host, *r.recipe).empty();
    const EngineFacts* e = cell_engine(c, host);
    if (!any || !e) continue;
    if (!done.insert({r.recipe->name, c["arch"], e->endpoint}).second) continue;
    if (o.progress) o.progress("prepare " + r.recipe->name + " " + c["arch"] + " on " + e->endpoint);
    auto conn = b.engines.connect(e->endpoint);
    if (!conn) continue;  // the cell reports it
    // Incus and LXC take their own image formats when the cell's session opens (cached there).
    if (!conn->engine) continue;
    ProvisionRequest pr{o.web_recipe, o.base_recipe, c["arch"], ""};
    EngineImageStore store(*conn->engine);
    auto p = b.images.provision(store, *r.recipe, pr, {});
    if (!p && p.error().category() == Category::Interrupted) return std::move(p).error();
    if (!p && o.progress) o.progress("prepare failed (the cells will report it): " + p.error().what());
  }
  return ok();
}

struct GroupRun {
  const std::vector<Cell>& cells;
  std::vector<CellResult>& results;
  const MatrixFile& m;
  const MatrixOptions& o;
  std::filesystem::path staging;
  const Borders& b;
  size_t windows = 0;  // port windows handed out so far (unique across groups)
};

// Prebuilds, then runs one host's cells, `jobs` at a time, each in its own port window.
Status run_group(GroupRun& g, const std::vector<Runnable>& todo, const HostInfo& host, unsigned jobs) {
  RIG_CHECK(prebuild(g.cells, todo, host, g.o, g.b));
  unsigned ablate_jobs = std::max(1u, static_cast<unsigned>(std::max(1, host.cpus)) / jobs);
  // An emulated host (TCG) runs one ablation rig at a time: with the baseline beside an item in a
  // 2-CPU TCG guest the baseline missed its budgets and voided every verdict (vm_noble, CI 2026-12-07).
  if (host.vm.is_object() && host.vm.value("accel", "") == "tcg") ablate_jobs = 1;
  std::atomic<size_t> next{0};
  size_t first_window = g.windows;
  g.windows += todo.size();
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
      const Cell& c = g.cells[todo[k].index];
      CellEnv env;
      env.host = &host;
      env.recipe = todo[k].recipe;
      env.recipe_path = todo[k].recipe_path;
      env.web_recipe = g.o.web_recipe;
      env.base_recipe = g.o.base_recipe;
      env.baseline_script = g.o.baseline_script;
      env.out_dir = g.staging / "cells" / slug(c.id());
      env.port_base = g.o.port_base + 200 * static_cast<uint32_t>((first_window + k) % std::max<uint32_t>(1, (65000 - g.o.port_base) / 200));
      env.ablate_jobs = ablate_jobs;
      env.ablate_only = g.m.ablate_only;
      env.bench_items = g.m.bench_items;
      env.bench_runs = g.m.bench_runs;
      env.progress = g.o.progress;
      auto r = run_cell(c, env, g.b);
      std::lock_guard lock(mu);
      if (!r) {
        if (!stop) stop = std::move(r).error();
        return;
      }
      r->host_label = host.label;
      g.results[todo[k].index] = std::move(r).value();
    }
  };
  Status workers = run_workers(static_cast<unsigned>(std::min<size_t>(jobs, std::max<size_t>(1, todo.size()))), "matrix", worker);
  if (stop) return std::move(*stop);
  RIG_CHECK(workers);
  return ok();
}

// A booted VM host as the matrix sees it: its one engine and what that engine says about its kernel.
HostInfo probe_vm_host(EngineConnector& connector, const std::string& name, const VmHost& vm) {
  HostInfo h;
  h.label = name;
  h.engines["docker"] = probe_engine_facts(connector, vm.endpoint());
  auto c = connector.connect(vm.endpoint());
  if (c) {
    h.kernel = c->version.kernel;
    h.arch = h.engines["docker"].arch;
    h.cpus = c->version.cpus;
    h.apparmor = c->version.apparmor;
  }
  auto& t = vm.timings();
  h.vm = {{"accel", vm.accel()}, {"build", t.build}, {"boot", t.boot}, {"engine_ready", t.engine_ready}};
  h.fuse_device = true;  // the host init creates /dev/fuse 0666
  h.userns_restricted = "unmeasured";
  return h;
}

// The hardened userns sysctl, read in the VM after its cells ran (it must still be what the host
// recipe set): a throwaway container of an outer image the cells loaded reads it from /proc/sys.
void finish_vm_host(EngineConnector& connector, HostInfo& h, VmHost& vm, const std::vector<Runnable>& todo,
                    const std::vector<CellResult>& results) {
  auto c = connector.connect(vm.endpoint());
  if (!c) return;
  for (auto& r : todo) {
    // Only a cell that ran has loaded its outer image into the VM.
    if (results[r.index].status != "pass" && results[r.index].status != "fail") continue;
    std::string ref = "rigctl/" + r.recipe->name + ":" + results[r.index].cell["arch"];
    auto got = run_image_checks(*c->engine, ref,
                                {{"userns", "kernel.apparmor_restrict_unprivileged_userns",
                                  "cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo absent", ""}},
                                new_run_id());
    if (got && !got->empty()) {
      h.userns_restricted = got->front().output + " (read after the cells ran)";
      return;
    }
  }
}

// The VM's serial console (kernel messages, the init's steps, dockerd's exit) goes into the results as
// vm-<name>-console.log: the run dir disappears with the VM, and a cell that failed because the guest
// died or its engine crashed can only be explained from there. A failed cell also prints its tail.
void keep_vm_console(HostInfo& h, const VmHost& vm, const std::vector<Runnable>& todo, const std::vector<CellResult>& results,
                     const MatrixOptions& o, const std::filesystem::path& out_dir) {
  const auto name = "vm-" + h.label.substr(3) + "-console.log";
  std::error_code ec;
  std::filesystem::copy_file(vm.console_log(), out_dir / name, std::filesystem::copy_options::overwrite_existing, ec);
  if (!ec) h.vm["console_log"] = name;
  const bool alive = vm.alive();
  h.vm["alive_after_cells"] = alive;
  bool failed = std::any_of(todo.begin(), todo.end(), [&](const Runnable& r) { return results[r.index].status == "fail"; });
  if (failed && o.progress)
    o.progress(h.label + ": a cell failed; the VM is " + (alive ? "still running" : "gone") + "; console tail:\n" +
               vm.console_tail(25));
}

}  // namespace

Result<json> run_matrix(const MatrixOptions& o, const Borders& b) {
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
  // The recipes, and what the matrix asks of them, are checked before any engine is asked.
  std::map<std::string, Recipe> recipes;
  std::map<std::string, std::filesystem::path> recipe_paths;
  for (auto& name : m.axes.at("recipe")) {
    auto path = o.resolve_recipe ? o.resolve_recipe(name) : std::filesystem::path(name);
    RIG_TRY(auto r, load_recipe(path).context("matrix axes.recipe '" + name + "'"));
    recipes.emplace(name, std::move(r));
    recipe_paths[name] = path;
  }
  // ablate.only: a cell runs the ids its recipe has, so each must be an item of at least one recipe
  // (its ids do not depend on the engine); one that is an item of none is a typo.
  std::set<std::string> known_items;
  if (!m.ablate_only.empty())
    for (auto& [name, r] : recipes)
      for (auto& item : ablation_items(r, "docker", HostFeatures{})) known_items.insert(item.id);
  for (auto& id : m.ablate_only) {
    if (!known_items.count(id))
      return usage_error("'" + valid_utf8(id) + "' is an ablation item of none of the matrix's recipes (expected one of " +
                         join(std::vector<std::string>(known_items.begin(), known_items.end()), ", ") + ")")
          .add_context("ablate.only")
          .add_context("matrix '" + m.file.string() + "'");
  }

  if (o.progress) o.progress("probe host and engines");
  HostInfo host = probe_host_info(b.engines, o.host_label, endpoints);

  std::vector<CellResult> results(cells.size());
  std::map<std::string, std::vector<Runnable>> groups;  // host axis value -> its runnable cells
  for (size_t i = 0; i < cells.size(); ++i) {
    results[i].cell = cells[i];
    results[i].host_label = cells[i]["host"].rfind("vm:", 0) == 0 ? cells[i]["host"] : host.label;
    if (!cell_selected(cells[i], o.cells)) {
      results[i].status = "not-selected";
    } else if (!cells[i].excluded.empty()) {
      results[i].status = "excluded";
      results[i].reason = cells[i].excluded;
    } else {
      groups[cells[i]["host"]].push_back({i, &recipes.at(cells[i]["recipe"]), recipe_paths.at(cells[i]["recipe"])});
    }
  }

  RIG_TRY(auto staging, StagingDir::create(o.out));
  std::vector<HostInfo> hosts{host};
  GroupRun gr{cells, results, m, o, staging.path(), b};
  // The local engines (and DOCKER_HOST's) first, then each VM host booted for its own cells only.
  for (auto& [name, todo] : groups) {
    if (name.rfind("vm:", 0) == 0) continue;
    RIG_CHECK(run_group(gr, todo, hosts.front(), std::max(1u, o.jobs)));
  }
  for (auto& [name, todo] : groups) {
    if (name.rfind("vm:", 0) != 0) continue;
    HostInfo vm;
    vm.label = name;
    std::unique_ptr<VmHost> up;
    auto recipe = o.resolve_host ? o.resolve_host(name.substr(3)) : std::filesystem::path();
    if (recipe.empty()) {
      vm.vm_error = "no host recipe recipes/hosts/" + name.substr(3) + ".json";
    } else {
      if (o.progress) o.progress("boot VM host " + name);
      VmHostOptions vo;
      vo.name = name.substr(3);
      vo.recipe = recipe;
      vo.progress = o.progress;
      auto booted = VmHost::up(vo, b.runner, b.engines);
      if (!booted) {
        if (booted.error().category() == Category::Interrupted) return std::move(booted).error();
        // A VM that cannot boot here (no qemu, no kernel) makes its cells not applicable, with why.
        vm.vm_error = "VM host " + name + ": " + booted.error().what();
      } else {
        up = std::move(booted).value();
        vm = probe_vm_host(b.engines, name, *up);
      }
    }
    // VM cells one at a time: the guest is emulated and has two vCPUs.
    RIG_CHECK(run_group(gr, todo, vm, 1));
    if (up) {
      finish_vm_host(b.engines, vm, *up, todo, results);
      keep_vm_console(vm, *up, todo, results, o, staging.path());
      RIG_CHECK(up->down());
    }
    hosts.push_back(vm);
  }
  if (interrupted()) return interrupted_error();
  // A run of VM cells only does not list this machine as a host of the report.
  bool local_cells = std::any_of(cells.begin(), cells.end(), [](const Cell& c) { return c["host"].rfind("vm:", 0) != 0; });
  if (!local_cells) hosts.erase(hosts.begin());

  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  json summary = summary_json(m.name, hosts, results, secs);
  RIG_CHECK(write_report_files(summary, staging.path()));
  RIG_CHECK(staging.commit());
  return summary;
}

}  // namespace rig
