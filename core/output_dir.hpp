// Output directories a command replaces as a whole when it completes (StagingDir::commit). Before any
// work, the destination is checked: replacing is only allowed for a path that does not exist, an empty
// directory, or a directory that holds what this command writes -- so `--out ~` or `--out /etc` is a
// usage error instead of a deleted directory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

// A destination rigctl writes in place by renaming a temporary sibling (a directory or a file): its
// last part names an entry ("/", ".", ".." do not), is short enough for the staging name, and its
// directory exists. Usage error otherwise.
Status check_output_name(const std::filesystem::path& dest);

// A trailing slash is allowed ("out/" is "out").
// `signs`: files a previous output of this kind contains (any one is enough), e.g. {"summary.json"}.
Status check_output_dir(const std::filesystem::path& dest, const std::vector<std::string>& signs, const std::string& kind);

}  // namespace rig
