#include "core/clock.hpp"
#include "smoke/ablate_run.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/interrupt.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

namespace {


struct ChainRun {
  std::vector<CheckResult> checks;
  HostFacts facts;
  AblatedImage image;
};

// What the ablation's rigs ran: the outer image and the tailored seccomp profile.
AblatedImage ablated_image(const Provisioned& images) {
  return {images.outer_manifest_digest, images.outer_config_digest,
          images.seccomp_profile.empty() ? "" : sha256_hex(images.seccomp_profile)};
}

// One rig through the chain. A rig that cannot even be launched fails at a pseudo-check "launch".
Result<ChainRun> run_one(const SessionOptions& so, const std::string& inner_network, const Borders& b,
                         const std::set<std::string>& only = {}, int restart_timeout_s = kRestartStopTimeout) {
  ChainRun out;
  auto s = open_session(so, b, {});
  if (!s) {
    // No verdict can come from a rig that could not be tried: an interrupt, no engine, no ports.
    if (s.error().category() == Category::Interrupted || s.error().category() == Category::Unavailable)
      return std::move(s).error();
    CheckResult launch;
    launch.number = 0;
    launch.id = "launch";
    launch.title = "launch the rig";
    launch.status = CheckState::Fail;
    launch.output = valid_utf8(tail(s.error().what()));  // bounded like every check's output: signatures are regexes
    out.checks.push_back(launch);
    return out;
  }
  auto& sess = *s.value();
  out.facts = session_facts(sess);
  out.image = ablated_image(sess.images);
  auto in = chain_inputs(sess, inner_network, so.inner_storage);
  in.stop_at_first_failure = true;
  in.only = only;
  in.restart_timeout_s = restart_timeout_s;
  RIG_TRY(out.checks, run_chain(in, out.facts));
  return out;
}

}  // namespace

bool prior_baseline_usable(const SmokeReport& prior, const std::string& outer_manifest_digest, const std::string& inner_network,
                           const std::string& inner_storage) {
  return prior.passed() && !prior.checks.empty() && !outer_manifest_digest.empty() && prior.outer_manifest_digest == outer_manifest_digest &&
         prior.inner_network == inner_network && (inner_storage.empty() || prior.inner_storage == inner_storage);
}

Result<AblationReport> run_ablation(const AblationOptions& o, const Borders& b) {
  auto t0 = Clock::now();
  auto say = [&](const std::string& m) {
    if (o.progress) o.progress(m);
  };
  AblationReport report;
  RIG_TRY(auto recipe, load_recipe(o.recipe));
  report.recipe = recipe.name;
  if (!recipe.launch) return usage_error("recipe '" + o.recipe.string() + "' has no \"launch\" profile");
  RIG_TRY(auto conn, b.engines.connect(o.engine));
  auto items = ablation_items(recipe, conn.version.kind(), host_features(conn.version), o.inner_storage);
  if (!o.only.empty()) {
    std::vector<AblationItem> chosen;
    for (auto& id : o.only) {
      auto it = std::find_if(items.begin(), items.end(), [&](const AblationItem& i) { return i.id == id; });
      if (it == items.end()) {
        if (o.only_if_present) continue;
        return usage_error("'" + id + "' is neither a flag, a hardening nor a capability of the recipe").add_context("--only");
      }
      chosen.push_back(*it);
    }
    if (chosen.empty())
      return usage_error("none of " + join(o.only, ", ") + " is a flag, a hardening or a capability of recipe '" + recipe.name + "'")
          .add_context("ablate.only");
    items = chosen;
  }

  SessionOptions base;
  base.recipe = o.recipe;
  base.recipe_object = recipe;
  base.engine = o.engine;
  base.web_recipe = o.web_recipe;
  base.base_recipe = o.base_recipe;
  base.inner_storage = o.inner_storage;
  base.arch = o.arch;

  // Each rig reserves its own window at or above first_port when it launches (core/ports.hpp): the
  // reservation, not a probe, keeps items running side by side (and other rigctl runs) apart.
  base.port_search_from = o.first_port;
  // Only the port the chain reaches: publishing the profile's other nine cost each rig ~0.45 s of CPU
  // (docker-proxy and iptables, at start, restart and removal) and ~0.8 s — a tenth of an ablation on
  // 2 cores. How many ports are published is no flag, hardening or capability: no verdict changes.
  base.first_port_only = true;

  // The images once, for every rig of the recipe as written (an image-level item's variant is
  // another image and provisions its own): nothing is built, loaded or archived twice.
  say("images: provisioning");
  RIG_TRY(auto images, provision_session_images(base, recipe, conn, b, {}));
  base.images = std::make_shared<const Provisioned>(std::move(images));

  // The baseline proves the full profile works here; without it no verdict means anything. It runs
  // beside the items (their rigs are isolated from each other) and the items are judged only once it
  // passed, so a failing baseline costs no more than waiting for it first would have.
  struct Job {
    SessionOptions so;
    std::set<std::string> only;
    int restart_timeout_s = kRestartStopTimeout;
    size_t item = 0;  // index into items; the baseline has none
    bool baseline = false;
  };
  std::vector<Job> todo;
  ChainRun baseline;
  if (o.prior_baseline && prior_baseline_usable(*o.prior_baseline, base.images->outer_manifest_digest, o.inner_network, o.inner_storage)) {
    auto& p = *o.prior_baseline;
    say("baseline: the smoke run " + p.run_id + " (the same image, engine and inner setup)");
    baseline.checks = p.checks;
    baseline.facts = p.host;
    baseline.image = ablated_image(*base.images);
    report.baseline_seconds = p.seconds;
    report.baseline_smoke_run = p.run_id;
  } else {
    Job bj{base, {}, kRestartStopTimeout, 0, true};
    bj.so.name = "rigctl-ablate-baseline-" + new_run_id();
    todo.push_back(std::move(bj));
  }
  report.items.resize(items.size());
  std::vector<std::vector<CheckResult>> item_checks(items.size());
  std::vector<double> item_seconds(items.size(), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    auto& item = items[i];
    if (!item.not_applicable.empty() || item.by_baseline) continue;
    Job job{base, {}, kRestartStopTimeout, i, false};
    auto& so = job.so;
    so.name = "rigctl-ablate-" + item.id + "-" + new_run_id();
    if (item.flag) so.without = {item.flag->id};
    if (!item.capability.empty()) so.drop_capabilities = {item.capability};
    if (item.hardening) {
      auto& h = *item.hardening;
      if (h.kind == "env") so.extra_env[h.name] = h.value;
      if (h.kind == "volume") so.drop_volumes.insert(h.name);
      if (h.kind == "init") so.no_init = true;
      if (h.kind == "cgroup_delegation") so.no_cgroup_delegation = true;
      if (item.level == "image") {
        RIG_TRY(auto v, variant_recipe(recipe, h));
        so.recipe_object = std::move(v);
        so.images.reset();
      }
    }
    // A restart-time item needs only the outer container and the restart: the rest of the chain
    // cannot show its symptom and would only add time. Its stop timeout is short: the symptom (the
    // stop waits the timeout out, PID 1 ignores SIGTERM) shows as a share of it (judge).
    if (item.expect_signature == "slow-restart") {
      job.only = {"outer-up", item.expect_check};
      job.restart_timeout_s = kSlowRestartStopTimeout;
    }
    todo.push_back(std::move(job));
  }

  std::atomic<size_t> next{0};
  std::mutex err_mu;
  std::optional<Error> first_error;
  // Rigs side by side: most of a chain is waiting on the engine and the rig, so twice the cores.
  unsigned jobs = o.jobs ? o.jobs : 2 * std::max(1u, std::thread::hardware_concurrency());
  auto worker = [&] {
    for (size_t k = next++; k < todo.size(); k = next++) {
      if (interrupted()) return;
      auto& job = todo[k];
      auto it0 = Clock::now();
      say(job.baseline ? std::string("baseline: full profile") : "item " + items[job.item].id + ": running");
      auto run = run_one(job.so, o.inner_network, b, job.only, job.restart_timeout_s);
      if (!run) {
        std::lock_guard lock(err_mu);
        if (!first_error) first_error = std::move(run).error().add_context(job.baseline ? "ablate baseline" : "ablate " + items[job.item].id);
        return;
      }
      if (job.baseline) {
        report.baseline_seconds = since(it0);
        baseline = std::move(*run);
      } else {
        item_checks[job.item] = std::move(run->checks);
        item_seconds[job.item] = since(it0);
      }
    }
  };
  Status workers = run_workers(static_cast<unsigned>(std::min<size_t>(jobs, todo.size())), "ablate", worker);
  if (interrupted()) return interrupted_error();
  RIG_CHECK(workers);
  if (first_error) return *first_error;

  report.baseline = baseline.checks;
  report.host = baseline.facts;
  report.image = baseline.image;
  report.baseline_passed = !baseline.checks.empty() &&
                           std::all_of(baseline.checks.begin(), baseline.checks.end(), [](auto& c) { return c.status == CheckState::Pass || c.status == CheckState::NotApplicable; });
  for (auto& c : baseline.checks)
    if (c.id == "restart-workspace") report.baseline_restart = c.metric;
  if (!report.baseline_passed) {
    report.items.clear();
  } else {
    for (size_t i = 0; i < items.size(); ++i) {
      report.items[i] = judge(items[i], item_checks[i], report.baseline_restart);
      report.items[i].seconds = item_seconds[i];
      say("item " + items[i].id + ": " + verdict_name(report.items[i].verdict));
    }
  }
  report.seconds = since(t0);
  return report;
}

}  // namespace rig
