// The small initramfs a distro kernel needs when the root disk's drivers are modules (Debian's
// arm64 kernel: virtio_pci, virtio_blk, ext4): busybox-static from the image, those modules and
// their dependencies (from the image's own modules.dep, decompressed because busybox insmod takes
// them plain), and an /init that insmods them in dependency order, mounts the root disk and
// switch_roots to the host's init. Written as a newc cpio by libarchive; nothing is shelled out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct InitramfsSpec {
  std::filesystem::path rootfs;         // the unpacked host image
  std::string kernel_release;           // /lib/modules/<release>
  std::vector<std::string> modules;     // the recipe's host.initramfs_modules
  std::filesystem::path out;
};

struct InitramfsInfo {
  std::vector<std::string> load_order;  // module names, as /init insmods them
  uint64_t bytes = 0;
};

// /init's text for modules (file names under /lib/modules in the initramfs) in load order. It takes
// root=, rootfstype= and init= from the kernel command line (kernel_cmdline() sets them), so the
// root device and the host's init have one source.
std::string initramfs_init_script(const std::vector<std::string>& module_files);

Result<InitramfsInfo> write_initramfs(const InitramfsSpec& s);

}  // namespace rig
