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
  // Where mmdebstrap makes its temporary rootfs (its TMPDIR); empty: the inherited TMPDIR or /tmp.
  // Never part of the output.
  std::string scratch_dir;
  // The package cache (package_cache.hpp): a directory copied into apt's archive dir before the
  // download (empty: none), and one apt's archive dir is copied out to after the install (empty:
  // none). Neither changes the output: apt still installs exactly what the index says.
  std::string package_seed;
  std::string package_collect;
};

BootstrapSpec bootstrap_spec(const Recipe& r, const std::string& arch, const MirrorChoice& mirror,
                             const std::string& keyring, int64_t epoch, bool as_root);

Command mmdebstrap_command(const BootstrapSpec& spec);

// The strip globs as dpkg path-filter lines ("path-exclude=GLOB", "path-include=GLOB"), in order.
std::vector<std::string> dpkg_filter_lines(const std::vector<std::string>& strip);

// An mmdebstrap extract hook (sh, "$1" = the rootfs) that applies the strip globs after the
// essential packages were extracted whole: it removes what dpkg's filters would not have unpacked
// (dpkg's rules: last matching glob wins; an excluded directory or symlink stays when an include
// glob's literal prefix starts its path) and appends the filter lines to dpkg's configuration, so
// dpkg honours them from the essential install on. Same rootfs as extracting through mmdebstrap's
// tar filter, without a Python process per package.
std::string strip_extract_hook(const std::vector<std::string>& strip);

// A stable description of everything that decides the bootstrap output (the base cache key).
std::string bootstrap_identity(const BootstrapSpec& spec);

// Foreign architectures run through qemu-user binfmt handlers; say how to get one if missing.
Status check_binfmt(const std::string& arch, const std::filesystem::path& binfmt_dir = "/proc/sys/fs/binfmt_misc");

}  // namespace rig
