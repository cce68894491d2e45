// Filesystem helpers with the "nothing half-written" rule: outputs are written under a temporary
// name next to their destination and renamed into place only when complete.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>
#include <string>

#include "core/error.hpp"

namespace rig {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path);
Status write_file_atomic(const fs::path& path, std::string_view content, fs::perms mode = fs::perms(0644));

// A directory built in place of `dest` under a temporary sibling name; commit() renames it over
// `dest` (replacing an older one). Destroyed uncommitted, it removes everything it held.
class StagingDir {
 public:
  static Result<StagingDir> create(const fs::path& dest);
  StagingDir(StagingDir&& o) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir();

  const fs::path& path() const { return tmp_; }
  Status commit();

 private:
  StagingDir(fs::path dest, fs::path tmp) : dest_(std::move(dest)), tmp_(std::move(tmp)) {}
  fs::path dest_;
  fs::path tmp_;
  bool done_ = false;
};

// A private scratch directory under $TMPDIR, removed with everything in it on destruction.
class ScratchDir {
 public:
  static Result<ScratchDir> create(const std::string& prefix);
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const fs::path& path() const { return path_; }

 private:
  explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

// Staging leftovers ("*.tmp-*", "*.old-*") under `root` untouched for `min_age`: what a killed
// (SIGKILL, power loss) build could not clean up itself. Returns what was removed.
std::vector<fs::path> remove_stale_staging(const fs::path& root, std::chrono::seconds min_age);

// $XDG_CACHE_HOME/rigctl, or ~/.cache/rigctl.
fs::path cache_root();

}  // namespace rig
