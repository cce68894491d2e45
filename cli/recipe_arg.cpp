#include "cli/recipe_arg.hpp"

#include <cstdlib>

#include "engine/engine.hpp"

namespace rig::cli {

namespace {

std::filesystem::path find_in(const char* subdir, const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  if (const char* d = std::getenv("RIGCTL_HOME"); d && *d) dirs.push_back(fs::path(d) / subdir);
  dirs.push_back(fs::path(subdir));
  dirs.push_back(fs::path(RIGCTL_SOURCE_DIR) / subdir);
  for (auto& dir : dirs)
    if (auto p = dir / (name + ".json"); fs::exists(p)) return p;
  return fs::path(subdir) / (name + ".json");
}

}  // namespace

std::filesystem::path resolve_recipe_arg(const std::string& arg) {
  if (arg.find('/') != std::string::npos || arg.ends_with(".json") || std::filesystem::exists(arg)) return arg;
  return find_in("recipes", arg.empty() ? "debian-trixie" : arg);
}

std::filesystem::path inner_image_recipe(const std::string& name) { return find_in("images", name); }

std::filesystem::path shipped_file(const std::string& relpath) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* d = std::getenv("RIGCTL_HOME"); d && *d) roots.push_back(d);
  roots.push_back(".");
  roots.push_back(RIGCTL_SOURCE_DIR);
  for (auto& r : roots)
    if (fs::exists(r / relpath)) return r / relpath;
  return {};
}

Result<std::filesystem::path> resolve_recipe_or_image(const std::string& arg, const std::string& engine,
                                                      EngineConnector& engines) {
  auto path = resolve_recipe_arg(arg);
  if (std::filesystem::exists(path) || arg.find(':') == std::string::npos) return path;
  RIG_TRY(auto conn, engines.connect(engine));
  RIG_TRY(auto* api, docker_api_engine(conn, "an image reference as RECIPE (" + arg + ")"));
  RIG_TRY(auto info, api->inspect_image(arg));
  if (!info) return usage_error("'" + arg + "' is neither a recipe file nor an image in the engine");
  auto label = info->labels.find("io.rigctl.recipe.name");
  if (label == info->labels.end())
    return usage_error("image '" + arg + "' was not built by rigctl (no io.rigctl.recipe.name label)");
  return resolve_recipe_arg(label->second);
}

}  // namespace rig::cli
