// Where a recipe argument points when none is given, and how a name is resolved.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "engine/engine.hpp"

namespace rig::cli {

// "" -> the default recipe (recipes/debian-trixie.json under the working directory or the source
// tree); "ubuntu-noble" -> recipes/ubuntu-noble.json; anything else is a path.
std::filesystem::path resolve_recipe_arg(const std::string& arg);

// The inner test image recipes (images/inner-web.json, images/inner-base.json).
std::filesystem::path inner_image_recipe(const std::string& name);

// A file shipped with rigctl (e.g. "ci/smoke-baseline.sh", "matrix/ci.json"): under RIGCTL_HOME, the
// working directory or the source tree; empty when none has it.
std::filesystem::path shipped_file(const std::string& relpath);

// A recipe argument, or an image built by rigctl: its io.rigctl.recipe.name label names the recipe.
Result<std::filesystem::path> resolve_recipe_or_image(const std::string& arg, const std::string& engine,
                                                      EngineConnector& engines);

// What a rig's RECIPE argument named: a recipe, a local engine image built by rigctl (its recipe), or
// a registry reference (HOST[:PORT]/REPO[:TAG]) the engine has just pulled: then the rig runs that
// pulled image, and `pulled_id` is its config digest (the engine's image id).
struct RigImageArg {
  std::filesystem::path recipe;
  std::string pulled_ref;
  std::string pulled_id;
};
// `insecure`: pull over plain http (loopback registries only; Usage otherwise, before any request).
Result<RigImageArg> resolve_rig_image_arg(const std::string& arg, const std::string& engine, bool insecure,
                                          EngineConnector& engines);

}  // namespace rig::cli
