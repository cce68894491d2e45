// Which module files an initramfs loads, in which order: from the image's own modules.dep.
#include "support/catch.hpp"

#include <algorithm>

#include "vmhost/kernel_modules.hpp"

namespace rigtest_vmhost_kernel_modules {

namespace {

// The shape of Debian trixie's arm64 modules.dep for the root disk (xz-compressed, dependencies
// listed transitively, in no particular order).
const char* kDep =
    "kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz kernel/fs/mbcache.ko.xz kernel/fs/jbd2/jbd2.ko.xz\n"
    "kernel/fs/mbcache.ko.xz:\n"
    "kernel/fs/jbd2/jbd2.ko.xz:\n"
    "kernel/lib/crc16.ko.xz:\n"
    "kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz\n"
    "kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz "
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz\n"
    "kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz:\n"
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz:\n"
    "kernel/drivers/virtio/virtio_ring.ko.xz: kernel/drivers/virtio/virtio.ko.xz\n"
    "kernel/drivers/virtio/virtio.ko.xz:\n"
    "kernel/drivers/net/dummy-irq.ko.xz:\n";

const char* kBuiltin = "kernel/drivers/tty/serial/amba-pl011.ko\nkernel/fs/overlayfs/overlay.ko\n";

rig::ModuleIndex index() {
  auto idx = rig::parse_module_index(kDep, kBuiltin);
  REQUIRE(idx.ok());
  return *idx;
}

size_t pos(const std::vector<std::string>& v, const std::string& path) {
  auto it = std::find(v.begin(), v.end(), path);
  REQUIRE(it != v.end());
  return static_cast<size_t>(it - v.begin());
}

}  // namespace

TEST_CASE("kernel modules: names from paths, as the kernel normalises them", "[vmhost]") {
  CHECK(rig::module_name_of("kernel/drivers/block/virtio_blk.ko.xz") == "virtio_blk");
  CHECK(rig::module_name_of("kernel/fs/ext4/ext4.ko") == "ext4");
  CHECK(rig::module_name_of("kernel/drivers/net/dummy-irq.ko.zst") == "dummy_irq");
  CHECK(rig::module_name_of("crc16.ko.gz") == "crc16");
}

TEST_CASE("kernel modules: every dependency before its user, each once, in request order otherwise", "[vmhost]") {
  auto order = rig::resolve_module_load_order(index(), {"virtio_pci", "virtio_blk", "ext4"});
  REQUIRE(order.ok());
  const auto& o = *order;
  // virtio and virtio_ring are shared by virtio_pci and virtio_blk: loaded once.
  CHECK(o.size() == 10);
  CHECK(std::count(o.begin(), o.end(), "kernel/drivers/virtio/virtio.ko.xz") == 1);
  CHECK(pos(o, "kernel/drivers/virtio/virtio.ko.xz") < pos(o, "kernel/drivers/virtio/virtio_ring.ko.xz"));
  CHECK(pos(o, "kernel/drivers/virtio/virtio_ring.ko.xz") < pos(o, "kernel/drivers/virtio/virtio_pci.ko.xz"));
  CHECK(pos(o, "kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz") < pos(o, "kernel/drivers/virtio/virtio_pci.ko.xz"));
  CHECK(pos(o, "kernel/drivers/virtio/virtio_pci.ko.xz") < pos(o, "kernel/drivers/block/virtio_blk.ko.xz"));
  for (auto* d : {"kernel/lib/crc16.ko.xz", "kernel/fs/mbcache.ko.xz", "kernel/fs/jbd2/jbd2.ko.xz"})
    CHECK(pos(o, d) < pos(o, "kernel/fs/ext4/ext4.ko.xz"));
  CHECK(o.back() == "kernel/fs/ext4/ext4.ko.xz");
  // Nothing that was not asked for or needed.
  CHECK(std::find(o.begin(), o.end(), "kernel/drivers/net/dummy-irq.ko.xz") == o.end());
}

TEST_CASE("kernel modules: built-in ones need no file; unknown ones are the recipe's mistake", "[vmhost]") {
  auto order = rig::resolve_module_load_order(index(), {"overlay", "amba_pl011"});
  REQUIRE(order.ok());
  CHECK(order->empty());

  auto bad = rig::resolve_module_load_order(index(), {"virtio_blk", "virtio_scsi"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().category() == rig::Category::Usage);
  CHECK(bad.error().what() == "kernel module 'virtio_scsi' is neither in modules.dep nor built into the kernel");

  // A dependency modules.dep names but does not list itself (a broken depmod run).
  auto idx = rig::parse_module_index("kernel/a.ko: kernel/b.ko\n", "");
  REQUIRE(idx.ok());
  auto missing = rig::resolve_module_load_order(*idx, {"a"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().what() == "kernel module 'b' (needed by 'a') is neither in modules.dep nor built into the kernel");
}

TEST_CASE("kernel modules: malformed modules.dep and cycles are reported, not looped on", "[vmhost]") {
  auto bad = rig::parse_module_index("kernel/a.ko kernel/b.ko\n", "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().what() == "modules.dep line 1 is not 'path: deps': 'kernel/a.ko kernel/b.ko'");

  auto idx = rig::parse_module_index("kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n", "");
  REQUIRE(idx.ok());
  auto cyc = rig::resolve_module_load_order(*idx, {"a"});
  REQUIRE_FALSE(cyc.ok());
  CHECK(cyc.error().category() == rig::Category::Internal);
}

}  // namespace rigtest_vmhost_kernel_modules
