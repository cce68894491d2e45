#include "vmhost/host_image.hpp"

#include <unistd.h>

#include <string.h>

#include <algorithm>
#include <chrono>

#include "builder/build.hpp"
#include "core/fs.hpp"
#include "core/json_shape.hpp"
#include "core/interrupt.hpp"
#include "core/sha256.hpp"
#include "vmhost/initramfs.hpp"

namespace rig {

namespace {

// Bump when the disk layout changes: the key must not find an image made the old way.
// 2: the initramfs (host.initramfs_modules) is part of the image.
constexpr const char* kDiskFormat = "rigctl-vmhost-disk/2";

uint64_t tree_bytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); it != std::filesystem::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) n += it->file_size(ec);
  return n;
}

Status run_tool(CommandRunner& runner, std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  RIG_TRY(auto done, runner.run(c));
  if (interrupted()) return interrupted_error();
  if (done.status != 0)
    return internal_error(c.argv[0] + " exited with status " + std::to_string(done.status) + ":\n" + done.tail(10),
                          "run it by hand to see all of it: " + shell_quote(c.argv));
  return ok();
}

}  // namespace

std::string find_kernel_release(const std::filesystem::path& rootfs) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(rootfs / "boot", ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with("vmlinuz-") && e.is_regular_file(ec) && !e.is_symlink(ec)) found.push_back(name.substr(8));
  }
  if (found.empty()) return "";
  // Release strings compare as versions (6.8.0-151 after 6.8.0-31); the newest is what a
  // production host boots.
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) { return ::strverscmp(a.c_str(), b.c_str()) < 0; });
  return found.back();
}

Result<HostImage> build_host_image(const Recipe& r, CommandRunner& runner, const std::function<void(const std::string&)>& progress) {
  auto t0 = std::chrono::steady_clock::now();
  auto say = [&](const std::string& m) {
    if (progress) progress(m);
  };
  if (!r.host) return usage_error("recipe '" + r.file.string() + "' has no \"host\" section: it is not a host recipe");
  if (::geteuid() != 0)
    return unavailable("building a VM host disk needs root (the image's files keep their owners on the disk)",
                             "run rigctl host as root");

  BuildEvents ev;
  ev.phase = [&](const std::string& p) { say("host image: " + p); };
  BuildRequest req;
  // The recipe lists exactly one (recipe.cpp): the VM's. A foreign one builds under qemu-user.
  req.arch = r.architectures.front();
  RIG_TRY(auto built, build_image(r, req, runner, ev));

  HostImage out;
  out.arch = req.arch;
  out.key = sha256_hex(std::string(kDiskFormat) + "\n" + built.image_key);
  out.dir = cache_root() / "hosts" / out.key;
  out.disk = out.dir / "disk.img";
  out.kernel = out.dir / "vmlinuz";
  const bool want_initrd = !r.host->initramfs_modules.empty();
  if (want_initrd) out.initrd = out.dir / "initrd.cpio";
  if (auto rec = read_file(out.dir / "host.json")) {
    static const json shape = json::parse(R"({"type": "object", "properties": {"kernel_release": {"type": "string"},
      "initramfs_modules": {"type": "array", "items": {"type": "string"}}}})");
    // A record of another shape is a cache miss: the host image is built again.
    if (auto j = parse_json_document(*rec); j && check_shape(*j, shape).ok() && std::filesystem::exists(out.disk) && std::filesystem::exists(out.kernel) &&
                                            (!want_initrd || std::filesystem::exists(out.initrd))) {
      out.kernel_release = j->value("kernel_release", "");
      out.initramfs_modules = j->value("initramfs_modules", std::vector<std::string>{});
      out.cached = true;
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
  }

  RIG_TRY(auto staging, StagingDir::create(out.dir));
  const auto rootfs = staging.path() / "rootfs";
  std::filesystem::create_directories(rootfs);
  say("host disk: unpack " + std::to_string(built.image.layers.size()) + " layers");
  for (auto& layer : built.image.layers)
    RIG_CHECK(run_tool(runner, {"tar", "-xpf", layer.path.string(), "-C", rootfs.string(), "--numeric-owner", "--xattrs",
                                "--xattrs-include=*"}));
  // The layers leave out device nodes and may lack the mountpoints the init fills.
  for (auto* d : {"dev", "proc", "sys", "run", "tmp"}) std::filesystem::create_directories(rootfs / d);

  out.kernel_release = find_kernel_release(rootfs);
  if (out.kernel_release.empty())
    return usage_error("the image has no /boot/vmlinuz-*: add a kernel package (linux-image-virtual, linux-image-arm64) to the recipe")
        .add_context("load recipe '" + r.file.string() + "'");
  std::error_code ec;
  std::filesystem::copy_file(rootfs / "boot" / ("vmlinuz-" + out.kernel_release), staging.path() / "vmlinuz", ec);
  if (ec) return internal_error("cannot copy the kernel: " + ec.message());
  if (want_initrd) {
    say("host initramfs: " + std::to_string(r.host->initramfs_modules.size()) + " modules and their dependencies");
    auto made = write_initramfs({rootfs, out.kernel_release, r.host->initramfs_modules, staging.path() / "initrd.cpio"});
    if (!made) return std::move(made).error().add_context("load recipe '" + r.file.string() + "'");
    out.initramfs_modules = made->load_order;
  }

  // Size: the files plus the recipe's headroom, where the engine keeps its images.
  const uint64_t used_mb = tree_bytes(rootfs) / (1024 * 1024);
  const uint64_t size_mb = std::max<uint64_t>(r.host->disk_mb, used_mb * 2 + 512);
  say("host disk: mkfs.ext4 -d (" + std::to_string(used_mb) + " MB of files, " + std::to_string(size_mb) + " MB disk)");
  RIG_CHECK(run_tool(runner, {"mkfs.ext4", "-q", "-F", "-L", "rig-host", "-d", rootfs.string(),
                              (staging.path() / "disk.img").string(), std::to_string(size_mb) + "M"}));
  std::filesystem::remove_all(rootfs, ec);
  json rec = {{"recipe", r.file.string()},       {"image_key", built.image_key},
              {"manifest_digest", built.image.manifest_digest}, {"kernel_release", out.kernel_release},
              {"disk_mb", size_mb},
              {"arch", out.arch},
              {"initramfs_modules", out.initramfs_modules}};
  RIG_CHECK(write_file_atomic(staging.path() / "host.json", json_text(rec, 2) + "\n"));
  RIG_CHECK(staging.commit());
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace rig
