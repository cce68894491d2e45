// The qemu command line of a VM host, as pure functions of a spec (unit-tested without qemu).
// The network is qemu's user-mode stack with restrict=on -- the guest cannot open a single
// connection out -- and one way in at boot: the guest's Docker API on 127.0.0.1:PORT here (the rigs'
// own loopback ports are mirrored later, one by one, by port_mirror.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/subprocess.hpp"

namespace rig {

inline constexpr uint16_t kGuestDockerPort = 2375;

struct QemuSpec {
  std::filesystem::path kernel;
  std::filesystem::path disk;     // the per-run qcow2 overlay
  std::filesystem::path console;  // ttyS0 goes to this file
  std::filesystem::path pidfile;
  std::filesystem::path monitor;  // QMP unix socket (port_mirror.hpp)
  std::string accel = "tcg";      // kvm | tcg
  uint16_t port = 0;              // 127.0.0.1:port here -> guest :2375
  unsigned cpus = 2;
  unsigned memory_mb = 4096;
  std::string init;               // the recipe's host.init
  std::vector<std::string> cmdline_extra;
  std::map<std::string, std::string> sysctls;
};

// root, init, console and panic are rigctl's: panic=-1 with -no-reboot makes a dying guest end qemu.
std::string kernel_cmdline(const QemuSpec& s);

// qemu-system-x86_64, daemonized (-daemonize -pidfile) so the VM can outlive `rigctl host up`.
Command qemu_command(const QemuSpec& s);

// Which accelerators to try, in order. KVM only when the device is usable and it has not been seen
// to hang on this boot of the machine (a hanging KVM guest costs a whole probe timeout);
// RIGCTL_VM_ACCEL=kvm|tcg overrides.
std::vector<std::string> accel_plan(bool kvm_device_usable, std::optional<bool> kvm_known_good, const std::string& override);

}  // namespace rig
