#include "vmhost/initramfs.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <memory>

#include "builder/tar_io.hpp"
#include "core/fs.hpp"
#include "vmhost/kernel_modules.hpp"

namespace rig {

namespace {

// What /init calls, as links to busybox: it runs before anything else exists.
constexpr const char* kApplets[] = {"sh", "mount", "umount", "insmod", "switch_root", "sleep", "cat", "cut"};

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// A module file's bytes, decompressed whatever its suffix (.ko, .ko.xz, .ko.zst, .ko.gz): libarchive's
// raw format with every filter reads a compressed single stream, and a plain file as it is.
Result<std::string> read_module(const std::filesystem::path& p) {
  std::unique_ptr<struct archive, ReadFree> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_filename(a.get(), p.c_str(), 1 << 16) != ARCHIVE_OK)
    return internal_error("cannot read kernel module '" + p.string() + "': " + archive_error_string(a.get()));
  archive_entry* e = nullptr;
  if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    return internal_error("cannot read kernel module '" + p.string() + "': " + archive_error_string(a.get()));
  std::string data;
  char buf[1 << 16];
  la_ssize_t n;
  while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  if (n < 0) return internal_error("cannot decompress kernel module '" + p.string() + "': " + archive_error_string(a.get()));
  return data;
}

class CpioWriter {
 public:
  static Result<CpioWriter> open(const std::filesystem::path& out) {
    CpioWriter w;
    w.a_.reset(archive_write_new());
    archive_write_set_format_cpio_newc(w.a_.get());
    if (archive_write_open_filename(w.a_.get(), out.c_str()) != ARCHIVE_OK)
      return internal_error("cannot write '" + out.string() + "': " + archive_error_string(w.a_.get()));
    return w;
  }
  Status dir(const std::string& name) { return add(name, AE_IFDIR, 0755, "", ""); }
  Status file(const std::string& name, uint32_t mode, const std::string& data) { return add(name, AE_IFREG, mode, data, ""); }
  Status link(const std::string& name, const std::string& target) { return add(name, AE_IFLNK, 0777, "", target); }
  // The kernel opens /dev/console for /init before /init can mount devtmpfs.
  Status chardev(const std::string& name, unsigned major, unsigned minor) {
    return add(name, AE_IFCHR, 0600, "", "", makedev(major, minor));
  }
  Status close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return internal_error(std::string("initramfs: ") + archive_error_string(a_.get()));
    return ok();
  }

 private:
  Status add(const std::string& name, unsigned type, uint32_t mode, const std::string& data, const std::string& target, dev_t rdev = 0) {
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    // mtime 0 and our own inode numbers: the same inputs give the same bytes, and no two entries
    // look like hard links to the kernel's unpacker.
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_set_ino(e.get(), ++ino_);
    archive_entry_set_nlink(e.get(), type == AE_IFDIR ? 2 : 1);
    if (type == AE_IFLNK) archive_entry_set_symlink(e.get(), target.c_str());
    if (type == AE_IFCHR) archive_entry_set_rdev(e.get(), rdev);
    archive_entry_set_size(e.get(), type == AE_IFREG ? static_cast<la_int64_t>(data.size()) : 0);
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK ||
        (type == AE_IFREG && archive_write_data(a_.get(), data.data(), data.size()) < 0))
      return internal_error("initramfs entry '" + name + "': " + archive_error_string(a_.get()));
    return ok();
  }
  std::unique_ptr<struct archive, WriteFree> a_;
  int64_t ino_ = 0;
};

std::filesystem::path first_existing(const std::filesystem::path& root, std::initializer_list<const char*> rels) {
  for (auto* r : rels)
    if (std::filesystem::exists(root / r)) return root / r;
  return {};
}

}  // namespace

std::string initramfs_init_script(const std::vector<std::string>& module_files) {
  std::string s =
      "#!/bin/sh\n"
      "# rigctl's initramfs (vmhost/initramfs.cpp): load the root disk's modules, mount it, hand over.\n"
      "export PATH=/bin\n"
      "mount -t proc proc /proc\n"
      "mount -t devtmpfs devtmpfs /dev\n"
      "say() { echo \"rigctl-initramfs: $* (t=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)s)\"; }\n"
      // Exiting PID 1 panics the kernel; with panic=-1 and -no-reboot that stops qemu, and rigctl
      // quotes this console line as the reason.
      "die() { say \"$*\"; exit 1; }\n"
      "root=/dev/vda fstype=ext4 init=/sbin/init\n"
      "for a in $(cat /proc/cmdline); do\n"
      "  case \"$a\" in root=*) root=${a#root=} ;; rootfstype=*) fstype=${a#rootfstype=} ;; init=*) init=${a#init=} ;; esac\n"
      "done\n"
      "say \"loading " + std::to_string(module_files.size()) + " modules\"\n";
  for (auto& m : module_files) s += "insmod /lib/modules/" + m + " || die \"insmod " + m + " failed\"\n";
  s +=
      // The disk appears asynchronously once its driver probed the PCI device.
      "n=0\n"
      "while [ ! -b \"$root\" ]; do\n"
      "  n=$((n + 1)); [ $n -gt 200 ] && die \"no $root after 20 s\"\n"
      "  sleep 0.1\n"
      "done\n"
      "mount -t \"$fstype\" -o rw \"$root\" /newroot || die \"cannot mount $root ($fstype)\"\n"
      "[ -x \"/newroot$init\" ] || die \"no executable $init on $root\"\n"
      // The console stays open on /dev: move the mount rather than unmount it.
      "say \"switch_root to $init on $root\"\n"
      "mount --move /dev /newroot/dev 2>/dev/null || true\n"
      "umount /proc 2>/dev/null\n"
      "exec switch_root /newroot \"$init\"\n";
  return s;
}

Result<InitramfsInfo> write_initramfs(const InitramfsSpec& s) {
  const std::string ctx = "write the initramfs";
  auto fail = [&](Error e) { return std::move(e).add_context(ctx); };
  auto moddir = first_existing(s.rootfs, {"usr/lib/modules", "lib/modules"});
  if (moddir.empty()) return fail(usage_error("the image has no /lib/modules: add the kernel package to the recipe"));
  moddir /= s.kernel_release;
  auto dep = read_file(moddir / "modules.dep");
  if (!dep) return fail(usage_error("the image has no modules.dep for kernel " + s.kernel_release, "the kernel package runs depmod; is kmod in the recipe?"));
  auto builtin = read_file(moddir / "modules.builtin");
  RIG_TRY(auto idx, parse_module_index(*dep, builtin ? *builtin : ""));
  auto order = resolve_module_load_order(idx, s.modules);
  if (!order) return fail(std::move(order).error().add_context("host.initramfs_modules"));
  auto busybox = first_existing(s.rootfs, {"usr/bin/busybox", "bin/busybox"});
  if (busybox.empty()) return fail(usage_error("the image has no /bin/busybox: add busybox-static to the recipe"));
  RIG_TRY(auto bb, read_file(busybox));

  InitramfsInfo info;
  std::vector<std::string> files;
  for (auto& rel : *order) {
    info.load_order.push_back(module_name_of(rel));
    files.push_back(module_name_of(rel) + ".ko");
  }
  auto w = CpioWriter::open(s.out);
  if (!w) return fail(std::move(w).error());
  for (auto* d : {"bin", "dev", "lib", "lib/modules", "newroot", "proc", "sys"}) RIG_CHECK(w->dir(d));
  RIG_CHECK(w->chardev("dev/console", 5, 1));
  RIG_CHECK(w->file("bin/busybox", 0755, bb));
  for (auto* a : kApplets) RIG_CHECK(w->link(std::string("bin/") + a, "busybox"));
  for (size_t i = 0; i < order->size(); ++i) {
    auto data = read_module(moddir / (*order)[i]);
    if (!data) return fail(std::move(data).error());
    RIG_CHECK(w->file("lib/modules/" + files[i], 0644, *data));
  }
  RIG_CHECK(w->file("init", 0755, initramfs_init_script(files)));
  RIG_CHECK(w->close());
  std::error_code ec;
  info.bytes = std::filesystem::file_size(s.out, ec);
  return info;
}

}  // namespace rig
