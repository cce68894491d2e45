// The tailored AppArmor profile that can replace `--security-opt apparmor=unconfined`: Docker's
// docker-default (moby profiles/apparmor/template.go, rendered for a current apparmor_parser) with
// its `deny mount,` swapped for `mount,` and `pivot_root,` — rootless podman inside the outer
// container mounts its overlay storage and pivots into inner containers — and everything else kept
// (writes to /proc and /sys stay denied, /proc/sysrq-trigger and /proc/kcore stay off limits), with
// docker-default's current signal rules for confined runtimes (runc, crun).
#pragma once

#include <string>

#include "core/error.hpp"

namespace rig {

inline constexpr const char* kTailoredAppArmorName = "rigctl-tailored";

struct AppArmorOptions {
  std::string name = kTailoredAppArmorName;
  // The profile dockerd runs under (docker-default lets it signal containers); usually unconfined.
  std::string daemon_profile = "unconfined";
};

// Usage error for a name apparmor_parser would not take as a plain profile name.
Status check_apparmor_name(const std::string& name);

std::string render_tailored_apparmor(const AppArmorOptions& opts = {});

}  // namespace rig
