// The initramfs of a host whose kernel has its root disk drivers as modules, read back with
// libarchive: busybox, the modules decompressed, /init loading them in dependency order.
#include "support/catch.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <map>

#include "support/test_util.hpp"
#include "vmhost/initramfs.hpp"

namespace rigtest_vmhost_initramfs {

namespace {

constexpr const char* kRelease = "6.12.0-9-arm64";

struct CpioEntry {
  unsigned type = 0;
  unsigned perm = 0;
  std::string content, symlink;
  unsigned rdev_major = 0, rdev_minor = 0;
};

std::map<std::string, CpioEntry> read_cpio(const std::filesystem::path& p) {
  std::map<std::string, CpioEntry> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_cpio(a);  // cpio only: the writer must really produce one
  REQUIRE(archive_read_open_filename(a, p.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* e = nullptr;
  REQUIRE(archive_read_next_header(a, &e) == ARCHIVE_OK);
  CHECK(archive_format(a) == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);  // newc: the format the kernel unpacks
  do {
    CpioEntry c;
    c.type = archive_entry_filetype(e);
    c.perm = archive_entry_perm(e);
    if (archive_entry_symlink(e)) c.symlink = archive_entry_symlink(e);
    c.rdev_major = archive_entry_rdevmajor(e);
    c.rdev_minor = archive_entry_rdevminor(e);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) c.content.append(buf, static_cast<size_t>(n));
    out[archive_entry_pathname(e)] = c;
  } while (archive_read_next_header(a, &e) == ARCHIVE_OK);
  archive_read_free(a);
  return out;
}

// A module file as trixie ships it: xz-compressed.
void write_xz(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::create_directories(p.parent_path());
  struct archive* a = archive_write_new();
  archive_write_add_filter_xz(a);
  archive_write_set_format_raw(a);
  REQUIRE(archive_write_open_filename(a, p.c_str()) == ARCHIVE_OK);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
  REQUIRE(archive_write_data(a, data.data(), data.size()) == static_cast<la_ssize_t>(data.size()));
  archive_entry_free(e);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
}

// An unpacked host image with what the writer reads: busybox, modules.dep, the module files.
void make_rootfs(const std::filesystem::path& root) {
  auto mods = root / "usr/lib/modules" / kRelease;
  rigtest::write_text(mods / "modules.dep",
                      "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz\n"
                      "kernel/fs/jbd2/jbd2.ko.xz:\n"
                      "kernel/fs/mbcache.ko.xz:\n"
                      "kernel/drivers/block/virtio_blk.ko: \n");
  rigtest::write_text(mods / "modules.builtin", "kernel/drivers/virtio/virtio_pci.ko\n");
  write_xz(mods / "kernel/fs/ext4/ext4.ko.xz", "ELF ext4 module bytes");
  write_xz(mods / "kernel/fs/jbd2/jbd2.ko.xz", "ELF jbd2 module bytes");
  write_xz(mods / "kernel/fs/mbcache.ko.xz", "ELF mbcache module bytes");
  // An uncompressed one too: the writer copies it as it is.
  rigtest::write_text(mods / "kernel/drivers/block/virtio_blk.ko", "ELF virtio_blk plain");
  rigtest::write_text(root / "usr/bin/busybox", "static busybox bytes");
  // Debian's merged /usr: /lib is a link into it.
  std::filesystem::create_symlink("usr/lib", root / "lib");
}

rig::InitramfsSpec spec(const rigtest::TempDir& t) {
  return {t / "rootfs", kRelease, {"virtio_pci", "virtio_blk", "ext4"}, t / "initrd.cpio"};
}

}  // namespace

TEST_CASE("initramfs: busybox, the modules decompressed, /init and the console node", "[vmhost]") {
  rigtest::TempDir t;
  make_rootfs(t / "rootfs");
  auto info = rig::write_initramfs(spec(t));
  REQUIRE(info.ok());
  // virtio_pci is built in: nothing to load for it. ext4's dependencies come before it.
  CHECK(info->load_order == std::vector<std::string>{"virtio_blk", "jbd2", "mbcache", "ext4"});
  CHECK(info->bytes == std::filesystem::file_size(t / "initrd.cpio"));

  auto c = read_cpio(t / "initrd.cpio");
  REQUIRE(c.count("init"));
  CHECK(c["init"].type == AE_IFREG);
  CHECK(c["init"].perm == 0755);
  CHECK(c["bin/busybox"].content == "static busybox bytes");
  CHECK(c["bin/busybox"].perm == 0755);
  for (auto* applet : {"sh", "mount", "insmod", "switch_root"}) {
    REQUIRE(c.count(std::string("bin/") + applet));
    CHECK(c[std::string("bin/") + applet].type == AE_IFLNK);
    CHECK(c[std::string("bin/") + applet].symlink == "busybox");
  }
  CHECK(c["lib/modules/ext4.ko"].content == "ELF ext4 module bytes");
  CHECK(c["lib/modules/jbd2.ko"].content == "ELF jbd2 module bytes");
  CHECK(c["lib/modules/virtio_blk.ko"].content == "ELF virtio_blk plain");
  CHECK_FALSE(c.count("lib/modules/virtio_pci.ko"));
  REQUIRE(c.count("dev/console"));
  CHECK(c["dev/console"].type == AE_IFCHR);
  CHECK(c["dev/console"].rdev_major == 5);
  CHECK(c["dev/console"].rdev_minor == 1);
  for (auto* d : {"proc", "dev", "newroot"}) CHECK(c[d].type == AE_IFDIR);

  // /init loads them in that order, before it mounts the root disk.
  const auto& init = c["init"].content;
  CHECK(init.rfind("#!/bin/sh\n", 0) == 0);
  auto at = [&](const std::string& s) {
    auto p = init.find(s);
    REQUIRE(p != std::string::npos);
    return p;
  };
  CHECK(at("insmod /lib/modules/virtio_blk.ko") < at("insmod /lib/modules/jbd2.ko"));
  CHECK(at("insmod /lib/modules/mbcache.ko") < at("insmod /lib/modules/ext4.ko"));
  CHECK(at("insmod /lib/modules/ext4.ko") < at("mount -t \"$fstype\""));
  CHECK(at("mount -t \"$fstype\"") < at("exec switch_root /newroot \"$init\""));
}

TEST_CASE("initramfs: the same inputs give the same bytes", "[vmhost]") {
  rigtest::TempDir t;
  make_rootfs(t / "rootfs");
  REQUIRE(rig::write_initramfs(spec(t)).ok());
  auto first = rigtest::read_text(t / "initrd.cpio");
  REQUIRE(rig::write_initramfs(spec(t)).ok());
  CHECK(rigtest::read_text(t / "initrd.cpio") == first);
}

TEST_CASE("initramfs: what the image lacks is named, with the recipe field to fix", "[vmhost]") {
  rigtest::TempDir t;
  make_rootfs(t / "rootfs");
  auto s = spec(t);
  s.modules = {"virtio_blk", "nvme"};
  auto r = rig::write_initramfs(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK(r.error().what() == "write the initramfs: host.initramfs_modules: kernel module 'nvme' is neither in modules.dep nor built into the kernel");

  std::filesystem::remove(t / "rootfs/usr/bin/busybox");
  auto nobb = rig::write_initramfs(spec(t));
  REQUIRE_FALSE(nobb.ok());
  CHECK(nobb.error().what() == "write the initramfs: the image has no /bin/busybox: add busybox-static to the recipe");

  s = spec(t);
  s.kernel_release = "6.1.0-1-arm64";
  auto nodep = rig::write_initramfs(s);
  REQUIRE_FALSE(nodep.ok());
  CHECK(nodep.error().category() == rig::Category::Usage);
}

}  // namespace rigtest_vmhost_initramfs
