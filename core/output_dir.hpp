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

// `signs`: files a previous output of this kind contains (any one is enough), e.g. {"summary.json"}.
Status check_output_dir(const std::filesystem::path& dest, const std::vector<std::string>& signs, const std::string& kind);

}  // namespace rig
