#include "host/machine.hpp"

#include <cstdlib>

#include "core/arch.hpp"

#include "support/catch.hpp"

#include "support/test_util.hpp"

namespace rigtest_host_machine {

using rigtest::TempDir;
using rigtest::write_text;
namespace fs = std::filesystem;

namespace {

constexpr const char* kArm64Handler =
    "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c46\n";

}  // namespace

TEST_CASE("machine: probe_machine reads AppArmor, /dev/fuse, the userns switch and binfmt from a fake tree", "[host][machine]") {
  TempDir t;
  auto root = t.path().string();
  auto bare = rig::probe_machine(root);
  CHECK_FALSE(bare.apparmor);
  CHECK_FALSE(bare.fuse_device);
  CHECK(bare.userns_restricted == "absent");
  CHECK(bare.cpus >= 1);
  CHECK_FALSE(bare.kernel.empty());
  CHECK(bare.arch == rig::host_arch());
  for (auto& [arch, h] : bare.binfmt) {
    CHECK(arch != bare.arch);
    CHECK_FALSE(h.mounted);
  }

  write_text(t / "sys/module/apparmor/parameters/enabled", "Y\n");
  write_text(t / "dev/fuse", "");
  write_text(t / "proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
  write_text(t / "proc/sys/fs/binfmt_misc/status", "enabled\n");
  write_text(t / "proc/sys/fs/binfmt_misc/qemu-aarch64", kArm64Handler);
  write_text(t / "proc/sys/fs/binfmt_misc/qemu-x86_64", "enabled\ninterpreter /x\nflags: OCF\n");
  auto m = rig::probe_machine(root);
  CHECK(m.apparmor);
  CHECK(m.fuse_device);
  CHECK(m.userns_restricted == "1");
  REQUIRE(m.binfmt.size() == 1);  // amd64 and arm64, less the machine's own
  for (auto& [arch, h] : m.binfmt) {
    CHECK(h.mounted);
    CHECK(h.present);
    CHECK(h.enabled);
    CHECK(rig::binfmt_problem(arch, h).empty());
    CHECK(rig::binfmt_fix(arch, h).empty());
  }
}

TEST_CASE("machine: one binfmt judgement, the F flag required", "[host][machine]") {
  TempDir t;
  auto judge = [&](const std::string& arch) {
    auto h = rig::read_binfmt(arch, t.path());
    return std::make_pair(rig::binfmt_problem(arch, h), rig::binfmt_fix(arch, h));
  };
  auto [unmounted, mount] = judge("arm64");
  CHECK(unmounted == "binfmt_misc is not mounted: arm64 binaries cannot run");
  CHECK_THAT(mount, Catch::StartsWith("mount -t binfmt_misc"));

  write_text(t / "status", "disabled\n");
  CHECK(judge("arm64").first == "binfmt_misc is disabled: arm64 binaries cannot run");
  CHECK(judge("arm64").second == "echo 1 > /proc/sys/fs/binfmt_misc/status");

  write_text(t / "status", "enabled\n");
  CHECK(judge("arm64").first == "no qemu-aarch64 handler: arm64 binaries cannot run");
  CHECK_THAT(judge("arm64").second, Catch::Contains("update-binfmts --enable qemu-aarch64"));

  write_text(t / "qemu-aarch64", "disabled\ninterpreter /x\nflags: POCF\n");
  CHECK(judge("arm64").first == "qemu-aarch64 handler is disabled");
  CHECK(judge("arm64").second == "update-binfmts --enable qemu-aarch64");

  // Registered by binfmt-support without F (e.g. a hand-made entry): runs on the host, not in a rig.
  write_text(t / "qemu-aarch64", "enabled\ninterpreter /x\nflags: OC\n");
  CHECK_THAT(judge("arm64").first, Catch::Contains("without the F (fix-binary) flag"));

  write_text(t / "qemu-aarch64", kArm64Handler);
  CHECK(judge("arm64").first.empty());
  CHECK(rig::read_binfmt("arm64", t.path()).flags == "POCF");
}

TEST_CASE("machine: which_on_path finds executables only", "[host][machine]") {
  TempDir t;
  write_text(t / "bin/tool", "#!/bin/sh\n");
  fs::permissions(t / "bin/tool", fs::perms(0755));
  write_text(t / "bin/data", "");
  fs::create_directories(t / "bin/dir");
  const char* old = std::getenv("PATH");
  std::string saved = old ? old : "";
  ::setenv("PATH", (":" + (t / "bin").string() + ":/nonexistent").c_str(), 1);
  auto tool = rig::which_on_path("tool");
  auto data = rig::which_on_path("data");
  auto dir = rig::which_on_path("dir");
  auto none = rig::which_on_path("no-such-tool");
  ::setenv("PATH", saved.c_str(), 1);
  REQUIRE(tool);
  CHECK(*tool == t / "bin/tool");
  CHECK_FALSE(data);
  CHECK_FALSE(dir);
  CHECK_FALSE(none);
}

TEST_CASE("machine: foreign_arches is what rigctl builds less the machine's own", "[host][machine]") {
  CHECK(rig::foreign_arches("amd64") == std::vector<std::string>{"arm64"});
  CHECK(rig::foreign_arches("arm64") == std::vector<std::string>{"amd64"});
  CHECK(rig::foreign_arches("riscv64") == std::vector<std::string>{"amd64", "arm64"});
}

}  // namespace rigtest_host_machine
