#include "core/arch.hpp"

#include <sys/utsname.h>

#include <array>

namespace rig {
namespace {

struct ArchNames {
  const char* debian;
  const char* qemu;
  const char* uname;
  const char* goarch;
};

// Order matters only where spellings collide: GOARCH "arm" is armhf (the first of the two).
constexpr std::array<ArchNames, 9> kArches{{
    {"amd64", "x86_64", "x86_64", "amd64"},
    {"arm64", "aarch64", "aarch64", "arm64"},
    {"armhf", "arm", "armv7l", "arm"},
    {"armel", "arm", "armv5tel", "arm"},
    {"i386", "i386", "i686", "386"},
    {"ppc64el", "ppc64le", "ppc64le", "ppc64le"},
    {"s390x", "s390x", "s390x", "s390x"},
    {"riscv64", "riscv64", "riscv64", "riscv64"},
    {"mips64el", "mips64el", "mips64", "mips64le"},
}};

const ArchNames* by_debian(const std::string& a) {
  for (auto& n : kArches)
    if (a == n.debian) return &n;
  return nullptr;
}

}  // namespace

bool is_known_arch(const std::string& debian_arch) { return by_debian(debian_arch) != nullptr; }

std::string host_arch() {
  struct utsname u {};
  ::uname(&u);
  return debian_arch_of(u.machine);
}

std::string debian_arch_of(const std::string& s) {
  if (by_debian(s)) return s;
  for (auto& n : kArches)
    if (s == n.uname || s == n.goarch || s == n.qemu) return n.debian;
  return s;
}

std::string qemu_arch(const std::string& debian_arch) {
  auto* n = by_debian(debian_arch);
  return n ? n->qemu : debian_arch;
}

std::string uname_machine(const std::string& debian_arch) {
  auto* n = by_debian(debian_arch);
  return n ? n->uname : debian_arch;
}

}  // namespace rig
