#include "bench/bench.hpp"

#include <chrono>
#include <map>

#include "bench/bench_item.hpp"
#include "bench/items.hpp"
#include "core/arch.hpp"

namespace rig {

namespace {

using Measure = Result<std::vector<BenchItem>> (*)(BenchContext&);

const std::map<std::string, Measure>& measures() {
  static const std::map<std::string, Measure> m = {
      {"inner-run-latency", bench_inner_run_latency}, {"podman-info", bench_podman_info},
      {"storage", bench_storage},                     {"restart-init", bench_restart_init},
      {"smoke-vs-shell", bench_smoke_vs_shell},       {"smoke-vs-chain", bench_smoke_vs_chain},
      {"ablate-vs-smoke", bench_ablate_vs_smoke},     {"build", bench_build},
      {"compile", bench_compile},
  };
  return m;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& bench_item_ids() {
  static const std::vector<std::pair<std::string, std::string>> ids = {
      {"inner-run-latency", "podman run --rm in a rig vs a bare engine exec"},
      {"podman-info", "podman info cold (after podman system migrate) vs warm"},
      {"storage", "300-file inner build: native overlay vs fuse-overlayfs"},
      {"restart-init", "outer restart until ready: with --init vs without"},
      {"smoke-vs-shell", "rigctl smoke vs the spike's plain-shell chain"},
      {"smoke-vs-chain", "rigctl smoke vs the same checks written by hand (docker CLI)"},
      {"ablate-vs-smoke", "rigctl ablate (every item) vs one rigctl smoke"},
      {"build", "cold rigctl build vs docker build of the rendered Containerfile"},
      {"compile", "rigctl's compile from a clean tree (no compiler cache) vs the same one file at a time"},
  };
  return ids;
}

std::set<std::string> default_bench_items() {
  std::set<std::string> s;
  for (auto& [id, title] : bench_item_ids())
    if (id != "build" && id != "compile") s.insert(id);  // minutes of mmdebstrap or of the compiler: opt-in
  return s;
}

Status check_bench_items(const std::set<std::string>& items) {
  std::string valid, csv;
  for (auto& [id, title] : bench_item_ids()) {
    valid += (valid.empty() ? "" : ", ") + id;
    csv += (csv.empty() ? "" : ",") + id;
  }
  for (auto& id : items)
    if (!measures().count(id))
      return usage_error("unknown item '" + id + "'; valid ids: " + valid, "for example `--items " + csv + "`").add_context("--items");
  return ok();
}

Result<BenchReport> run_bench(const BenchOptions& o, const Borders& b) {
  auto t0 = std::chrono::steady_clock::now();
  RIG_CHECK(check_bench_items(o.items));
  if (o.runs == 0) return usage_error("--runs must be at least 1");
  RIG_TRY(auto recipe, load_recipe(o.recipe));
  if (!recipe.launch) return usage_error("recipe '" + o.recipe.string() + "' has no \"launch\" profile");
  RIG_TRY(auto conn, b.engines.connect(o.engine));
  // The bench compares against docker-CLI baselines and loads images through the engine's API.
  RIG_TRY(auto* api, docker_api_engine(conn, "rigctl bench"));
  (void)api;

  BenchContext c{o, b, b.runner, std::move(recipe), std::move(conn), {}, o.first_port};
  const auto& v = c.conn.version;
  c.host = {v.kernel, v.kind(), v.version, v.api_version, c.conn.endpoint.display, "",
            o.arch.empty() ? host_arch() : o.arch, c.recipe.launch->inner_engine, ""};
  BenchReport report;
  report.recipe = c.recipe.name;
  auto chosen = o.items.empty() ? default_bench_items() : o.items;
  for (auto& [id, title] : bench_item_ids()) {
    if (!chosen.count(id)) continue;
    RIG_CHECK(BenchContext::check_interrupt());
    c.say(id + ": measuring");
    auto rows = measures().at(id)(c);
    if (!rows) {
      if (rows.error().category() == Category::Interrupted) return std::move(rows).error();
      // Anything else (an exec that failed, a rig that did not come up) fails this item only.
      auto item = new_item(id);
      mark_failed(item, rows.error().what());
      rows = std::vector<BenchItem>{item};
    }
    for (auto& r : *rows) {
      c.say(r.id + ": " + r.status + (r.reason.empty() ? "" : " (" + r.reason + ")"));
      report.items.push_back(std::move(r));
    }
  }
  report.host = c.host;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace rig
