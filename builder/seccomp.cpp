#include "builder/seccomp.hpp"

#include <algorithm>
#include <set>

namespace rig {

namespace {

bool is_allow(const json& rule) { return rule.value("action", "") == "SCMP_ACT_ALLOW"; }

std::set<std::string> list_at(const json& rule, const char* side, const char* key) {
  std::set<std::string> out;
  if (rule.contains(side) && rule[side].is_object() && rule[side].contains(key) && rule[side][key].is_array())
    for (auto& v : rule[side][key]) out.insert(v.get<std::string>());
  return out;
}

bool conditional(const json& rule) {
  for (const char* side : {"includes", "excludes"})
    if (rule.contains(side) && rule[side].is_object() && !rule[side].empty()) return true;
  return rule.contains("args") && rule["args"].is_array() && !rule["args"].empty();
}

bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& s) { return b.count(s) > 0; });
}

// Two rules can both apply unless their conditions rule each other out: one needs a capability the
// other excludes, their architectures differ, or either filters on arguments (targeted rules).
bool overlap(const json& a, const json& b) {
  if (a.contains("args") && a["args"].is_array() && !a["args"].empty()) return false;
  if (b.contains("args") && b["args"].is_array() && !b["args"].empty()) return false;
  auto a_caps = list_at(a, "includes", "caps"), b_caps = list_at(b, "includes", "caps");
  if (intersects(a_caps, list_at(b, "excludes", "caps")) || intersects(b_caps, list_at(a, "excludes", "caps"))) return false;
  auto a_arch = list_at(a, "includes", "arches"), b_arch = list_at(b, "includes", "arches");
  if (!a_arch.empty() && !b_arch.empty() && !intersects(a_arch, b_arch)) return false;
  if (intersects(a_arch, list_at(b, "excludes", "arches")) && a_arch.size() == 1) return false;
  if (intersects(b_arch, list_at(a, "excludes", "arches")) && b_arch.size() == 1) return false;
  return true;
}

}  // namespace

Result<json> tailor_seccomp(const json& stock, const std::vector<std::string>& allow) {
  if (!stock.is_object() || !stock.contains("syscalls") || !stock["syscalls"].is_array())
    return usage_error("not a seccomp profile: expected an object with a \"syscalls\" array");
  json out = stock;
  json rules = json::array();
  std::set<std::string> wanted(allow.begin(), allow.end());
  std::set<std::string> already;
  for (auto rule : stock["syscalls"]) {
    if (!rule.contains("names") || !rule["names"].is_array()) {
      rules.push_back(rule);
      continue;
    }
    bool keep_names = is_allow(rule) && !conditional(rule);
    json names = json::array();
    for (auto& n : rule["names"]) {
      auto name = n.get<std::string>();
      if (wanted.count(name) && !keep_names) continue;  // drop from deny and conditional rules
      if (wanted.count(name)) already.insert(name);
      names.push_back(name);
    }
    if (names.empty()) continue;
    rule["names"] = names;
    rules.push_back(rule);
  }
  json missing = json::array();
  for (auto& n : allow)
    if (!already.count(n)) missing.push_back(n);
  if (!missing.empty())
    rules.push_back({{"names", missing},
                     {"action", "SCMP_ACT_ALLOW"},
                     {"comment", "rigctl: rootless podman inside an unprivileged container needs these without CAP_SYS_ADMIN"}});
  out["syscalls"] = rules;
  // Only the syscalls rigctl changed are checked here: the stock profile's own capability-conditional
  // pairs (perf_event_open under CAP_PERFMON) are its authors' choice and are reported by lint.
  for (auto& c : seccomp_contradictions(out))
    if (wanted.count(c.syscall))
      return internal_error("tailored seccomp profile still allows and denies '" + c.syscall + "'");
  return out;
}

std::vector<SeccompContradiction> seccomp_contradictions(const json& profile) {
  std::vector<SeccompContradiction> out;
  if (!profile.contains("syscalls")) return out;
  const auto& rules = profile["syscalls"];
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!is_allow(rules[i]) || !rules[i].contains("names")) continue;
    for (size_t j = 0; j < rules.size(); ++j) {
      if (is_allow(rules[j]) || !rules[j].contains("names") || !overlap(rules[i], rules[j])) continue;
      for (auto& n : rules[i]["names"])
        for (auto& m : rules[j]["names"])
          if (n == m) out.push_back({n.get<std::string>(), i, j});
    }
  }
  return out;
}

}  // namespace rig
