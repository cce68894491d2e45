#include "security/seccomp.hpp"

#include <algorithm>
#include "support/catch.hpp"

#include "support/test_util.hpp"

namespace rigtest_security_seccomp {

using rigtest::json;
namespace fs = std::filesystem;

namespace {

json fixture(const std::string& name) {
  return json::parse(rigtest::read_text(rigtest::test_data_dir() / "fixtures/seccomp" / name));
}

rig::SeccompLintReport lint(const json& profile, rig::SeccompLintOptions opts = {}) {
  auto r = rig::lint_seccomp(profile, opts);
  if (!r.ok()) FAIL("lint failed: " << r.error().what());
  return std::move(r).value();
}

std::vector<std::string> contradicted(const std::vector<rig::SeccompContradiction>& cs) {
  std::vector<std::string> out;
  for (auto& c : cs)
    if (std::find(out.begin(), out.end(), c.syscall) == out.end()) out.push_back(c.syscall);
  std::sort(out.begin(), out.end());
  return out;
}

bool names_in(const json& rule, const std::string& n) {
  if (!rule.contains("names")) return false;
  for (auto& x : rule["names"])
    if (x == n) return true;
  return false;
}

// A profile with one unconditional ERRNO rule for `name` plus the given allowing rule.
json pair_profile(json allow_rule, const std::string& name, json arches = json::array({"SCMP_ARCH_X86_64"})) {
  allow_rule["names"] = {name};
  allow_rule["action"] = "SCMP_ACT_ALLOW";
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"architectures", arches},
          {"syscalls", {allow_rule, {{"names", {name}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
}

}  // namespace

TEST_CASE("seccomp lint: podman's stock profile allows and denies setns under Docker's default caps",
          "[builder][seccomp]") {
  auto stock = fixture("podman-stock-trixie.json");
  auto r = lint(stock);
  CHECK(r.caps_label == "docker-default (14)");
  REQUIRE(contradicted(r.contradictions) == std::vector<std::string>{"setns"});
  // The unconditional allow list against the ERRNO rule that applies without CAP_SYS_ADMIN.
  CHECK(r.contradictions[0].allow_rule == 1);
  CHECK(r.contradictions[0].deny_rule == 16);
  CHECK(rig::seccomp_rule_summary(stock["syscalls"][16]) == "SCMP_ACT_ERRNO, excludes caps CAP_SYS_ADMIN");
  CHECK(rig::seccomp_rule_summary(stock["syscalls"][1]) == "SCMP_ACT_ALLOW, unconditional");
  CHECK(r.unknown_names.empty());  // Debian's libseccomp knows every name of the stock profile
  CHECK(r.arches.front() == "x86_64");
  CHECK(std::find(r.arches.begin(), r.arches.end(), "aarch64") != r.arches.end());
  CHECK(r.unknown_arches.empty());
}

TEST_CASE("seccomp lint: perf_event_open counts only when any capability set is considered", "[builder][seccomp]") {
  auto stock = fixture("podman-stock-trixie.json");
  // Allowed only with CAP_PERFMON, which Docker does not grant: no overlap by default.
  auto def = contradicted(lint(stock).contradictions);
  CHECK(std::find(def.begin(), def.end(), "perf_event_open") == def.end());

  rig::SeccompLintOptions any;
  any.caps.reset();
  auto r = lint(stock, any);
  CHECK(r.caps_label == "any");
  CHECK(contradicted(r.contradictions) == std::vector<std::string>{"perf_event_open", "setns"});
  // CAP_PERFMON without CAP_SYS_ADMIN and CAP_BPF: rule 39 allows, rules 16 and 38 deny.
  std::vector<std::pair<size_t, size_t>> perf;
  for (auto& c : r.contradictions)
    if (c.syscall == "perf_event_open") perf.emplace_back(c.allow_rule, c.deny_rule);
  CHECK(perf == std::vector<std::pair<size_t, size_t>>{{39, 16}, {39, 38}});
}

TEST_CASE("seccomp gen: the tailored profile lints clean", "[builder][seccomp]") {
  auto tailored = rig::tailor_seccomp(fixture("podman-stock-trixie.json"));
  REQUIRE(tailored.ok());
  auto r = lint(*tailored);
  CHECK(r.contradictions.empty());
  // tailor_seccomp's guarantee holds under any capability set, too.
  rig::SeccompLintOptions any;
  any.caps.reset();
  auto a = contradicted(lint(*tailored, any).contradictions);
  for (auto& n : rig::kSeccompAllow) CHECK(std::find(a.begin(), a.end(), n) == a.end());
  CHECK(a == std::vector<std::string>{"perf_event_open"});  // the stock profile's own choice, kept
}

TEST_CASE("seccomp gen: the three syscalls are allowed unconditionally and removed elsewhere", "[builder][seccomp]") {
  auto stock = fixture("podman-stock-trixie.json");
  auto t = rig::tailor_seccomp(stock);
  REQUIRE(t.ok());
  const auto& rules = (*t)["syscalls"];
  for (auto& n : rig::kSeccompAllow) {
    int unconditional_allows = 0, others = 0;
    for (auto& rule : rules) {
      if (!names_in(rule, n)) continue;
      bool plain = rule["action"] == "SCMP_ACT_ALLOW" && (!rule.contains("includes") || rule["includes"].empty()) &&
                   (!rule.contains("excludes") || rule["excludes"].empty()) &&
                   (!rule.contains("args") || rule["args"].is_null() || rule["args"].empty());
      (plain ? unconditional_allows : others) += 1;
    }
    CHECK(unconditional_allows == 1);
    CHECK(others == 0);
  }
  // What the stock profile denies otherwise stays denied.
  bool bpf_denied = false, perf_denied = false;
  for (auto& rule : rules)
    if (rule["action"] == "SCMP_ACT_ERRNO") {
      bpf_denied = bpf_denied || names_in(rule, "bpf");
      perf_denied = perf_denied || names_in(rule, "perf_event_open");
    }
  CHECK(bpf_denied);
  CHECK(perf_denied);
  CHECK((*t)["defaultAction"] == stock["defaultAction"]);
  CHECK((*t)["archMap"] == stock["archMap"]);
}

TEST_CASE("seccomp gen: a document that is not a profile is a usage error", "[builder][seccomp]") {
  CHECK(rigtest::error_of(rig::tailor_seccomp(json::array())).category() == rig::Category::Usage);
  json bad = {{"syscalls", {{{"names", {"read", 7}}, {"action", "SCMP_ACT_ALLOW"}}}}};
  CHECK(rigtest::error_of(rig::tailor_seccomp(bad)).category() == rig::Category::Usage);
  CHECK(rigtest::error_of(rig::lint_seccomp(bad, {})).category() == rig::Category::Usage);
}

TEST_CASE("seccomp lint: names libseccomp knows on none of the profile's arches are warnings", "[builder][seccomp]") {
  auto r = lint(fixture("unknown-name.json"));
  // arch_prctl is not an aarch64/arm syscall, but libseccomp knows the name: not "unknown".
  CHECK(r.unknown_names == std::vector<std::string>{"frobnicate_the_kernel", "open_sesame"});
  CHECK(r.arches == std::vector<std::string>{"aarch64", "arm"});
  CHECK(r.contradictions.empty());

  json p = fixture("unknown-name.json");
  p["archMap"][0]["subArchitectures"] = {"SCMP_ARCH_NOPE"};
  auto r2 = lint(p);
  CHECK(r2.unknown_arches == std::vector<std::string>{"SCMP_ARCH_NOPE"});
  CHECK(r2.arches == std::vector<std::string>{"aarch64"});
}

TEST_CASE("seccomp lint: what the profile allows beyond the baseline", "[builder][seccomp]") {
  rig::SeccompLintOptions o;
  o.baseline = fixture("tiny-baseline.json");
  o.baseline_name = "tiny-baseline.json";
  o.compare_arch = "x86_64";
  auto r = lint(fixture("tiny.json"), o);
  REQUIRE(r.compared);
  CHECK(r.compare_arch == "x86_64");
  // bpf needs CAP_SYS_ADMIN (not in Docker's set); cacheflush is an ARM rule; mount is the baseline's
  // only with CAP_SYS_ADMIN.
  CHECK(r.beyond_baseline == std::vector<std::string>{"arch_prctl", "mount", "unshare"});

  o.caps.reset();
  auto any = lint(fixture("tiny.json"), o);
  CHECK(any.beyond_baseline == std::vector<std::string>{"arch_prctl", "bpf", "unshare"});

  // On x86 arch_prctl is no syscall at all.
  o.compare_arch = "x86";
  CHECK(lint(fixture("tiny.json"), o).beyond_baseline == std::vector<std::string>{"bpf", "unshare"});
}

TEST_CASE("seccomp lint: without a baseline the report says why", "[builder][seccomp]") {
  rig::SeccompLintOptions o;
  o.not_compared_reason = "no file";
  auto r = lint(fixture("tiny.json"), o);
  CHECK_FALSE(r.compared);
  CHECK(r.not_compared_reason == "no file");
  auto j = rig::seccomp_lint_json(r, fixture("tiny.json"));
  CHECK(j["baseline"]["compared"] == false);
  CHECK(j["baseline"]["reason"] == "no file");
  CHECK(j["ok"] == true);
}

TEST_CASE("seccomp lint: defaultAction ALLOW allows everything the rules do not deny", "[builder][seccomp]") {
  json p = {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"architectures", {"SCMP_ARCH_X86_64"}},
            {"syscalls", {{{"names", {"mount", "kexec_load"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  auto allowed = rig::seccomp_allowed(p, "x86_64", rig::kDockerDefaultCaps);
  CHECK(allowed.count("read"));
  CHECK(allowed.count("unshare"));
  CHECK(allowed.count("ptrace"));
  CHECK_FALSE(allowed.count("mount"));
  CHECK_FALSE(allowed.count("kexec_load"));
  CHECK_FALSE(allowed.count("cacheflush"));  // ARM only
  CHECK(allowed.size() > 300);

  rig::SeccompLintOptions o;
  o.baseline = fixture("docker-default.json");
  o.compare_arch = "x86_64";
  auto r = lint(p, o);
  CHECK(std::find(r.beyond_baseline.begin(), r.beyond_baseline.end(), "unshare") != r.beyond_baseline.end());
  CHECK(std::find(r.beyond_baseline.begin(), r.beyond_baseline.end(), "mount") == r.beyond_baseline.end());
}

TEST_CASE("seccomp lint: Docker's default profile is clean and adds nothing to itself", "[builder][seccomp]") {
  rig::SeccompLintOptions o;
  o.baseline = fixture("docker-default.json");
  auto r = lint(fixture("docker-default.json"), o);
  CHECK(r.contradictions.empty());
  CHECK(r.beyond_baseline.empty());
  // The stock podman profile, compared with Docker's: it lets the nested engine mount and unshare.
  auto s = lint(fixture("podman-stock-trixie.json"), o);
  for (const char* n : {"mount", "unshare", "setns", "umount2", "pivot_root"})
    CHECK(std::find(s.beyond_baseline.begin(), s.beyond_baseline.end(), n) != s.beyond_baseline.end());
  CHECK(std::find(s.beyond_baseline.begin(), s.beyond_baseline.end(), "sethostname") == s.beyond_baseline.end());
}

TEST_CASE("seccomp lint: capability conditions for a concrete set", "[builder][seccomp]") {
  rig::SeccompContext docker{rig::kDockerDefaultCaps, {"x86_64"}};
  rig::SeccompContext any{std::nullopt, {"x86_64"}};
  // includes.caps needs all of them.
  auto all = pair_profile({{"includes", {{"caps", {"CAP_CHOWN", "CAP_SYS_ADMIN"}}}}}, "mount");
  CHECK(rig::seccomp_contradictions(all, docker).empty());
  CHECK(rig::seccomp_contradictions(all, any).size() == 1);
  auto have = pair_profile({{"includes", {{"caps", {"CAP_CHOWN", "CAP_KILL"}}}}}, "mount");
  CHECK(rig::seccomp_contradictions(have, docker).size() == 1);
  // excludes.caps: applies only if the set has none of them.
  json p = pair_profile(json::object(), "mount");
  p["syscalls"][1]["excludes"] = {{"caps", {"CAP_SYS_ADMIN", "CAP_CHOWN"}}};
  CHECK(rig::seccomp_contradictions(p, docker).empty());
  p["syscalls"][1]["excludes"] = {{"caps", {"CAP_SYS_ADMIN", "CAP_BPF"}}};
  CHECK(rig::seccomp_contradictions(p, docker).size() == 1);
  // A rule that includes what the other excludes never overlaps, under any set.
  p["syscalls"][0]["includes"] = {{"caps", {"CAP_BPF"}}};
  CHECK(rig::seccomp_contradictions(p, any).empty());
}

TEST_CASE("seccomp lint: argument and architecture conditions", "[builder][seccomp]") {
  rig::SeccompContext docker{rig::kDockerDefaultCaps, {"x86_64"}};
  auto args = pair_profile({{"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}}}}, "personality");
  CHECK(rig::seccomp_contradictions(args, docker).empty());
  CHECK(rig::seccomp_contradictions(args).empty());

  auto arm = pair_profile({{"includes", {{"arches", {"arm64"}}}}}, "cacheflush");
  CHECK(rig::seccomp_contradictions(arm, docker).empty());
  rig::SeccompContext both{rig::kDockerDefaultCaps, {"x86_64", "aarch64"}};
  CHECK(rig::seccomp_contradictions(arm, both).size() == 1);
  // The profile's own arches decide when linting.
  CHECK(lint(arm).contradictions.empty());
  CHECK(lint(pair_profile({{"includes", {{"arches", {"amd64"}}}}}, "arch_prctl")).contradictions.size() == 1);

  auto ex = pair_profile({{"excludes", {{"arches", {"amd64"}}}}}, "clone");
  CHECK(rig::seccomp_contradictions(ex, docker).empty());
  CHECK(rig::seccomp_contradictions(ex, both).size() == 1);
  // Symbolically (no arch list) an allow for arm64 and a deny excluding arm64 cannot meet.
  json sym = pair_profile({{"includes", {{"arches", {"arm64"}}}}}, "x");
  sym["syscalls"][1]["excludes"] = {{"arches", {"arm64"}}};
  CHECK(rig::seccomp_contradictions(sym).empty());
  sym["syscalls"][0]["includes"]["arches"] = {"arm64", "arm"};
  CHECK(rig::seccomp_contradictions(sym).size() == 1);
}

TEST_CASE("seccomp lint: LOG allows, TRACE/NOTIFY decide elsewhere, minKernel is met", "[builder][seccomp]") {
  auto p = pair_profile(json::object(), "ptrace");
  p["syscalls"][0]["action"] = "SCMP_ACT_LOG";
  CHECK(lint(p).contradictions.size() == 1);
  p["syscalls"][0]["action"] = "SCMP_ACT_ALLOW";
  p["syscalls"][1]["action"] = "SCMP_ACT_NOTIFY";
  CHECK(lint(p).contradictions.empty());
  p["syscalls"][1]["action"] = "SCMP_ACT_KILL_PROCESS";
  CHECK(lint(p).contradictions.size() == 1);
  p["syscalls"][1]["includes"] = {{"minKernel", "4.8"}};
  CHECK(lint(p).contradictions.size() == 1);
  p["syscalls"][1]["includes"] = json::object();
  p["syscalls"][1]["excludes"] = {{"minKernel", "4.8"}};
  CHECK(lint(p).contradictions.empty());
}

// Found by review: an argument index of 99999999999 and a negative errno linted clean.
TEST_CASE("seccomp lint: impossible argument indexes, errnos and rule counts are usage errors", "[builder][seccomp]") {
  auto bad_index = pair_profile({{"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}, "personality");
  auto e = rigtest::error_of(rig::lint_seccomp(bad_index, {}));
  CHECK(e.category() == rig::Category::Usage);
  CHECK_THAT(e.what(), Catch::Contains("syscalls[0].args[0].index: expected an argument index 0-5"));
  auto bad_errno = pair_profile(json::object(), "mount");
  bad_errno["syscalls"][1]["errnoRet"] = -1;
  CHECK_THAT(rigtest::error_of(rig::lint_seccomp(bad_errno, {})).what(), Catch::Contains("syscalls[1].errnoRet: expected an errno 1-4095"));
  auto bad_default = pair_profile(json::object(), "mount");
  bad_default["defaultErrnoRet"] = 70000;
  CHECK_THAT(rigtest::error_of(rig::lint_seccomp(bad_default, {})).what(), Catch::Contains("defaultErrnoRet: expected an errno 1-4095"));
  json many = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array()}};
  for (int i = 0; i < 1025; ++i) many["syscalls"].push_back({{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}});
  CHECK_THAT(rigtest::error_of(rig::lint_seccomp(many, {})).what(), Catch::Contains("1025 rules, more than the 1024"));
  // The real profiles stay clean of these rules.
  lint(fixture("podman-stock-trixie.json"));
}

TEST_CASE("seccomp lint: JSON report", "[builder][seccomp]") {
  auto stock = fixture("podman-stock-trixie.json");
  rig::SeccompLintOptions o;
  o.baseline = fixture("docker-default.json");
  o.baseline_name = "docker-default.json";
  auto j = rig::seccomp_lint_json(lint(stock, o), stock);
  CHECK(j["ok"] == false);
  REQUIRE(j["contradictions"].size() == 1);
  CHECK(j["contradictions"][0]["syscall"] == "setns");
  CHECK(j["contradictions"][0]["deny"] == "SCMP_ACT_ERRNO, excludes caps CAP_SYS_ADMIN");
  CHECK(j["baseline"]["compared"] == true);
  CHECK(j["baseline"]["path"] == "docker-default.json");
  CHECK(j["baseline"]["beyond"].is_array());
  CHECK(j["caps"] == "docker-default (14)");
}

}  // namespace rigtest_security_seccomp
