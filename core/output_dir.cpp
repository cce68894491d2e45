#include "core/output_dir.hpp"

namespace rig {

Status check_output_dir(const std::filesystem::path& dest, const std::vector<std::string>& signs, const std::string& kind) {
  namespace fs = std::filesystem;
  if (dest.empty()) return usage_error("expected a directory path, got an empty one");
  std::error_code ec;
  auto st = fs::symlink_status(dest, ec);
  if (ec || !fs::exists(st)) {
    // It will be created by a rename next to it: its parent must be a directory.
    auto parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
      return usage_error("'" + parent.string() + "' (where '" + dest.string() + "' would be created) is not a directory");
    return ok();
  }
  if (fs::is_symlink(st)) return usage_error("'" + dest.string() + "' is a symbolic link; name the directory itself");
  if (!fs::is_directory(st)) return usage_error("'" + dest.string() + "' exists and is not a directory");
  if (fs::is_empty(dest, ec)) return ok();
  for (auto& s : signs)
    if (fs::exists(dest / s, ec)) return ok();
  std::string names;
  for (auto& s : signs) names += (names.empty() ? "" : ", ") + s;
  return usage_error("'" + dest.string() + "' exists, is not empty and is not a " + kind + " (it has no " + names +
                         "); rigctl replaces its output directory as a whole, so it refuses this one",
                     "remove it yourself or choose another directory");
}

}  // namespace rig
