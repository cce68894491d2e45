// A VM host's boot artifacts, built through rigctl's own image builder and cached:
// cache_root()/hosts/<key>/{disk.img, vmlinuz, [initrd.cpio,] host.json}. The disk is the image's
// layers unpacked as root and written into an ext4 file by `mkfs.ext4 -d` (no loop mounts); the
// kernel comes from the image's /boot and, when the recipe names initramfs modules, the initramfs
// from the same unpacked tree (initramfs.hpp). Runs boot from a copy-on-write overlay, so this
// stays clean.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "core/subprocess.hpp"

namespace rig {

struct HostImage {
  std::filesystem::path dir;
  std::filesystem::path disk;
  std::filesystem::path kernel;
  std::filesystem::path initrd;  // empty when the recipe needs none (host.initramfs_modules)
  std::string arch;              // the recipe's one architecture
  std::string kernel_release;  // "6.8.0-151-generic", from the file name in /boot
  std::vector<std::string> initramfs_modules;  // as the initramfs loads them
  std::string key;
  bool cached = false;
  double seconds = 0;
};

// The newest /boot/vmlinuz-<release> in an unpacked root filesystem; empty when there is none.
std::string find_kernel_release(const std::filesystem::path& rootfs);

Result<HostImage> build_host_image(const Recipe& r, CommandRunner& runner,
                                   const std::function<void(const std::string&)>& progress);

}  // namespace rig
