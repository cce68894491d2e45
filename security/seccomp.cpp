#include "security/seccomp.hpp"

#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

namespace rig {

namespace {

bool is_allow(const json& rule) { return str_member(rule, "action") == "SCMP_ACT_ALLOW"; }

// What a rule's action means for the calls it matches. LOG lets the call through; TRACE and NOTIFY
// hand the decision to another process at run time, so they are neither.
enum class Verdict { Allow, Deny, Other };

Verdict verdict_of(const std::string& action) {
  if (action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG") return Verdict::Allow;
  if (action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_PROCESS" ||
      action == "SCMP_ACT_KILL_THREAD" || action == "SCMP_ACT_TRAP")
    return Verdict::Deny;
  return Verdict::Other;
}

Verdict verdict(const json& rule) { return verdict_of(str_member(rule, "action")); }

std::set<std::string> list_at(const json& rule, const char* side, const char* key) {
  std::set<std::string> out;
  if (rule.contains(side) && rule[side].is_object() && rule[side].contains(key) && rule[side][key].is_array())
    for (auto& v : rule[side][key]) out.insert(v.get<std::string>());
  return out;
}

bool has_key(const json& rule, const char* side, const char* key) {
  return rule.contains(side) && rule[side].is_object() && rule[side].contains(key) && !rule[side][key].is_null();
}

// A rule names its syscalls in "names" or, in older profiles, in "name".
std::vector<std::string> names_of(const json& rule) {
  std::vector<std::string> out;
  if (rule.contains("names") && rule["names"].is_array())
    for (auto& n : rule["names"]) out.push_back(n.get<std::string>());
  if (rule.contains("name") && rule["name"].is_string()) out.push_back(rule["name"].get<std::string>());
  return out;
}

bool has_args(const json& rule) { return rule.contains("args") && rule["args"].is_array() && !rule["args"].empty(); }

bool conditional(const json& rule) {
  for (const char* side : {"includes", "excludes"})
    if (rule.contains(side) && rule[side].is_object() && !rule[side].empty()) return true;
  return has_args(rule);
}

bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& s) { return b.count(s) > 0; });
}

// Conditions name architectures the way Docker's loader does (Go-flavoured: amd64, arm64, mipsle,
// and the profile's own typo mips3l64n32); libseccomp names them x86_64, aarch64, mipsel, ...
std::string arch_from_condition(const std::string& n) {
  static const std::map<std::string, std::string> m = {{"amd64", "x86_64"},        {"386", "x86"},
                                                       {"arm64", "aarch64"},       {"mipsle", "mipsel"},
                                                       {"mips64le", "mipsel64"},   {"mips3l64n32", "mipsel64n32"},
                                                       {"mips64p32", "mips64n32"}, {"mips64p32le", "mipsel64n32"},
                                                       {"loong64", "loongarch64"}};
  auto it = m.find(n);
  return it == m.end() ? n : it->second;
}

std::set<std::string> arch_list(const json& rule, const char* side) {
  std::set<std::string> out;
  for (auto& a : list_at(rule, side, "arches")) out.insert(arch_from_condition(a));
  return out;
}

// minKernel is taken as satisfied (header comment): an excludes.minKernel rule never applies.
bool kernel_excluded(const json& rule) { return has_key(rule, "excludes", "minKernel"); }

bool applies_on_arch(const json& rule, const std::string& arch) {
  auto inc = arch_list(rule, "includes");
  return (inc.empty() || inc.count(arch) > 0) && arch_list(rule, "excludes").count(arch) == 0;
}

bool caps_apply(const json& rule, const std::set<std::string>& caps) {
  for (auto& c : list_at(rule, "includes", "caps"))
    if (!caps.count(c)) return false;
  return !intersects(list_at(rule, "excludes", "caps"), caps);
}

// Some capability set satisfies both rules at once: nothing one needs is excluded by either.
bool caps_compatible(const json& a, const json& b) {
  auto inc = list_at(a, "includes", "caps"), exc = list_at(a, "excludes", "caps");
  for (auto& c : list_at(b, "includes", "caps")) inc.insert(c);
  for (auto& c : list_at(b, "excludes", "caps")) exc.insert(c);
  return !intersects(inc, exc);
}

// Without a list of architectures: some architecture is included by both (or by the one that
// restricts) and excluded by neither. Exclusions alone can never rule out every architecture.
bool arches_compatible(const json& a, const json& b) {
  auto ia = arch_list(a, "includes"), ib = arch_list(b, "includes");
  auto exc = arch_list(a, "excludes");
  for (auto& x : arch_list(b, "excludes")) exc.insert(x);
  std::set<std::string> cand;
  if (!ia.empty() && !ib.empty()) {
    for (auto& x : ia)
      if (ib.count(x)) cand.insert(x);
  } else if (!ia.empty() || !ib.empty()) {
    cand = ia.empty() ? ib : ia;
  } else {
    return true;
  }
  return std::any_of(cand.begin(), cand.end(), [&](const std::string& x) { return !exc.count(x); });
}

bool overlap(const json& a, const json& b, const SeccompContext& ctx) {
  if (has_args(a) || has_args(b)) return false;
  if (kernel_excluded(a) || kernel_excluded(b)) return false;
  if (ctx.caps ? !(caps_apply(a, *ctx.caps) && caps_apply(b, *ctx.caps)) : !caps_compatible(a, b)) return false;
  if (ctx.arches.empty()) return arches_compatible(a, b);
  return std::any_of(ctx.arches.begin(), ctx.arches.end(),
                     [&](const std::string& x) { return applies_on_arch(a, x) && applies_on_arch(b, x); });
}

// Shape check before anything indexes into the document, so a malformed profile is a usage error
// and not a json exception.
constexpr size_t kMaxSeccompRules = 1024;

static bool errno_value(const json& v) { return v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= 4095; }

Status check_profile(const json& p) {
  if (!p.is_object() || !p.contains("syscalls") || !p["syscalls"].is_array())
    return usage_error("not a seccomp profile: expected an object with a \"syscalls\" array");
  if (p.contains("defaultAction") && !p["defaultAction"].is_string())
    return usage_error("defaultAction: expected a string");
  const auto& rules = p["syscalls"];
  // Lint compares rules pairwise: bounded so that no file makes it run for minutes. Docker's and
  // podman's default profiles have under 100 rules.
  if (rules.size() > kMaxSeccompRules)
    return usage_error("syscalls: " + std::to_string(rules.size()) + " rules, more than the " + std::to_string(kMaxSeccompRules) +
                       " rigctl reads (Docker's default profile has under 100)");
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    std::string at = "syscalls[" + std::to_string(i) + "]";
    if (!r.is_object()) return usage_error(at + ": expected an object");
    if (r.contains("action") && !r["action"].is_string()) return usage_error(at + ".action: expected a string");
    if (r.contains("names")) {
      if (!r["names"].is_array()) return usage_error(at + ".names: expected an array of strings");
      for (auto& n : r["names"])
        if (!n.is_string()) return usage_error(at + ".names: expected an array of strings");
    }
    if (r.contains("name") && !r["name"].is_string() && !r["name"].is_null())
      return usage_error(at + ".name: expected a string");
    for (const char* side : {"includes", "excludes"}) {
      if (!r.contains(side) || r[side].is_null()) continue;
      if (!r[side].is_object()) return usage_error(at + "." + side + ": expected an object");
      for (const char* key : {"caps", "arches"}) {
        if (!r[side].contains(key) || r[side][key].is_null()) continue;
        if (!r[side][key].is_array())
          return usage_error(at + "." + side + "." + key + ": expected an array of strings");
        for (auto& v : r[side][key])
          if (!v.is_string()) return usage_error(at + "." + side + "." + key + ": expected an array of strings");
      }
    }
    // An argument condition names one of a syscall's six arguments; an errno is 1-4095 (what the
    // kernel can return). A profile outside that cannot mean what it says.
    if (r.contains("args") && !r["args"].is_null()) {
      if (!r["args"].is_array()) return usage_error(at + ".args: expected an array of conditions");
      for (size_t k = 0; k < r["args"].size(); ++k) {
        const auto& a = r["args"][k];
        std::string aat = at + ".args[" + std::to_string(k) + "]";
        if (!a.is_object()) return usage_error(aat + ": expected an object");
        if (!a.contains("index") || !a["index"].is_number_integer() || a["index"].get<int64_t>() < 0 || a["index"].get<int64_t>() > 5)
          return usage_error(aat + ".index: expected an argument index 0-5");
        if (a.contains("op") && !a["op"].is_string()) return usage_error(aat + ".op: expected a string");
      }
    }
    if (r.contains("errnoRet") && !r["errnoRet"].is_null() &&
        !errno_value(r["errnoRet"]))
      return usage_error(at + ".errnoRet: expected an errno 1-4095");
  }
  if (p.contains("defaultErrnoRet") && !p["defaultErrnoRet"].is_null() &&
      !errno_value(p["defaultErrnoRet"]))
    return usage_error("defaultErrnoRet: expected an errno 1-4095");
  for (const char* key : {"archMap", "architectures"})
    if (p.contains(key) && !p[key].is_array() && !p[key].is_null())
      return usage_error(std::string(key) + ": expected an array");
  return ok();
}

std::string scmp_to_libseccomp(std::string a) {
  if (a.rfind("SCMP_ARCH_", 0) == 0) a = a.substr(10);
  std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return a;
}

uint32_t arch_token(const std::string& name) { return seccomp_arch_resolve_name(name.c_str()); }

// libseccomp 2.5 has no token -> name function: find the name among those it accepts.
std::string native_arch_name() {
  static const char* names[] = {"x86",    "x86_64",   "x32",       "arm",         "aarch64", "mips",       "mipsel",
                                "mips64", "mipsel64", "mips64n32", "mipsel64n32", "ppc",     "ppc64",      "ppc64le",
                                "s390",   "s390x",    "parisc",    "parisc64",    "riscv64", "loongarch64"};
  uint32_t native = seccomp_arch_native();
  for (const char* n : names)
    if (seccomp_arch_resolve_name(n) == native) return n;
  return "x86_64";
}

// A syscall callable on this architecture. libseccomp numbers other architectures' calls from
// -10000 down (__PNR_*) and unknown names __NR_SCMP_ERROR; -101..-299 are the socket and ipc calls
// that x86 and s390 multiplex through socketcall/ipc, which the filter does match there.
bool real_on(uint32_t token, const std::string& name) {
  int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
  return nr >= 0 || (nr <= -100 && nr > -10000);
}

// Every syscall libseccomp knows on the architecture. There is no enumeration API, so the number
// ranges the kernel uses are walked: the common tables (MIPS starts at 4000/5000/6000), x32's
// numbers with bit 30 set, ARM's private calls at 0x0f0000 and the multiplexed socket/ipc calls.
std::set<std::string> all_syscalls(uint32_t token) {
  std::set<std::string> out;
  auto probe = [&](int num) {
    if (char* s = seccomp_syscall_resolve_num_arch(token, num)) {
      out.insert(s);
      std::free(s);
    }
  };
  for (int n = 0; n < 8192; ++n) probe(n);
  for (int n = 0; n < 1024; ++n) probe(0x40000000 + n);
  for (int n = 0; n < 16; ++n) probe(0x0f0000 + n);
  for (int n = -299; n <= -101; ++n) probe(n);
  return out;
}

std::string join(const std::set<std::string>& s, const char* sep = ",") {
  std::string out;
  for (auto& x : s) out += (out.empty() ? "" : sep) + x;
  return out;
}

}  // namespace

Result<json> tailor_seccomp(const json& stock, const std::vector<std::string>& allow) {
  RIG_CHECK(check_profile(stock));
  json out = stock;
  json rules = json::array();
  std::set<std::string> wanted(allow.begin(), allow.end());
  std::set<std::string> already;
  for (auto rule : stock["syscalls"]) {
    bool keep_names = is_allow(rule) && !conditional(rule);
    if (rule.contains("name") && rule["name"].is_string()) {  // single-name form: keep or drop whole
      auto name = rule["name"].get<std::string>();
      if (wanted.count(name) && !keep_names) continue;
      if (wanted.count(name)) already.insert(name);
    }
    if (!rule.contains("names") || !rule["names"].is_array()) {
      rules.push_back(rule);
      continue;
    }
    json names = json::array();
    for (auto& n : rule["names"]) {
      auto name = n.get<std::string>();
      if (wanted.count(name) && !keep_names) continue;  // drop from deny and conditional rules
      if (wanted.count(name)) already.insert(name);
      names.push_back(name);
    }
    if (names.empty() && !(rule.contains("name") && rule["name"].is_string())) continue;
    rule["names"] = names;
    rules.push_back(rule);
  }
  json missing = json::array();
  for (auto& n : allow)
    if (!already.count(n)) missing.push_back(n);
  if (!missing.empty())
    rules.push_back(
        {{"names", missing},
         {"action", "SCMP_ACT_ALLOW"},
         {"comment", "rigctl: rootless podman inside an unprivileged container needs these without CAP_SYS_ADMIN"}});
  out["syscalls"] = rules;
  // Only the syscalls rigctl changed are checked here, and under any capability set (the strongest
  // form): the stock profile's own capability-conditional pairs (perf_event_open under CAP_PERFMON)
  // are its authors' choice and are reported by lint.
  for (auto& c : seccomp_contradictions(out))
    if (wanted.count(c.syscall))
      return internal_error("tailored seccomp profile still allows and denies '" + c.syscall + "'");
  return out;
}

std::vector<SeccompContradiction> seccomp_contradictions(const json& profile, const SeccompContext& ctx) {
  std::vector<SeccompContradiction> out;
  if (!check_profile(profile).ok()) return out;
  const auto& rules = profile["syscalls"];
  for (size_t i = 0; i < rules.size(); ++i) {
    if (verdict(rules[i]) != Verdict::Allow) continue;
    auto allowed = names_of(rules[i]);
    std::set<std::string> a(allowed.begin(), allowed.end());
    for (size_t j = 0; j < rules.size(); ++j) {
      if (verdict(rules[j]) != Verdict::Deny || !overlap(rules[i], rules[j], ctx)) continue;
      std::set<std::string> reported;
      for (auto& m : names_of(rules[j]))
        if (a.count(m) && reported.insert(m).second) {
          out.push_back({m, i, j});
          // Enough to act on; a profile that contradicts itself everywhere would otherwise print a
          // line per pair of rules (millions).
          if (out.size() >= kMaxSeccompContradictions) return out;
        }
    }
  }
  return out;
}

std::vector<std::string> seccomp_profile_arches(const json& profile, std::vector<std::string>* unknown) {
  std::vector<std::string> out;
  auto add = [&](const json& v) {
    if (!v.is_string()) return;
    auto name = scmp_to_libseccomp(v.get<std::string>());
    if (arch_token(name) == 0) {
      if (unknown && std::find(unknown->begin(), unknown->end(), v.get<std::string>()) == unknown->end())
        unknown->push_back(v.get<std::string>());
      return;
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  if (profile.contains("archMap") && profile["archMap"].is_array())
    for (auto& m : profile["archMap"]) {
      if (!m.is_object()) continue;
      if (m.contains("architecture")) add(m["architecture"]);
      if (m.contains("subArchitectures") && m["subArchitectures"].is_array())
        for (auto& s : m["subArchitectures"]) add(s);
    }
  if (profile.contains("architectures") && profile["architectures"].is_array())
    for (auto& a : profile["architectures"]) add(a);
  return out;
}

std::string seccomp_rule_summary(const json& rule) {
  std::string out = str_member(rule, "action", "?");
  std::vector<std::string> conds;
  for (const char* side : {"includes", "excludes"}) {
    for (const char* key : {"caps", "arches"}) {
      auto v = list_at(rule, side, key);
      if (!v.empty()) conds.push_back(std::string(side) + " " + key + " " + join(v));
    }
    if (has_key(rule, side, "minKernel") && rule[side]["minKernel"].is_string())
      conds.push_back(std::string(side) + " minKernel " + rule[side]["minKernel"].get<std::string>());
  }
  if (has_args(rule)) conds.push_back(std::to_string(rule["args"].size()) + " argument condition(s)");
  if (conds.empty()) return out + ", unconditional";
  for (auto& c : conds) out += ", " + c;
  return out;
}

std::set<std::string> seccomp_allowed(const json& profile, const std::string& arch,
                                      const std::optional<std::set<std::string>>& caps) {
  std::set<std::string> allowed, denied;
  if (!check_profile(profile).ok()) return allowed;
  uint32_t token = arch_token(arch);
  if (token == 0) return allowed;
  for (auto& rule : profile["syscalls"]) {
    if (kernel_excluded(rule) || !applies_on_arch(rule, arch)) continue;
    auto v = verdict(rule);
    if (v == Verdict::Allow) {
      // Under "any capability set" an allow counts if some set satisfies it.
      bool applies = caps ? caps_apply(rule, *caps) : caps_compatible(rule, rule);
      if (applies)
        for (auto& n : names_of(rule)) allowed.insert(n);
    } else if (v == Verdict::Deny && !has_args(rule)) {
      // ...and a deny only if every set is subject to it.
      bool applies = caps ? caps_apply(rule, *caps)
                          : list_at(rule, "includes", "caps").empty() && list_at(rule, "excludes", "caps").empty();
      if (applies)
        for (auto& n : names_of(rule)) denied.insert(n);
    }
  }
  if (verdict_of(str_member(profile, "defaultAction")) == Verdict::Allow)
    for (auto& n : all_syscalls(token))
      if (!denied.count(n)) allowed.insert(n);
  std::set<std::string> out;
  for (auto& n : allowed)
    if (real_on(token, n)) out.insert(n);
  return out;
}

Result<SeccompLintReport> lint_seccomp(const json& profile, const SeccompLintOptions& opts) {
  RIG_CHECK(check_profile(profile));
  SeccompLintReport r;
  r.arches = seccomp_profile_arches(profile, &r.unknown_arches);
  // A profile without architectures is loaded for the native one only.
  if (r.arches.empty()) r.arches.push_back(native_arch_name());
  if (!opts.caps)
    r.caps_label = "any";
  else if (*opts.caps == kDockerDefaultCaps)
    r.caps_label = "docker-default (" + std::to_string(opts.caps->size()) + ")";
  else
    r.caps_label = join(*opts.caps);

  r.contradictions = seccomp_contradictions(profile, SeccompContext{opts.caps, r.arches});

  std::vector<uint32_t> tokens;
  for (auto& a : r.arches) tokens.push_back(arch_token(a));
  std::set<std::string> unknown;
  for (auto& rule : profile["syscalls"])
    for (auto& n : names_of(rule)) {
      bool known = std::any_of(tokens.begin(), tokens.end(), [&](uint32_t t) {
        return seccomp_syscall_resolve_name_arch(t, n.c_str()) != __NR_SCMP_ERROR;
      });
      if (!known) unknown.insert(n);
    }
  r.unknown_names.assign(unknown.begin(), unknown.end());

  r.baseline_name = opts.baseline_name;
  if (!opts.baseline) {
    r.not_compared_reason = opts.not_compared_reason.empty() ? "no baseline given" : opts.not_compared_reason;
    return r;
  }
  RIG_CHECK(check_profile(*opts.baseline).context("baseline " + opts.baseline_name));
  r.compare_arch = opts.compare_arch;
  if (r.compare_arch.empty()) {
    auto native = native_arch_name();
    r.compare_arch = std::find(r.arches.begin(), r.arches.end(), native) != r.arches.end() ? native : r.arches.front();
  }
  if (arch_token(r.compare_arch) == 0)
    return usage_error("architecture '" + r.compare_arch + "' is unknown to libseccomp");
  auto mine = seccomp_allowed(profile, r.compare_arch, opts.caps);
  auto base = seccomp_allowed(*opts.baseline, r.compare_arch, opts.caps);
  for (auto& n : mine)
    if (!base.count(n)) r.beyond_baseline.push_back(n);
  r.compared = true;
  return r;
}

json seccomp_lint_json(const SeccompLintReport& r, const json& profile) {
  json contradictions = json::array();
  for (auto& c : r.contradictions)
    contradictions.push_back({{"syscall", c.syscall},
                              {"allow_rule", c.allow_rule},
                              {"deny_rule", c.deny_rule},
                              {"allow", seccomp_rule_summary(profile["syscalls"][c.allow_rule])},
                              {"deny", seccomp_rule_summary(profile["syscalls"][c.deny_rule])}});
  json baseline = {{"compared", r.compared}, {"path", r.baseline_name}};
  if (r.compared) {
    baseline["arch"] = r.compare_arch;
    baseline["beyond"] = r.beyond_baseline;
  } else {
    baseline["reason"] = r.not_compared_reason;
  }
  return {{"ok", r.contradictions.empty()},
          {"arches", r.arches},
          {"unknown_arches", r.unknown_arches},
          {"caps", r.caps_label},
          {"contradictions", contradictions},
          {"unknown_names", r.unknown_names},
          {"baseline", baseline}};
}

}  // namespace rig
