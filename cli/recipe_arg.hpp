// Where a recipe argument points when none is given, and how a name is resolved.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/engine.hpp"

namespace rig::cli {

// What decides where rigctl's shipped data (recipes/, images/, matrix/, ci/smoke-baseline.sh) is looked
// for. Plain values, so the order is unit-tested without touching the environment or the disk.
struct DataLookup {
  std::string home;                      // RIGCTL_HOME ("" when unset)
  std::filesystem::path exe;             // the running binary (/proc/self/exe); empty when unknown
  std::filesystem::path build_dir;       // compiled in: the build tree ("" in a package build)
  std::filesystem::path source_dir;      // compiled in: the checkout ("" in a package build)
  std::filesystem::path data_dir;        // compiled in: CMAKE_INSTALL_FULL_DATADIR/rigctl
  std::filesystem::path exe_to_data;     // compiled in: bindir -> datadir/rigctl, relative (../share/rigctl)
};

// The roots, in order: RIGCTL_HOME; the working directory (as before: a project's own recipes/ wins);
// then, for a binary inside its build tree, the checkout; for any other binary (installed), the data
// directory next to it (exe/../share/rigctl, so a relocated `cmake --install --prefix` works), the
// configured data directory, and last the checkout if one was compiled in.
std::vector<std::filesystem::path> data_roots(const DataLookup& in);

// This process's lookup: the environment, /proc/self/exe and the values compiled into recipe_arg.cpp.
DataLookup this_binary_lookup();

// "" -> the default recipe (recipes/debian-trixie.json under the first root that has it);
// "ubuntu-noble" -> recipes/ubuntu-noble.json; anything with a '/', ending in .json or existing is a path.
std::filesystem::path resolve_recipe_arg(const std::string& arg);

// The inner test image recipes (images/inner-web.json, images/inner-base.json).
std::filesystem::path inner_image_recipe(const std::string& name);

// A file shipped with rigctl (e.g. "ci/smoke-baseline.sh", "matrix/ci.json") under the first root that
// has it; empty when none has it.
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
