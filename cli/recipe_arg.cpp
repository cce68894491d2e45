#include "cli/recipe_arg.hpp"

#include <cstdlib>

#include "engine/engine.hpp"
#include "engine/registry.hpp"

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

Result<RigImageArg> resolve_rig_image_arg(const std::string& arg, const std::string& engine, bool insecure,
                                          EngineConnector& engines) {
  RigImageArg out;
  if (std::filesystem::exists(resolve_recipe_arg(arg)) || !looks_like_registry_ref(arg)) {
    if (insecure) return usage_error("--insecure applies to a registry reference as RECIPE (HOST[:PORT]/REPO[:TAG]) only");
    RIG_TRY(out.recipe, resolve_recipe_or_image(arg, engine, engines));
    return out;
  }
  RIG_TRY(auto ref, parse_registry_ref(arg));
  if (!ref.digest.empty())
    return usage_error("registry reference '" + arg + "': pull by tag (the rig's image is named by it), not by digest");
  if (insecure && !is_loopback_registry(ref.host))
    return usage_error("--insecure: registry '" + ref.host + "' is not loopback (127.0.0.1, ::1 or localhost)",
                       "a registry on another host is pulled over verified TLS only; drop --insecure");
  RIG_TRY(auto conn, engines.connect(engine));
  RIG_TRY(auto* api, docker_api_engine(conn, "a registry reference as RECIPE (" + arg + ")"));
  RIG_CHECK(api->pull_image(ref.str(), !insecure));
  RIG_TRY(auto info, api->inspect_image(ref.str()));
  if (!info) return unavailable("pull image " + ref.str() + ": the engine reported success but has no such image");
  auto label = info->labels.find("io.rigctl.recipe.name");
  if (label == info->labels.end())
    return usage_error("registry image '" + ref.str() + "' was not built by rigctl (no io.rigctl.recipe.name label)");
  out.recipe = resolve_recipe_arg(label->second);
  out.pulled_ref = ref.str();
  out.pulled_id = info->id;
  return out;
}

}  // namespace rig::cli
