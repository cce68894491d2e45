// The seccomp profile paths of `rigctl seccomp lint` (lint_seccomp, seccomp_lint_json and the rule
// summaries its text output prints) and `rigctl seccomp gen --from` (tailor_seccomp) on any JSON.
// Properties: bad profiles are usage errors; a tailored profile allows sethostname, setdomainname
// and setns on the host's architecture and lints without a contradiction on them under any
// capability set (what tailor_seccomp promises, security/seccomp.hpp).
#include <filesystem>

#include "security/seccomp.hpp"
#include "core/fs.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

// Docker's default profile as `lint` loads it by default; the checked-in copy when the host has none.
const std::optional<rig::json>& baseline() {
  static const std::optional<rig::json> b = []() -> std::optional<rig::json> {
    std::filesystem::path p = rig::kDockerDefaultSeccompPath;
    if (!std::filesystem::exists(p)) p = std::filesystem::path(RIGCTL_FUZZ_FIXTURES_DIR) / "seccomp/docker-default.json";
    auto text = rig::read_file(p);
    if (!text) return std::nullopt;
    auto j = rig::parse_json_document(*text);
    if (!j) return std::nullopt;
    return *j;
  }();
  return b;
}

void lint(const rig::json& profile, bool any_caps, bool with_baseline, const char* what) {
  rig::SeccompLintOptions o;
  if (any_caps) o.caps.reset();
  if (with_baseline && baseline()) {
    o.baseline = baseline();
    o.baseline_name = "docker-default";
  }
  auto r = rig::lint_seccomp(profile, o);
  if (!r) {
    rig::fuzz::expect_category(r.error(), what);
    return;
  }
  auto j = rig::seccomp_lint_json(*r, profile);
  (void)j.dump();
  for (auto& c : r->contradictions) {
    (void)rig::seccomp_rule_summary(profile["syscalls"][c.allow_rule]);
    (void)rig::seccomp_rule_summary(profile["syscalls"][c.deny_rule]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto doc = rig::parse_json_document(text);
  if (!doc) {
    rig::fuzz::expect_category(doc.error(), "parse_json_document");
    return 0;
  }
  const rig::json& profile = *doc;
  lint(profile, false, true, "lint_seccomp");
  lint(profile, true, false, "lint_seccomp (--caps any)");

  auto tailored = rig::tailor_seccomp(profile);
  if (!tailored) {
    rig::fuzz::expect_category(tailored.error(), "tailor_seccomp");
    return 0;
  }
  (void)tailored->dump(2);
  for (auto& c : rig::seccomp_contradictions(*tailored))
    for (auto& n : rig::kSeccompAllow)
      if (c.syscall == n) rig::fuzz::finding("tailored profile both allows and denies " + n);
  auto allowed = rig::seccomp_allowed(*tailored, "x86_64", rig::kDockerDefaultCaps);
  for (auto& n : rig::kSeccompAllow)
    if (!allowed.count(n)) rig::fuzz::finding("tailored profile does not allow " + n + " on x86_64");
  lint(*tailored, true, false, "lint_seccomp (tailored)");
  return 0;
}
