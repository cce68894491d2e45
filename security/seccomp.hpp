// The tailored seccomp profile: podman's stock profile (containers-common) with sethostname,
// setdomainname and setns allowed unconditionally (the stock profile gates them on CAP_SYS_ADMIN,
// which the outer container lacks: "crun: sethostname: Operation not permitted") and removed from
// every other rule, so no syscall is both allowed and denied. Everything else the stock profile
// denies (bpf, perf_event_open, quotactl, ...) stays denied: strictly tighter than unconfined.
//
// Linting (`rigctl seccomp lint`) reads any profile in the Docker/podman JSON format and reports:
//
// * Contradictions: a syscall that an allowing rule and a denying rule both name while both rules
//   apply at once. Which rule wins then depends on the runtime's version, so the profile means
//   different things on different hosts. Whether two rules apply at once is decided for one concrete
//   situation, because capability conditions are how these profiles express "allowed with the
//   capability, denied without" — symbolically, nearly every such pair looks compatible:
//   - Capabilities: by default Docker's default container set (kDockerDefaultCaps), i.e. what a
//     container started without --cap-add/--cap-drop gets. A rule with includes.caps applies only if
//     the set holds all of them, one with excludes.caps only if it holds none of them (the semantics
//     of Docker's and containers/common's loaders). "Any capability set" (SeccompContext::caps empty)
//     keeps the older symbolic check: two rules overlap unless one includes a capability the other
//     excludes. tailor_seccomp() uses that stronger form for the syscalls it changes, so they are
//     never both allowed and denied under any capability set.
//   - Arguments: rules with "args" conditions never count as overlapping. They target specific calls
//     (personality(0x8), socket(AF_NETLINK, ..., NETLINK_AUDIT)) and deliberately carve exceptions out
//     of broader rules; comparing argument predicates is beyond a lint.
//   - Architectures: includes.arches/excludes.arches are evaluated against the profile's own
//     architectures (archMap[].architecture + subArchitectures, or "architectures"): two rules overlap
//     only if some architecture of the profile has both apply. Condition names are Docker's
//     (amd64, arm64, x32, mipsle, mips3l64n32, ...) and are mapped to libseccomp's.
//   - minKernel conditions are taken as satisfied by the running kernel (every kernel that runs a
//     current runtime is newer than the versions the stock profiles name).
// * Unknown names: a syscall name that libseccomp (the installed library, Debian's libseccomp-dev)
//   cannot resolve on any of the profile's architectures. Runtimes skip such names silently, so a
//   typo or a syscall newer than the host's libseccomp is simply not filtered. Warnings, not errors.
// * Beyond the baseline: the syscall names the profile allows (under the same capability set, on one
//   architecture, default the host's) that Docker's default profile does not. defaultAction ALLOW
//   counts as allowing every syscall libseccomp knows on that architecture except those the
//   applicable rules deny; with an ERRNO/KILL default only the explicit allows count. Rules with
//   "args" count as allowing their names (they allow some calls).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json_reader.hpp"

namespace rig {

inline constexpr const char* kStockSeccompPath = "/usr/share/containers/seccomp.json";
inline const std::vector<std::string> kSeccompAllow = {"sethostname", "setdomainname", "setns"};
// Debian's golang-github-docker-docker-dev ships Docker's default profile here.
inline constexpr const char* kDockerDefaultSeccompPath =
    "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
// The capabilities Docker gives a container by default (moby oci/caps/defaults.go).
inline const std::set<std::string> kDockerDefaultCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

Result<json> tailor_seccomp(const json& stock, const std::vector<std::string>& allow = kSeccompAllow);

// The situation in which rules are compared (see the header comment).
struct SeccompContext {
  std::optional<std::set<std::string>> caps;  // empty: any capability set (symbolic check)
  std::vector<std::string> arches;            // libseccomp names ("x86_64"); empty: symbolic check
};

// Syscalls that one rule allows and another denies under overlapping conditions. Rule indexes are
// positions in the profile's "syscalls" array.
struct SeccompContradiction {
  std::string syscall;
  size_t allow_rule = 0;
  size_t deny_rule = 0;
};
// At most this many are returned (the first found): enough to act on.
inline constexpr size_t kMaxSeccompContradictions = 200;
std::vector<SeccompContradiction> seccomp_contradictions(const json& profile, const SeccompContext& ctx = {});

// The profile's architectures as libseccomp names, in profile order, each once; names libseccomp
// does not know go to `unknown` (as written in the profile).
std::vector<std::string> seccomp_profile_arches(const json& profile, std::vector<std::string>* unknown = nullptr);

// "SCMP_ACT_ERRNO, excludes caps CAP_SYS_ADMIN" / "SCMP_ACT_ALLOW, unconditional": for reports.
std::string seccomp_rule_summary(const json& rule);

struct SeccompLintOptions {
  std::optional<std::set<std::string>> caps = kDockerDefaultCaps;  // empty: any capability set
  std::optional<json> baseline;                                    // Docker's default profile; empty: not compared
  std::string baseline_name;                                       // where it came from (for the report)
  std::string not_compared_reason;                                 // why there is no baseline
  std::string compare_arch;  // libseccomp name; empty: the host's if the profile has it, else its first
};

struct SeccompLintReport {
  std::vector<std::string> arches;          // libseccomp names
  std::vector<std::string> unknown_arches;  // as written in the profile
  std::string caps_label;                   // "docker-default (14)" / "any"
  std::vector<SeccompContradiction> contradictions;
  std::vector<std::string> unknown_names;  // sorted
  bool compared = false;
  std::string baseline_name;
  std::string not_compared_reason;
  std::string compare_arch;
  std::vector<std::string> beyond_baseline;  // sorted
};

// Usage error when the document is not a seccomp profile.
Result<SeccompLintReport> lint_seccomp(const json& profile, const SeccompLintOptions& opts);
json seccomp_lint_json(const SeccompLintReport& r, const json& profile);

// The syscall names the profile allows on `arch` (libseccomp name) under `caps` (empty: any set).
std::set<std::string> seccomp_allowed(const json& profile, const std::string& arch,
                                      const std::optional<std::set<std::string>>& caps);

}  // namespace rig
