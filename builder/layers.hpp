// The two layers of a rigctl image. The base layer is the bootstrapped root filesystem, normalised
// (mtimes clamped, atime/ctime dropped) so it is reproducible and cacheable on its own. The recipe
// layer holds everything the recipe changes on top: account databases, file-capability copies of
// the uid-mapping helpers with setuid cleared, files, links and owned directories. Image variants
// that differ only in the recipe layer share the (large) base layer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "builder/recipe.hpp"
#include "builder/tar_io.hpp"

namespace rig {

// What the recipe layer needs to know about the base: which paths exist (and which are symlinks),
// and the entries it will rewrite, with their metadata and content.
struct CapturedEntry {
  uint32_t mode = 0;  // full st_mode incl. type bits
  uint32_t uid = 0, gid = 0;
  std::string content;
  std::map<std::string, std::string> xattrs;
};

struct BaseScan {
  std::set<std::string> dirs;
  std::set<std::string> symlinks;
  std::set<std::string> others;
  std::map<std::string, CapturedEntry> captured;
  // scan_layer only: the sha256 (hex) and size of the whole layer file as it was read.
  std::string sha256;
  uint64_t size = 0;
  bool exists(const std::string& p) const { return dirs.count(p) || symlinks.count(p) || others.count(p); }
};

using ProgressFn = std::function<void(uint64_t bytes)>;

// The largest file a sparse tar member may expand to in a layer.
inline constexpr uint64_t kMaxSparseExpansion = 4ull << 30;

// The paths whose base entries the recipe layer rewrites.
std::set<std::string> paths_to_capture(const Recipe& r);

// Copies a tar stream into a normalised layer, scanning it on the way. It reads up to the
// end-of-archive marker; what follows (record padding) is the caller's to drain.
Result<LayerInfo> normalize_base_layer(int in_fd, const std::string& label, const std::filesystem::path& out,
                                       int64_t epoch, const std::set<std::string>& capture, BaseScan& scan,
                                       const ProgressFn& progress = {});

// Scans an existing (cached) base layer without writing, hashing the whole file as it goes.
Result<BaseScan> scan_layer(const std::filesystem::path& layer, const std::set<std::string>& capture);

struct RecipeLayerReport {
  LayerInfo layer;
  std::vector<std::string> removed_users;
  std::vector<std::string> entries;  // absolute paths, in write order
};

Result<RecipeLayerReport> write_recipe_layer(const Recipe& r, const BaseScan& base, int64_t epoch,
                                             const std::filesystem::path& out);

}  // namespace rig
