#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "security/seccomp.hpp"
#include "cli/seccomp_cmds.hpp"
#include "core/fs.hpp"

namespace rig::cli {

namespace {

struct SeccompLintCliOptions {
  std::string file;
  std::string baseline;
  std::string caps = "docker-default";
  bool json = false;
};

Result<json> load_profile(const std::string& path) {
  return read_json_file(path);
}

// Names wrapped into indented lines, so long lists stay readable in a terminal and in CI logs.
void print_names(const std::vector<std::string>& names) {
  std::string line = " ";
  for (auto& n : names) {
    if (line.size() + n.size() + 1 > 100) {
      std::printf("%s\n", line.c_str());
      line = " ";
    }
    line += " " + n;
  }
  if (line.size() > 1) std::printf("%s\n", line.c_str());
}

void print_text(const std::string& file, const SeccompLintReport& r, const json& profile) {
  std::printf("profile: %s\n", file.c_str());
  std::string arches;
  for (auto& a : r.arches) arches += (arches.empty() ? "" : " ") + a;
  std::printf("arches: %s\n", arches.c_str());
  for (auto& a : r.unknown_arches) std::printf("warning: architecture %s is unknown to libseccomp\n", a.c_str());
  std::printf("capabilities: %s\n", r.caps_label.c_str());
  std::printf("contradictions: %zu%s\n", r.contradictions.size(),
              r.contradictions.size() >= kMaxSeccompContradictions ? " (the first found; there may be more)" : "");
  for (auto& c : r.contradictions)
    std::printf("  %s: allowed by rule %zu (%s), denied by rule %zu (%s)\n", c.syscall.c_str(), c.allow_rule,
                seccomp_rule_summary(profile["syscalls"][c.allow_rule]).c_str(), c.deny_rule,
                seccomp_rule_summary(profile["syscalls"][c.deny_rule]).c_str());
  std::printf("unknown to libseccomp on every arch (warnings): %zu\n", r.unknown_names.size());
  print_names(r.unknown_names);
  if (r.compared) {
    std::printf("allowed beyond %s on %s: %zu\n", r.baseline_name.c_str(), r.compare_arch.c_str(),
                r.beyond_baseline.size());
    print_names(r.beyond_baseline);
  } else {
    std::printf("beyond Docker's default: not compared (%s)\n", r.not_compared_reason.c_str());
  }
}

Status run_seccomp_lint(const SeccompLintCliOptions& o) {
  RIG_TRY(auto profile, load_profile(o.file));
  SeccompLintOptions opts;
  if (o.caps == "any") opts.caps.reset();
  if (!o.baseline.empty()) {
    RIG_TRY(opts.baseline, load_profile(o.baseline).context("--baseline"));
    opts.baseline_name = o.baseline;
  } else if (std::filesystem::exists(kDockerDefaultSeccompPath)) {
    RIG_TRY(opts.baseline, load_profile(kDockerDefaultSeccompPath).context("Docker's default profile"));
    opts.baseline_name = kDockerDefaultSeccompPath;
  } else {
    opts.not_compared_reason = std::string("Docker's default profile is not at ") + kDockerDefaultSeccompPath +
                               ": apt-get install golang-github-docker-docker-dev, or pass --baseline FILE";
  }
  RIG_TRY(auto report, lint_seccomp(profile, opts).context("lint '" + o.file + "'"));
  if (o.json) {
    json j = seccomp_lint_json(report, profile);
    j["profile"] = o.file;
    std::printf("%s\n", json_text(j, 2).c_str());
  } else {
    print_text(o.file, report, profile);
  }
  std::fflush(stdout);
  if (report.contradictions.empty()) return ok();
  std::vector<std::string> names;
  for (auto& c : report.contradictions)
    if (std::find(names.begin(), names.end(), c.syscall) == names.end()) names.push_back(c.syscall);
  std::string list;
  for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::string under = o.caps == "any" ? "some capability set" : "Docker's default capabilities";
  return Error(Category::Checks,
               std::to_string(names.size()) + " syscall(s) both allowed and denied under " + under + ": " + list,
               "which rule wins depends on the runtime's version: remove each name from one of the two rules "
               "(`rigctl seccomp gen` does so for sethostname, setdomainname and setns)");
}

}  // namespace

void register_seccomp_lint(CLI::App& parent, Action& action, const Globals&) {
  auto o = std::make_shared<SeccompLintCliOptions>();
  auto* sub = parent.add_subcommand(
      "lint",
      "Report syscalls that rules both allow and deny under overlapping conditions (exit 1 if any), names libseccomp "
      "does not know on the profile's architectures, and what the profile allows beyond Docker's default");
  sub->add_option("file", o->file, "Seccomp profile (Docker/podman JSON format)")->required();
  sub->add_option("--baseline", o->baseline,
                  std::string("Docker's default profile to compare with (default: ") + kDockerDefaultSeccompPath +
                      ", from golang-github-docker-docker-dev)");
  sub->add_option("--caps", o->caps,
                  "Capability set rule conditions are evaluated for: docker-default (what `docker run` grants; "
                  "default) or any (overlap under some capability set)")
      ->check(CLI::IsMember({"docker-default", "any"}));
  sub->add_flag("--json", o->json, "Print the report as JSON");
  sub->footer(
      "Rules with argument conditions never count as overlapping; architecture conditions are evaluated against the "
      "profile's archMap/architectures; minKernel conditions are taken as met.");
  sub->callback([o, &action] { action = [o] { return run_seccomp_lint(*o); }; });
}

}  // namespace rig::cli
