// `rigctl ablate`: take each launch flag and each hardening away in turn, run the chain until it
// fails, and compare the failure with what the recipe says it should be. The verdict logic is pure
// (judge) so each of the four outcomes is unit-tested.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "core/json_reader.hpp"
#include "smoke/checks.hpp"

namespace rig {

enum class Verdict { Required, RequiredDifferent, NotNeeded, NotApplicable };
const char* verdict_name(Verdict v);

struct AblationItem {
  std::string id;
  std::string level;  // flag | image | launch | capability
  std::string what;
  std::string why;
  std::string expect_check;
  std::string expect_signature;
  std::string not_applicable;  // reason, when the host lacks the precondition
  const LaunchFlag* flag = nullptr;
  const Hardening* hardening = nullptr;
  std::string capability;    // level capability: the engine API name ("SETUID")
  // A capability the profile drops: the baseline already ran without it, so the baseline's pass is
  // its verdict (not needed) and no rig of its own is launched.
  bool by_baseline = false;
};

// Items in recipe order: flags first, then hardenings, then every capability of Docker's default set
// (the profile's kept ones, each run dropped; its dropped ones, judged by the baseline). `host` decides
// the preconditions (AppArmor, cgroup v2 with a writable mount).
std::vector<AblationItem> ablation_items(const Recipe& r, const std::string& engine_kind, const HostFeatures& host,
                                         const std::string& inner_storage = "");

// The image variant for an image-level item: the recipe without that hardening (text marked so the
// cache key and recipe label differ; name suffixed so the tag does).
Result<Recipe> variant_recipe(const Recipe& r, const Hardening& h);

struct ItemResult {
  AblationItem item;
  Verdict verdict = Verdict::NotApplicable;
  std::string observed_check;  // first failing check, or "" when the chain passed
  std::string observed_error;  // the output tail of that check, or the measurement
  std::string reason;
  double seconds = 0;
  double restart_seconds = -1;
  std::vector<CheckResult> checks;
};

// The stop timeout of a restart: the engine's default for every rig, and a shorter one for an item
// whose symptom is a slow restart (the init): without an init PID 1 ignores SIGTERM and the stop waits
// the whole timeout out, so the restart takes about that much longer than the baseline's. A share of a
// short timeout shows the same symptom as the full 10 s, in less than half the time.
constexpr int kRestartStopTimeout = 10;
constexpr int kSlowRestartStopTimeout = 4;
// How much of kSlowRestartStopTimeout a restart must take beyond the baseline's to count as slow.
constexpr double kSlowRestartShare = 0.6;

// Verdict from the item's chain. `baseline_restart` is the restart time with nothing removed (its stop
// timeout kRestartStopTimeout, which an init never waits for); a slow-restart item ran with
// kSlowRestartStopTimeout.
ItemResult judge(const AblationItem& item, const std::vector<CheckResult>& checks, double baseline_restart);

// What was ablated, exactly: the record (smoke/ablation_record.hpp) names it by digest.
struct AblatedImage {
  std::string manifest_digest, config_digest;
  std::string seccomp_sha256;  // the tailored seccomp profile the rigs ran under ("" without one)
};

struct AblationReport {
  std::string recipe;
  HostFacts host;
  AblatedImage image;
  bool baseline_passed = false;
  std::vector<CheckResult> baseline;
  double baseline_seconds = 0;
  double baseline_restart = -1;
  std::string baseline_smoke_run;  // the run id of the smoke run taken as the baseline; "" = its own rig
  std::vector<ItemResult> items;
  double seconds = 0;
};

std::string ablation_table(const AblationReport& r);
std::string ablation_markdown(const AblationReport& r);
json ablation_json(const AblationReport& r);
std::string ablation_junit(const AblationReport& r);

}  // namespace rig
