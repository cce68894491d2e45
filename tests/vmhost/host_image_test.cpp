// Which kernel of an unpacked host image boots: the newest /boot/vmlinuz-<release> file.
#include "support/catch.hpp"

#include <fstream>

#include "support/test_util.hpp"
#include "vmhost/host_image.hpp"

namespace rigtest_vmhost_host_image {

TEST_CASE("host image: the newest kernel release in /boot, by version", "[vmhost]") {
  rigtest::TempDir root;
  CHECK(rig::find_kernel_release(root.path()).empty());
  std::filesystem::create_directories(root / "boot");
  for (auto* f : {"vmlinuz-6.8.0-31-generic", "vmlinuz-6.8.0-151-generic", "config-6.8.0-200-generic"})
    std::ofstream(root.path() / "boot" / f) << "x";
  // Ubuntu's symlinks (vmlinuz, vmlinuz.old) are not kernels of their own.
  std::filesystem::create_symlink("vmlinuz-6.8.0-31-generic", root.path() / "boot" / "vmlinuz-9.9");
  CHECK(rig::find_kernel_release(root.path()) == "6.8.0-151-generic");
}

}  // namespace rigtest_vmhost_host_image
