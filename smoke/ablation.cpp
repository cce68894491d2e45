#include "smoke/ablation.hpp"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>

#include "security/capability.hpp"
#include "core/report_format.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/report.hpp"

namespace rig {

namespace {

std::string first_lines(const std::string& s, size_t n) {
  std::istringstream in(s);
  std::string line, out;
  size_t i = 0;
  while (i < n && std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    out += (out.empty() ? "" : " / ") + line;
    ++i;
  }
  return out;
}

// The line that says what went wrong: the one matching the expected signature, else the first that
// mentions an error, else the first lines. Warnings podman prints on every call are noise here.
std::string key_line(const std::string& output, const std::string& signature) {
  std::istringstream in(output);
  std::string line, error_line;
  std::regex re(signature, std::regex::ECMAScript | std::regex::icase);
  while (std::getline(in, line)) {
    if (std::regex_search(line, re)) return line;
    if (error_line.empty() && line.find("level=warning") == std::string::npos &&
        (line.find("rror") != std::string::npos || line.find("failed") != std::string::npos || line.find("denied") != std::string::npos))
      error_line = line;
  }
  return error_line.empty() ? first_lines(output, 3) : error_line;
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Required: return "required";
    case Verdict::RequiredDifferent: return "required, different failure";
    case Verdict::NotNeeded: return "not needed on this host";
    case Verdict::NotApplicable: return "not applicable";
  }
  return "?";
}

std::vector<AblationItem> ablation_items(const Recipe& r, const std::string& engine_kind, const HostFeatures& host,
                                         const std::string& inner_storage) {
  std::vector<AblationItem> out;
  if (!r.launch) return out;
  const InnerStorage* st = r.launch->find_storage(inner_storage);
  const std::string storage = st ? st->id : inner_storage;
  for (auto& f : r.launch->flags) {
    AblationItem it{f.id, "flag", f.option + ": " + f.what, f.why, f.expect_check, f.expect_signature, "", &f, nullptr, "", false};
    if (std::find(f.engines.begin(), f.engines.end(), engine_kind) == f.engines.end())
      it.not_applicable = engine_kind + " does not use this flag";
    else
      it.not_applicable = flag_not_applicable(f, host, storage);
    out.push_back(it);
  }
  for (auto& h : r.launch->hardening) {
    bool image = h.kind == "file_capabilities" || h.kind == "file_line" || h.kind == "directory";
    AblationItem it{h.id, image ? "image" : "launch", h.what, h.why, h.expect_check, h.expect_signature, "", nullptr, &h, "", false};
    if (h.kind == "cgroup_delegation") it.not_applicable = cgroup_delegation_not_applicable(*r.launch, host, engine_kind);
    out.push_back(it);
  }
  if (const auto& caps = r.launch->capabilities) {
    for (auto& k : caps->keep) {
      AblationItem it{capability_item_id(k.name), "capability", "CapDrop " + k.name + " as well", k.why, k.expect_check,
                      k.expect_signature, "", nullptr, nullptr, k.name, false};
      out.push_back(it);
    }
    for (auto& d : caps->drop) {
      AblationItem it{capability_item_id(d), "capability", "CapDrop " + d + " (the profile drops it)",
                      caps->measured.empty() ? "not needed by the chain" : caps->measured, "", "", "", nullptr, nullptr, d, true};
      out.push_back(it);
    }
  }
  return out;
}

Result<Recipe> variant_recipe(const Recipe& r, const Hardening& h) {
  Recipe v = r;
  if (h.kind == "file_capabilities") {
    v.file_capabilities.clear();
  } else if (h.kind == "file_line") {
    auto f = std::find_if(v.files.begin(), v.files.end(), [&](const FileEntry& e) { return e.path == h.path; });
    if (f == v.files.end()) return usage_error("hardening '" + h.id + "': no file '" + h.path + "' in the recipe");
    auto pos = f->content.find(h.line);
    if (pos == std::string::npos) return usage_error("hardening '" + h.id + "': '" + h.path + "' has no line '" + h.line + "'");
    auto end = f->content.find('\n', pos);
    f->content.erase(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
  } else if (h.kind == "directory") {
    auto d = std::remove_if(v.directories.begin(), v.directories.end(), [&](const Directory& e) { return e.path == h.path; });
    if (d == v.directories.end()) return usage_error("hardening '" + h.id + "': no directory '" + h.path + "' in the recipe");
    v.directories.erase(d, v.directories.end());
  } else {
    return usage_error("hardening '" + h.id + "' of kind " + h.kind + " needs no image variant");
  }
  v.name = r.name + "-without-" + h.id;
  v.text = r.text + "\n// rigctl ablate: without " + h.id + "\n";
  return v;
}

ItemResult judge(const AblationItem& item, const std::vector<CheckResult>& checks, double baseline_restart) {
  ItemResult res;
  res.item = item;
  res.checks = checks;
  if (!item.not_applicable.empty()) {
    res.verdict = Verdict::NotApplicable;
    res.reason = item.not_applicable;
    return res;
  }
  if (item.by_baseline) {
    // Only reached once the baseline passed (run_ablation stops at a failing one): the baseline is a
    // run without this capability that passed the whole chain.
    res.verdict = Verdict::NotNeeded;
    res.reason = "dropped by the profile: the baseline passed the chain without it";
    return res;
  }
  const CheckResult* failed = nullptr;
  for (auto& c : checks) {
    if (c.id == "restart-workspace" && c.status == CheckState::Pass) res.restart_seconds = c.metric;
    if (!failed && c.status == CheckState::Fail) failed = &c;
  }
  if (item.expect_signature == "slow-restart") {
    if (failed) {
      res.verdict = Verdict::RequiredDifferent;
      res.observed_check = failed->id;
      res.observed_error = first_lines(failed->output, 3);
      res.reason = "expected a slow restart, but the chain failed";
      return res;
    }
    // Slow: the restart took most of the stop timeout longer than the baseline's. An init stops on
    // SIGTERM at once, so its restart is the baseline's whatever the timeout.
    double extra = res.restart_seconds - std::max(0.0, baseline_restart);
    double limit = kSlowRestartShare * kSlowRestartStopTimeout;
    char buf[200];
    std::snprintf(buf, sizeof buf, "restart took %.1f s (with it: %.1f s), %.1f s longer: %.0f%% of the %d s stop timeout", res.restart_seconds,
                  baseline_restart, extra, 100.0 * extra / kSlowRestartStopTimeout, kSlowRestartStopTimeout);
    res.observed_check = item.expect_check;
    res.observed_error = buf;
    res.verdict = res.restart_seconds >= 0 && extra >= limit ? Verdict::Required : Verdict::NotNeeded;
    res.reason = res.verdict == Verdict::Required ? "slow restart, as expected" : "restart was not slow";
    return res;
  }
  if (!failed) {
    res.verdict = Verdict::NotNeeded;
    res.reason = "the whole chain passed without it";
    return res;
  }
  res.observed_check = failed->id;
  res.observed_error = key_line(failed->output, item.expect_signature);
  std::regex re(item.expect_signature, std::regex::ECMAScript | std::regex::icase);
  bool same_check = failed->id == item.expect_check;
  bool same_error = std::regex_search(failed->output, re);
  if (same_check && same_error) {
    res.verdict = Verdict::Required;
    res.reason = "failed at " + failed->id + " with the expected signature";
  } else {
    res.verdict = Verdict::RequiredDifferent;
    res.reason = std::string("expected ") + item.expect_check + " /" + item.expect_signature + "/, saw " + failed->id +
                 (same_error ? " (signature matched)" : "");
  }
  return res;
}

std::string ablation_table(const AblationReport& r) {
  std::ostringstream o;
  char line[512];
  std::snprintf(line, sizeof line, "baseline (nothing removed): %s in %.2f s%s\n", r.baseline_passed ? "pass" : "FAIL",
                r.baseline_seconds, r.baseline_smoke_run.empty() ? "" : (" (the smoke run " + r.baseline_smoke_run + ")").c_str());
  o << line;
  std::snprintf(line, sizeof line, "%-18s %-10s %-29s %-18s %7s  %s\n", "item", "level", "verdict", "failed at", "time", "observed");
  o << line;
  for (auto& i : r.items) {
    std::snprintf(line, sizeof line, "%-18s %-10s %-29s %-18s %6.1fs  %s\n", i.item.id.c_str(), i.item.level.c_str(),
                  verdict_name(i.verdict), i.observed_check.empty() ? "-" : i.observed_check.c_str(), i.seconds,
                  (i.verdict == Verdict::NotApplicable ? i.reason : i.observed_error.empty() ? i.reason : i.observed_error)
                      .substr(0, 160)
                      .c_str());
    o << line;
    if (i.verdict == Verdict::RequiredDifferent) o << "                   " << i.reason << "\n";
  }
  std::snprintf(line, sizeof line, "%zu items in %.1f s (%s %s, kernel %s)\n", r.items.size(), r.seconds,
                r.host.engine.c_str(), r.host.engine_version.c_str(), r.host.kernel.c_str());
  o << line;
  return o.str();
}

std::string ablation_markdown(const AblationReport& r) {
  std::ostringstream o;
  o << "| item | level | what | why | verdict | observed error |\n|---|---|---|---|---|---|\n";
  for (auto& i : r.items)
    o << "| `" << i.item.id << "` | " << i.item.level << " | " << md_cell(i.item.what) << " | " << md_cell(i.item.why) << " | **"
      << verdict_name(i.verdict) << "** | "
      << md_cell(i.verdict == Verdict::NotApplicable ? i.reason
                 : i.observed_error.empty()           ? i.reason
                                                      : (i.observed_check + ": " + i.observed_error))
      << " |\n";
  o << "\nMeasured on: kernel " << r.host.kernel << ", " << r.host.engine << " " << r.host.engine_version << " (API "
    << r.host.api_version << "), " << (r.host.inner_engine.empty() ? "podman" : r.host.inner_engine) << " "
    << (r.host.inner_version.empty() ? r.host.podman_version : r.host.inner_version) << " inside, arch " << r.host.arch
    << ". Baseline chain: "
    << (r.baseline_passed ? std::to_string(r.baseline.size()) + "/" + std::to_string(r.baseline.size()) : std::string("FAILED"))
    << (r.baseline_smoke_run.empty() ? "" : " (the smoke run " + r.baseline_smoke_run + ")") << ".\n";
  return o.str();
}

json ablation_json(const AblationReport& r) {
  json items = json::array();
  for (auto& i : r.items) {
    json checks = json::array();
    for (auto& c : i.checks) checks.push_back({{"id", c.id}, {"status", check_state_name(c.status)}, {"duration_seconds", c.seconds}});
    items.push_back({{"id", i.item.id},
                     {"level", i.item.level},
                     {"what", i.item.what},
                     {"why", i.item.why},
                     {"expected", {{"check", i.item.expect_check}, {"signature", i.item.expect_signature}}},
                     {"verdict", verdict_name(i.verdict)},
                     {"observed_check", i.observed_check},
                     {"observed_error", i.observed_error},
                     {"reason", i.reason},
                     {"restart_seconds", i.restart_seconds},
                     {"duration_seconds", i.seconds},
                     {"checks", checks}});
  }
  return {{"recipe", r.recipe},
          {"baseline",
           {{"passed", r.baseline_passed},
            {"duration_seconds", r.baseline_seconds},
            {"restart_seconds", r.baseline_restart},
            {"smoke_run", r.baseline_smoke_run}}},
          {"items", items},
          {"duration_seconds", r.seconds},
          {"host",
           {{"kernel", r.host.kernel},
            {"engine", r.host.engine},
            {"engine_version", r.host.engine_version},
            {"api_version", r.host.api_version},
            {"podman_version", r.host.podman_version},
            {"inner_engine", r.host.inner_engine},
            {"inner_version", r.host.inner_version},
            {"arch", r.host.arch}}}};
}

std::string ablation_junit(const AblationReport& r) {
  JUnitSuite suite{"rigctl.ablate." + r.recipe, std::nullopt, {}, {}};
  JUnitCase baseline{suite.name, "baseline", std::nullopt, JUnitCase::Outcome::Pass, "", "", ""};
  if (!r.baseline_passed) {
    baseline.outcome = JUnitCase::Outcome::Fail;
    baseline.message = "the full profile does not pass the chain";
  }
  suite.cases.push_back(baseline);
  for (auto& i : r.items) {
    JUnitCase jc{suite.name, i.item.id + ": " + verdict_name(i.verdict), std::nullopt, JUnitCase::Outcome::Pass, "", "", ""};
    if (i.verdict == Verdict::NotApplicable) {
      jc.outcome = JUnitCase::Outcome::Skip;
      jc.message = i.reason;
    } else if (i.verdict == Verdict::RequiredDifferent) {
      jc.outcome = JUnitCase::Outcome::Fail;
      jc.message = i.reason;
      jc.body = i.observed_error;
    }
    suite.cases.push_back(std::move(jc));
  }
  return junit_xml({"rigctl ablate", std::nullopt, {std::move(suite)}});
}

}  // namespace rig
