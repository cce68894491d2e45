#include "core/clock.hpp"
#include "matrix/cell_run.hpp"

#include <chrono>

#include "bench/bench.hpp"
#include "core/fs.hpp"
#include "matrix/applicability.hpp"
#include "matrix/image_checks.hpp"
#include "smoke/ablate_run.hpp"
#include "smoke/provision.hpp"
#include "smoke/report.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

namespace {


std::string endpoint_of(const Cell& c, const HostInfo& h) {
  const EngineFacts* e = cell_engine(c, h);
  return e ? e->endpoint : "";
}

std::string network_of(const Cell& c) { return c["network"] == "default" ? "" : c["network"]; }

// A stage that could not run to a verdict (build error, engine error): a failure with the message.
StageResult failed(const std::string& stage, const Error& e) { return {stage, "fail", e.what(), 0, json::object()}; }

Result<StageResult> image_stage(const Cell& c, const CellEnv& env, const Borders& b) {
  auto conn = b.engines.connect(endpoint_of(c, *env.host));
  if (!conn) return failed("image", conn.error());
  EngineImageStore store(*conn->engine);
  // The inner images too: a foreign arch's whole image set must build here, not only the outer one.
  auto p = b.images.provision(store, *env.recipe, ProvisionRequest{env.web_recipe, env.base_recipe, c["arch"], ""}, {});
  if (!p) {
    if (p.error().category() == Category::Interrupted) return std::move(p).error();
    return failed("image", p.error());
  }
  auto checks = image_checks_for(*env.recipe, c["arch"]);
  auto results = run_image_checks(*conn->engine, p->outer_ref, checks, new_run_id());
  if (!results) {
    if (results.error().category() == Category::Interrupted) return std::move(results).error();
    return failed("image", results.error());
  }
  bool inner_ok = !p->web_ref.empty() && std::filesystem::exists(p->web_archive) && std::filesystem::exists(p->base_archive);
  results->push_back({"inner-images", "inner images built for " + c["arch"], inner_ok, p->web_ref + " " + p->base_ref});
  StageResult s{"image", "pass", "", 0, {{"image", p->outer_ref}, {"checks", json::array()}}};
  for (auto& r : *results) {
    s.detail["checks"].push_back({{"id", r.id}, {"title", r.title}, {"status", r.passed ? "pass" : "fail"}, {"output", r.output}});
    if (!r.passed && s.status == "pass") {
      s.status = "fail";
      s.reason = r.id + ": got '" + r.output + "'";
    }
  }
  RIG_CHECK(write_file_atomic(env.out_dir / "image.json", json_text(s.detail, 2) + "\n"));
  return s;
}

// `stage` is "smoke" (the recipe's flags as written) or "confine" (the same chain under the
// tailored AppArmor profile, which adds the apparmor-confined check). The smoke stage's report is
// kept in `smoke_report`: the cell's ablate stage may take it as its baseline.
Result<StageResult> smoke_stage(const std::string& stage, const Cell& c, const CellEnv& env, const Borders& b,
                                std::optional<SmokeReport>& smoke_report) {
  SmokeRequest req;
  auto& so = req.session;
  so.recipe = env.recipe_path;
  so.engine = endpoint_of(c, *env.host);
  so.port_search_from = env.port_base;
  so.arch = c["arch"];
  so.inner_storage = c["storage"];
  so.web_recipe = env.web_recipe;
  so.base_recipe = env.base_recipe;
  if (stage == "confine") so.apparmor = "tailored";
  req.inner_network = network_of(c);
  auto rep = run_smoke(req, b, {});
  if (!rep) {
    if (rep.error().category() == Category::Interrupted) return std::move(rep).error();
    return failed(stage, rep.error());
  }
  RIG_CHECK(write_file_atomic(env.out_dir / (stage + ".json"), json_text(report_json(*rep), 2) + "\n"));
  RIG_CHECK(write_file_atomic(env.out_dir / (stage + ".junit.xml"), report_junit(*rep)));
  if (stage == "smoke") smoke_report = *rep;
  StageResult s{stage, rep->passed() ? "pass" : "fail", "", rep->seconds, json::object()};
  // "order" keeps the chain's order: the checks object is keyed (and so sorted) by id.
  json checks = json::object(), order = json::array();
  for (auto& ch : rep->checks) {
    checks[ch.id] = check_state_name(ch.status);
    order.push_back(ch.id);
    if (ch.id == "restart-workspace") s.detail["restart_seconds"] = ch.metric;
  }
  if (auto* f = rep->first_failure()) s.reason = "first failure: " + f->id;
  s.detail["passed"] = rep->count(CheckState::Pass);
  s.detail["not_applicable"] = rep->count(CheckState::NotApplicable);
  s.detail["total"] = rep->checks.size();
  s.detail["checks"] = checks;
  s.detail["order"] = order;
  s.detail["podman_version"] = rep->host.podman_version;
  s.detail["inner_engine"] = rep->host.inner_engine;
  s.detail["inner_version"] = rep->host.inner_version;
  return s;
}

// A passing smoke stage of the same cell (same host, engine, image, inner network and storage) is the
// baseline: the ablation then launches no rig to show again what that stage just showed.
Result<StageResult> ablate_stage(const Cell& c, const CellEnv& env, const Borders& b, const std::optional<SmokeReport>& smoke_report) {
  AblationOptions ao;
  ao.recipe = env.recipe_path;
  ao.engine = endpoint_of(c, *env.host);
  ao.jobs = env.ablate_jobs;
  ao.only = env.ablate_only;
  ao.only_if_present = true;  // the matrix's list spans recipes whose items differ
  ao.web_recipe = env.web_recipe;
  ao.base_recipe = env.base_recipe;
  ao.first_port = env.port_base + 20;
  ao.inner_network = network_of(c);
  ao.inner_storage = c["storage"];
  ao.arch = c["arch"];
  ao.prior_baseline = smoke_report;
  auto rep = run_ablation(ao, b);
  if (!rep) {
    if (rep.error().category() == Category::Interrupted) return std::move(rep).error();
    return failed("ablate", rep.error());
  }
  RIG_CHECK(write_file_atomic(env.out_dir / "ablate.json", json_text(ablation_json(*rep), 2) + "\n"));
  RIG_CHECK(write_file_atomic(env.out_dir / "ablate.md", ablation_markdown(*rep)));
  RIG_CHECK(write_file_atomic(env.out_dir / "ablate.junit.xml", ablation_junit(*rep)));
  // Verdicts are findings, not failures; only a failing baseline (no verdict possible) fails the stage.
  StageResult s{"ablate", rep->baseline_passed ? "pass" : "fail", "", rep->seconds, json::object()};
  if (!rep->baseline_passed) s.reason = "the baseline (full profile) fails the chain";
  // An array: the recipe's order (flags, then hardenings) is the order a reader expects.
  json items = json::array();
  for (auto& it : rep->items)
    items.push_back({{"id", it.item.id}, {"verdict", verdict_name(it.verdict)}, {"observed_check", it.observed_check},
                     {"observed_error", it.observed_error.substr(0, 300)}, {"reason", it.reason}});
  s.detail["items"] = items;
  s.detail["baseline_passed"] = rep->baseline_passed;
  s.detail["baseline_smoke_run"] = rep->baseline_smoke_run;
  return s;
}

Result<StageResult> bench_stage(const Cell& c, const CellEnv& env, const Borders& b) {
  BenchOptions bo;
  bo.recipe = env.recipe_path;
  bo.engine = endpoint_of(c, *env.host);
  bo.arch = c["arch"];
  bo.items = {env.bench_items.begin(), env.bench_items.end()};
  bo.runs = env.bench_runs;
  bo.web_recipe = env.web_recipe;
  bo.base_recipe = env.base_recipe;
  bo.inner_network = network_of(c);
  bo.first_port = env.port_base + 150;
  bo.baseline_script = env.baseline_script;
  auto rep = run_bench(bo, b);
  if (!rep) {
    if (rep.error().category() == Category::Interrupted) return std::move(rep).error();
    return failed("bench", rep.error());
  }
  json j = bench_json(*rep);
  RIG_CHECK(write_file_atomic(env.out_dir / "bench.json", json_text(j, 2) + "\n"));
  RIG_CHECK(write_file_atomic(env.out_dir / "bench.md", bench_markdown(*rep)));
  StageResult s{"bench", "pass", "", rep->seconds, {{"items", j["items"]}}};
  for (auto& it : rep->items)
    if (it.status == "failed" && s.status == "pass") {
      s.status = "fail";
      s.reason = it.id + ": " + it.reason;
    }
  return s;
}

}  // namespace

void settle_status(CellResult& r) {
  bool any_pass = false;
  for (auto& s : r.stages) {
    if (s.status == "fail") {
      r.status = "fail";
      r.reason = s.stage + ": " + s.reason;
      return;
    }
    any_pass = any_pass || s.status == "pass";
  }
  if (any_pass) {
    r.status = "pass";
    r.reason.clear();
    return;
  }
  r.status = "not-applicable";
  r.reason = r.stages.empty() ? "no stages" : r.stages.front().reason;
}

Result<CellResult> run_cell(const Cell& c, const CellEnv& env, const Borders& b) {
  auto t0 = Clock::now();
  CellResult out;
  out.cell = c;
  if (auto why = cell_not_applicable(c, *env.host, *env.recipe); !why.empty()) {
    for (auto& st : c.run) out.stages.push_back({st, "not-applicable", why, 0, json::object()});
    settle_status(out);
    return out;
  }
  std::error_code ec;
  std::filesystem::create_directories(env.out_dir, ec);
  if (ec) return internal_error("create " + env.out_dir.string() + ": " + ec.message());
  std::optional<SmokeReport> smoke_report;  // the smoke stage's, for the ablate stage's baseline
  for (auto& stage : c.run) {
    if (auto why = stage_not_applicable(c, stage, *env.host, *env.recipe); !why.empty()) {
      out.stages.push_back({stage, "not-applicable", why, 0, json::object()});
      continue;
    }
    if (env.progress) env.progress(c.id() + ": " + stage);
    auto ts = Clock::now();
    Result<StageResult> r = internal_error("unknown stage " + stage);
    if (stage == "image") r = image_stage(c, env, b);
    else if (stage == "smoke" || stage == "confine") r = smoke_stage(stage, c, env, b, smoke_report);
    else if (stage == "ablate") r = ablate_stage(c, env, b, smoke_report);
    else if (stage == "bench") r = bench_stage(c, env, b);
    if (!r) {
      if (r.error().category() == Category::Interrupted) return std::move(r).error();
      r = failed(stage, r.error());
    }
    r->seconds = since(ts);
    if (env.progress) env.progress(c.id() + ": " + stage + " " + r->status + (r->reason.empty() ? "" : " (" + r->reason + ")"));
    out.stages.push_back(std::move(r).value());
  }
  out.seconds = since(t0);
  settle_status(out);
  RIG_CHECK(write_file_atomic(env.out_dir / "cell.json", json_text(json{{"id", c.id()}, {"status", out.status}, {"reason", out.reason}}, 2) + "\n"));
  return out;
}

}  // namespace rig
