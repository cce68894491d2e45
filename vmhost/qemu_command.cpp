#include "vmhost/qemu_command.hpp"

#include <algorithm>

namespace rig {

std::optional<QemuMachine> qemu_machine_for(const std::string& arch) {
  if (arch == "amd64") return QemuMachine{"amd64", "qemu-system-x86_64", "q35", "ttyS0"};
  if (arch == "arm64") return QemuMachine{"arm64", "qemu-system-aarch64", "virt", "ttyAMA0"};
  return std::nullopt;
}

std::string kernel_cmdline(const QemuSpec& s) {
  std::string c = "root=/dev/vda rw rootfstype=ext4 console=" + s.machine.console + " panic=-1 init=" + s.init;
  for (auto& a : s.cmdline_extra) c += " " + a;
  for (auto& [k, v] : s.sysctls) c += " sysctl." + k + "=" + v;
  return c;
}

Command qemu_command(const QemuSpec& s) {
  const std::string port = std::to_string(s.port);
  Command c;
  // TCG: the newest CPU qemu can emulate; KVM: the real one. arm64's max has pointer
  // authentication, whose architected QARMA cipher is costly to emulate on every signed return;
  // pauth-impdef keeps the feature with qemu's cheap implementation-defined algorithm.
  std::string cpu = s.accel == "kvm" ? "host" : s.machine.arch == "arm64" ? "max,pauth-impdef=on" : "max";
  c.argv = {s.machine.binary,
            "-name", "rigctl-host",
            "-machine", s.machine.machine + ",accel=" + s.accel,
            "-cpu", cpu,
            "-smp", std::to_string(s.cpus),
            "-m", std::to_string(s.memory_mb),
            "-nodefaults", "-display", "none",
            // The monitor only answers on a QMP socket in the run dir: rigctl adds port mirrors there.
            "-monitor", "none", "-qmp", "unix:" + s.monitor.string() + ",server=on,wait=off",
            "-no-reboot",
            "-kernel", s.kernel.string(),
            "-append", kernel_cmdline(s),
            "-drive", "file=" + s.disk.string() + ",format=qcow2,if=virtio,cache=unsafe",
            // restrict=on: no traffic leaves the guest; the one hostfwd is loopback-only here.
            "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + port + "-:" + std::to_string(kGuestDockerPort),
            "-device", "virtio-net-pci,netdev=n0",
            "-serial", "file:" + s.console.string(),
            "-daemonize", "-pidfile", s.pidfile.string()};
  if (!s.initrd.empty()) {
    auto at = std::find(c.argv.begin(), c.argv.end(), "-append");
    c.argv.insert(at, {"-initrd", s.initrd.string()});
  }
  return c;
}

std::vector<std::string> accel_plan(bool native, bool kvm_device_usable, std::optional<bool> kvm_known_good, const std::string& override) {
  if (!native) return {"tcg"};
  if (override == "tcg") return {"tcg"};
  if (override == "kvm") return {"kvm"};
  if (!kvm_device_usable || kvm_known_good == false) return {"tcg"};
  return {"kvm", "tcg"};
}

}  // namespace rig
