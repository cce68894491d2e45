// The tailored seccomp profile: podman's stock profile (containers-common) with sethostname,
// setdomainname and setns allowed unconditionally (the stock profile gates them on CAP_SYS_ADMIN,
// which the outer container lacks: "crun: sethostname: Operation not permitted") and removed from
// every other rule, so no syscall is both allowed and denied. Everything else the stock profile
// denies (bpf, perf_event_open, quotactl, ...) stays denied: strictly tighter than unconfined.
#pragma once

#include <string>
#include <vector>

#include "core/json_reader.hpp"

namespace rig {

inline constexpr const char* kStockSeccompPath = "/usr/share/containers/seccomp.json";
inline const std::vector<std::string> kSeccompAllow = {"sethostname", "setdomainname", "setns"};

Result<json> tailor_seccomp(const json& stock, const std::vector<std::string>& allow = kSeccompAllow);

// Syscalls that one rule allows and another denies under overlapping conditions.
struct SeccompContradiction {
  std::string syscall;
  size_t allow_rule = 0;
  size_t deny_rule = 0;
};
std::vector<SeccompContradiction> seccomp_contradictions(const json& profile);

}  // namespace rig
