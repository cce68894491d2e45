// Where a recipe argument points when none is given, and how a name is resolved.
#pragma once

#include <filesystem>
#include <string>

namespace rig::cli {

// "" -> the default recipe (recipes/debian-trixie.json under the working directory or the source
// tree); "ubuntu-noble" -> recipes/ubuntu-noble.json; anything else is a path.
std::filesystem::path resolve_recipe_arg(const std::string& arg);

}  // namespace rig::cli
