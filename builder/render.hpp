// `rigctl render`: the recipe as a Containerfile + build context, for people who prefer
// `docker build` (and as the benchmark's baseline). The context also holds base.json, a recipe for
// the bare base image the Containerfile starts FROM, since no registry is reachable.
#pragma once

#include <filesystem>
#include <string>

#include "builder/recipe.hpp"

namespace rig {

std::string render_containerfile(const Recipe& r);
std::string render_base_recipe(const Recipe& r);

Status render_context(const Recipe& r, const std::filesystem::path& out);

}  // namespace rig
