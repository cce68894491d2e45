// The VM's qemu command line: what decides its isolation (restrict=on, one loopback hostfwd),
// whether it can stop (-no-reboot, panic=-1) and where its console goes.
#include "support/catch.hpp"

#include <algorithm>

#include "vmhost/qemu_command.hpp"

namespace rigtest_vmhost_qemu_command {

namespace {

rig::QemuSpec spec() {
  rig::QemuSpec s;
  s.kernel = "/c/hosts/k/vmlinuz";
  s.disk = "/c/run/x/disk.qcow2";
  s.console = "/c/run/x/console.log";
  s.pidfile = "/c/run/x/qemu.pid";
  s.monitor = "/c/run/x/qmp.sock";
  s.port = 41234;
  s.init = "/usr/local/sbin/rig-host-init";
  s.cmdline_extra = {"apparmor=1"};
  s.sysctls = {{"kernel.apparmor_restrict_unprivileged_userns", "1"}};
  return s;
}

std::string after(const std::vector<std::string>& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  REQUIRE(it != argv.end());
  REQUIRE(it + 1 != argv.end());
  return *(it + 1);
}

size_t count(const std::vector<std::string>& argv, const std::string& flag) {
  return static_cast<size_t>(std::count(argv.begin(), argv.end(), flag));
}

}  // namespace

TEST_CASE("qemu: user-mode network restricted, the Docker API the only forward, on loopback", "[vmhost]") {
  auto argv = rig::qemu_command(spec()).argv;
  CHECK(argv.front() == "qemu-system-x86_64");
  CHECK(count(argv, "-netdev") == 1);
  CHECK(after(argv, "-netdev") == "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:2375");
  CHECK(after(argv, "-device") == "virtio-net-pci,netdev=n0");
  // -nodefaults: no second NIC, no VGA, no default monitor on stdio.
  CHECK(count(argv, "-nodefaults") == 1);
  CHECK(after(argv, "-monitor") == "none");
  CHECK(after(argv, "-qmp") == "unix:/c/run/x/qmp.sock,server=on,wait=off");
}

TEST_CASE("qemu: boots the overlay with the recipe's kernel, console to a file, daemonized", "[vmhost]") {
  auto argv = rig::qemu_command(spec()).argv;
  CHECK(after(argv, "-kernel") == "/c/hosts/k/vmlinuz");
  CHECK(after(argv, "-drive") == "file=/c/run/x/disk.qcow2,format=qcow2,if=virtio,cache=unsafe");
  CHECK(after(argv, "-serial") == "file:/c/run/x/console.log");
  CHECK(after(argv, "-pidfile") == "/c/run/x/qemu.pid");
  CHECK(count(argv, "-daemonize") == 1);
  CHECK(count(argv, "-no-reboot") == 1);
  CHECK(after(argv, "-smp") == "2");
  CHECK(after(argv, "-m") == "4096");
}

TEST_CASE("qemu: kernel command line", "[vmhost]") {
  CHECK(rig::kernel_cmdline(spec()) ==
        "root=/dev/vda rw rootfstype=ext4 console=ttyS0 panic=-1 init=/usr/local/sbin/rig-host-init apparmor=1 "
        "sysctl.kernel.apparmor_restrict_unprivileged_userns=1");
  CHECK(after(rig::qemu_command(spec()).argv, "-append") == rig::kernel_cmdline(spec()));
}

TEST_CASE("qemu: accelerator and CPU model", "[vmhost]") {
  auto s = spec();
  auto tcg = rig::qemu_command(s).argv;
  CHECK(after(tcg, "-machine") == "q35,accel=tcg");
  CHECK(after(tcg, "-cpu") == "max");
  s.accel = "kvm";
  auto kvm = rig::qemu_command(s).argv;
  CHECK(after(kvm, "-machine") == "q35,accel=kvm");
  CHECK(after(kvm, "-cpu") == "host");
}

TEST_CASE("qemu: KVM is tried first only when usable and not seen hanging", "[vmhost]") {
  using V = std::vector<std::string>;
  CHECK(rig::accel_plan(true, true, std::nullopt, "") == V{"kvm", "tcg"});
  CHECK(rig::accel_plan(true, true, true, "") == V{"kvm", "tcg"});
  CHECK(rig::accel_plan(true, true, false, "") == V{"tcg"});  // hung on this boot of the machine
  CHECK(rig::accel_plan(true, false, std::nullopt, "") == V{"tcg"});
  CHECK(rig::accel_plan(true, false, std::nullopt, "kvm") == V{"kvm"});
  CHECK(rig::accel_plan(true, true, true, "tcg") == V{"tcg"});
}

TEST_CASE("qemu: a foreign guest architecture is emulated whatever /dev/kvm says", "[vmhost]") {
  using V = std::vector<std::string>;
  CHECK(rig::accel_plan(false, true, true, "") == V{"tcg"});
  CHECK(rig::accel_plan(false, true, std::nullopt, "kvm") == V{"tcg"});
}

TEST_CASE("qemu: machines per architecture, unknown ones refused", "[vmhost]") {
  auto amd = rig::qemu_machine_for("amd64");
  REQUIRE(amd);
  CHECK(amd->binary == "qemu-system-x86_64");
  CHECK(amd->machine == "q35");
  CHECK(amd->console == "ttyS0");
  auto arm = rig::qemu_machine_for("arm64");
  REQUIRE(arm);
  CHECK(arm->binary == "qemu-system-aarch64");
  CHECK(arm->machine == "virt");
  CHECK(arm->console == "ttyAMA0");
  CHECK_FALSE(rig::qemu_machine_for("riscv64"));
  CHECK_FALSE(rig::qemu_machine_for(""));
}

TEST_CASE("qemu: arm64 host -- virt board, its console, the initramfs", "[vmhost]") {
  auto s = spec();
  s.machine = *rig::qemu_machine_for("arm64");
  s.initrd = "/c/hosts/k/initrd.cpio";
  s.cmdline_extra = {"net.ifnames=0"};
  s.sysctls.clear();
  auto argv = rig::qemu_command(s).argv;
  CHECK(argv.front() == "qemu-system-aarch64");
  CHECK(after(argv, "-machine") == "virt,accel=tcg");
  CHECK(after(argv, "-cpu") == "max,pauth-impdef=on");
  CHECK(after(argv, "-initrd") == "/c/hosts/k/initrd.cpio");
  CHECK(after(argv, "-kernel") == "/c/hosts/k/vmlinuz");
  CHECK(rig::kernel_cmdline(s) ==
        "root=/dev/vda rw rootfstype=ext4 console=ttyAMA0 panic=-1 init=/usr/local/sbin/rig-host-init net.ifnames=0");
  CHECK(after(argv, "-append") == rig::kernel_cmdline(s));
  // The same isolation as the amd64 host.
  CHECK(after(argv, "-netdev") == "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:41234-:2375");
  CHECK(count(argv, "-no-reboot") == 1);
}

TEST_CASE("qemu: no initramfs unless the host image has one", "[vmhost]") {
  CHECK(count(rig::qemu_command(spec()).argv, "-initrd") == 0);
}

}  // namespace rigtest_vmhost_qemu_command
