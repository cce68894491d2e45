// The root filesystem comes from mmdebstrap, without root and without a daemon: unshare mode for
// unprivileged users (their subuid/subgid ranges), root mode when already root. Its tar goes to
// stdout, straight into the layer normaliser: nothing is unpacked on disk.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/mirror.hpp"
#include "builder/recipe.hpp"
#include "core/subprocess.hpp"

namespace rig {

struct BootstrapSpec {
  std::string distro;
  std::string suite;
  std::vector<std::string> components;
  std::string variant;
  std::vector<std::string> packages;
  std::vector<std::string> strip;
  std::string arch;
  std::string mirror_uri;  // empty: mmdebstrap's default
  std::string keyring;     // file, or empty for the host's default
  int64_t epoch = 0;
  bool as_root = false;
  bool recommends = false;
};

BootstrapSpec bootstrap_spec(const Recipe& r, const std::string& arch, const MirrorChoice& mirror,
                             const std::string& keyring, int64_t epoch, bool as_root);

Command mmdebstrap_command(const BootstrapSpec& spec);

// A stable description of everything that decides the bootstrap output (the base cache key).
std::string bootstrap_identity(const BootstrapSpec& spec);

// Foreign architectures run through qemu-user binfmt handlers; say how to get one if missing.
Status check_binfmt(const std::string& arch, const std::filesystem::path& binfmt_dir = "/proc/sys/fs/binfmt_misc");

}  // namespace rig
