#include "cli/recipe_arg.hpp"

#include <cstdlib>

namespace rig::cli {

std::filesystem::path resolve_recipe_arg(const std::string& arg) {
  namespace fs = std::filesystem;
  std::string name = arg.empty() ? "debian-trixie" : arg;
  if (arg.find('/') != std::string::npos || arg.ends_with(".json") || fs::exists(arg)) return arg;
  for (fs::path dir : {fs::path("recipes"), fs::path(RIGCTL_SOURCE_DIR) / "recipes"}) {
    if (const char* d = std::getenv("RIGCTL_RECIPES"); d && *d) dir = d;
    auto p = dir / (name + ".json");
    if (fs::exists(p)) return p;
  }
  return fs::path("recipes") / (name + ".json");
}

}  // namespace rig::cli
