#include "support/catch.hpp"

#include "core/arch.hpp"

namespace rigtest_core_arch {

TEST_CASE("arch: known architectures are Debian's names", "[core][arch]") {
  for (auto a : {"amd64", "arm64", "armhf", "armel", "i386", "ppc64el", "s390x", "riscv64", "mips64el"})
    CHECK(rig::is_known_arch(a));
  CHECK_FALSE(rig::is_known_arch("x86_64"));
  CHECK_FALSE(rig::is_known_arch(""));
  CHECK(rig::is_known_arch(rig::host_arch()));
}

TEST_CASE("arch: kernel, engine and qemu spellings map to Debian's", "[core][arch]") {
  // uname -m (a kernel, /info) and Go's GOARCH (an engine's /version) both occur.
  CHECK(rig::debian_arch_of("x86_64") == "amd64");
  CHECK(rig::debian_arch_of("amd64") == "amd64");
  CHECK(rig::debian_arch_of("aarch64") == "arm64");
  CHECK(rig::debian_arch_of("arm64") == "arm64");
  CHECK(rig::debian_arch_of("armv7l") == "armhf");
  CHECK(rig::debian_arch_of("arm") == "armhf");
  CHECK(rig::debian_arch_of("armel") == "armel");
  CHECK(rig::debian_arch_of("386") == "i386");
  CHECK(rig::debian_arch_of("i686") == "i386");
  CHECK(rig::debian_arch_of("ppc64le") == "ppc64el");
  CHECK(rig::debian_arch_of("mips64le") == "mips64el");
  CHECK(rig::debian_arch_of("s390x") == "s390x");
  CHECK(rig::debian_arch_of("sparc64") == "sparc64");
  CHECK(rig::debian_arch_of("") == "");
}

TEST_CASE("arch: qemu's and uname's names of a Debian architecture", "[core][arch]") {
  CHECK(rig::qemu_arch("amd64") == "x86_64");
  CHECK(rig::qemu_arch("arm64") == "aarch64");
  CHECK(rig::qemu_arch("armhf") == "arm");
  CHECK(rig::qemu_arch("armel") == "arm");
  CHECK(rig::qemu_arch("i386") == "i386");
  CHECK(rig::qemu_arch("ppc64el") == "ppc64le");
  CHECK(rig::qemu_arch("riscv64") == "riscv64");
  CHECK(rig::qemu_arch("mips64el") == "mips64el");
  CHECK(rig::uname_machine("amd64") == "x86_64");
  CHECK(rig::uname_machine("arm64") == "aarch64");
  CHECK(rig::uname_machine("armhf") == "armv7l");
  CHECK(rig::uname_machine("i386") == "i686");
  // Every known architecture round-trips through each spelling but qemu's (armhf and armel share "arm").
  for (auto a : {"amd64", "arm64", "armhf", "i386", "ppc64el", "s390x", "riscv64", "mips64el"}) {
    CHECK(rig::debian_arch_of(rig::uname_machine(a)) == a);
    CHECK(rig::debian_arch_of(rig::qemu_arch(a)) == a);
  }
}

}  // namespace rigtest_core_arch
