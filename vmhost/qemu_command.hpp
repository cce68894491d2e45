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

// What differs between the guest architectures rigctl boots: the emulator, the board and the
// serial console's device name in the guest.
struct QemuMachine {
  std::string arch;     // Debian name: amd64 | arm64
  std::string binary;   // qemu-system-x86_64 | qemu-system-aarch64
  std::string machine;  // q35 | virt
  std::string console;  // ttyS0 (16550 UART) | ttyAMA0 (PL011)
};

// The machine for a host recipe's architecture; nullopt for one rigctl cannot boot.
std::optional<QemuMachine> qemu_machine_for(const std::string& arch);

struct QemuSpec {
  QemuMachine machine = *qemu_machine_for("amd64");
  std::filesystem::path kernel;
  std::filesystem::path initrd;   // empty: the kernel mounts the root disk itself
  std::filesystem::path disk;     // the per-run qcow2 overlay
  std::filesystem::path console;  // the serial console goes to this file
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

// The machine's qemu-system binary, daemonized (-daemonize -pidfile) so the VM can outlive
// `rigctl host up`.
Command qemu_command(const QemuSpec& s);

// Which accelerators to try, in order. KVM only for a native guest, when the device is usable and it has not been seen
// to hang on this boot of the machine (a hanging KVM guest costs a whole probe timeout);
// RIGCTL_VM_ACCEL=kvm|tcg overrides.
// KVM only runs a guest of this machine's own architecture (`native`).
std::vector<std::string> accel_plan(bool native, bool kvm_device_usable, std::optional<bool> kvm_known_good, const std::string& override);

}  // namespace rig
