#include "core/output_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.hpp"
#include "core/text.hpp"

namespace rig {

Status check_output_name(const std::filesystem::path& dest) {
  namespace fs = std::filesystem;
  const auto name = dest.filename().string();
  // Written under a temporary sibling name and renamed into place (core/fs.hpp): "/", "." and ".."
  // cannot be renamed over, and a name the filesystem takes may be too long once the suffix is added.
  if (name.empty() || name == "." || name == "..")
    return usage_error("'" + dest.string() + "' names no entry rigctl can replace: it writes beside the destination and renames into it",
                       "name a new or rigctl-written entry, e.g. '" + (dest / "out").lexically_normal().string() + "'");
  const fs::path parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  long name_max = ::pathconf(parent.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = 255;
  if (name.size() + kStagingSuffixLength > static_cast<size_t>(name_max))
    return usage_error("the last part of " + show_value(dest.string()) + " is " + std::to_string(name.size()) +
                       " bytes; rigctl writes it first under a name " + std::to_string(kStagingSuffixLength) +
                       " bytes longer, and the filesystem allows " + std::to_string(name_max));
  std::error_code ec;
  (void)fs::symlink_status(dest, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    return usage_error("cannot check '" + dest.string() + "': " + ec.message());
  if (!fs::is_directory(parent, ec))
    return usage_error(fs::exists(parent, ec) ? "'" + parent.string() + "' (where '" + dest.string() + "' would be written) is not a directory"
                                              : "the directory '" + parent.string() + "' (where '" + dest.string() + "' would be written) does not exist",
                       "create it first, or choose another place");
  // A directory that was removed while something still stands in it (the shell's working directory
  // after `rm -rf` of it) stats fine but takes no new entry: no links left.
  struct stat pst {};
  if (::stat(parent.c_str(), &pst) == 0 && pst.st_nlink == 0)
    return usage_error("the directory '" + parent.string() + "' (where '" + dest.string() + "' would be written) has been removed" +
                           (parent == fs::path(".") ? ": the working directory no longer exists" : ""),
                       "cd to an existing directory, or give the output an absolute path");
  return ok();
}

Status check_output_dir(const std::filesystem::path& given, const std::vector<std::string>& signs, const std::string& kind) {
  namespace fs = std::filesystem;
  if (given.empty()) return usage_error("expected a directory path, got an empty one");
  const fs::path dest = without_trailing_slash(given);
  RIG_CHECK(check_output_name(dest));
  std::error_code ec;
  auto st = fs::symlink_status(dest, ec);
  if (ec || !fs::exists(st)) return ok();  // created by the rename; check_output_name checked its parent
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
