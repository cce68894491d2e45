// Names several layers must agree on, as data in one place: the smoke chain's check ids (a recipe's
// `expect.check` must name one, or an ablation verdict could never match), the host devices a
// launch flag may pass into the outer container, and the labels on everything a rig is made of (gc and
// the VM host's port mirror find rigctl's containers by them). Header-only so any layer can use it without a
// dependency on the smoke layer (whose checks.cpp must list exactly these ids).
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace rig {

inline constexpr const char* kLabelManaged = "io.rigctl.managed";
inline constexpr const char* kLabelRig = "io.rigctl.rig";
inline constexpr const char* kLabelRun = "io.rigctl.run";

// Every check `rigctl smoke` can run, in chain order (smoke/checks.cpp; apparmor-confined and
// kcore-denied only run with --apparmor tailored).
inline constexpr std::array<std::string_view, 20> kSmokeCheckIds = {
    "outer-up",      "main-uid",          "not-privileged", "rig-limits",      "podman-info",
    "docker-info",   "inner-run",         "host-reach",     "inner-build",     "built-runs",
    "inner-limits",  "docker-api",        "init-reaps",     "restart-workspace", "restart-image",
    "restart-app",   "uid-isolation",     "uid-rig-user",   "apparmor-confined", "kcore-denied"};

// The inner engines a rig can run (a recipe's launch.inner.engine). Each has its own engine check
// and its own isolation check, because the properties differ: rootless podman runs inner containers
// with --userns=auto (inner root maps into the subordinate range: uid-isolation), rootless dockerd
// maps inner root onto the rig user itself (uid-rig-user, a weaker property under its own name).
inline constexpr std::array<std::string_view, 2> kInnerEngines = {"podman", "docker"};

// The check ids that belong to one inner engine's chain only ("" when every chain has the check).
inline std::string_view smoke_check_engine(std::string_view id) {
  if (id == "podman-info" || id == "uid-isolation") return "podman";
  if (id == "docker-info" || id == "uid-rig-user") return "docker";
  return "";
}

// The only host devices a launch flag may pass through (`effect: {kind: device}`). A device is a
// door into the host kernel: /dev/net/tun lets rootless podman's pasta/slirp4netns create their tap
// device inside the container's own network namespace, /dev/fuse serves fuse-overlayfs. Neither
// reaches host hardware or host storage; anything else (a disk such as /dev/sda, /dev/mem, /dev/kvm)
// would hand the untrusted build the host, so it cannot be written in a recipe at all.
inline constexpr std::array<std::string_view, 2> kLaunchDevices = {"/dev/net/tun", "/dev/fuse"};

// Docker's default capability set (moby's oci/caps/defaults.go), the set a rig's launch profile splits
// into `keep` and `drop`: `rigctl ablate` must give every one of them a verdict. Names as the engine
// API spells them in CapDrop. podman's default is a subset (it lacks MKNOD, NET_RAW, AUDIT_WRITE).
inline constexpr std::array<std::string_view, 14> kDefaultCapabilities = {
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
    "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"};

inline bool is_default_capability(std::string_view name) {
  return std::find(kDefaultCapabilities.begin(), kDefaultCapabilities.end(), name) != kDefaultCapabilities.end();
}

inline bool is_smoke_check_id(std::string_view id) {
  return std::find(kSmokeCheckIds.begin(), kSmokeCheckIds.end(), id) != kSmokeCheckIds.end();
}

inline bool is_launch_device(std::string_view path) {
  return std::find(kLaunchDevices.begin(), kLaunchDevices.end(), path) != kLaunchDevices.end();
}

}  // namespace rig
