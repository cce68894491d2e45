#include "cli/recipe_arg.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <system_error>

#include "engine/engine.hpp"
#include "engine/registry.hpp"

// Compiled into this file alone (cli/CMakeLists.txt): a path on every command line would make each
// checkout's objects differ and defeat ccache across work trees.
#ifndef RIGCTL_BUILD_DIR
#define RIGCTL_BUILD_DIR ""
#endif
#ifndef RIGCTL_SOURCE_DIR
#define RIGCTL_SOURCE_DIR ""
#endif
#ifndef RIGCTL_DATA_DIR
#define RIGCTL_DATA_DIR "/usr/local/share/rigctl"
#endif
#ifndef RIGCTL_EXE_TO_DATA
#define RIGCTL_EXE_TO_DATA "../share/rigctl"
#endif

namespace rig::cli {

namespace fs = std::filesystem;

namespace {

// Lexically inside (or equal to) dir; both are normalised first, so "a/b/../c" compares as "a/c".
bool inside(const fs::path& p, const fs::path& dir) {
  if (p.empty() || dir.empty()) return false;
  auto pn = p.lexically_normal(), dn = dir.lexically_normal();
  auto [dit, pit] = std::mismatch(dn.begin(), dn.end(), pn.begin(), pn.end());
  // A trailing separator leaves an empty last element in dn.
  return dit == dn.end() || (std::next(dit) == dn.end() && dit->empty());
}

// fs::exists without the throw: a name too long for the filesystem or a symbolic link loop is "not
// here", and the recipe loader that reads it next names the file and the reason (exit 2).
bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

fs::path find_in(const char* subdir, const std::string& name) {
  for (auto& root : data_roots(this_binary_lookup()))
    if (auto p = root / subdir / (name + ".json"); present(p)) return p;
  // Not found anywhere: the relative path, so the error names what was looked for.
  return fs::path(subdir) / (name + ".json");
}

}  // namespace

std::vector<fs::path> data_roots(const DataLookup& in) {
  std::vector<fs::path> roots;
  auto add = [&roots](const fs::path& p) {
    if (!p.empty() && std::find(roots.begin(), roots.end(), p) == roots.end()) roots.push_back(p);
  };
  if (!in.home.empty()) add(in.home);
  add(".");
  if (inside(in.exe, in.build_dir)) {
    // A build-tree binary reads the checkout it was built from, never an installed copy, so every
    // test sees the recipes of the tree under test.
    add(in.source_dir);
    return roots;
  }
  if (!in.exe.empty() && !in.exe_to_data.empty()) add((in.exe.parent_path() / in.exe_to_data).lexically_normal());
  add(in.data_dir);
  add(in.source_dir);
  return roots;
}

DataLookup this_binary_lookup() {
  DataLookup in;
  if (const char* d = std::getenv("RIGCTL_HOME"); d && *d) in.home = d;
  std::error_code ec;
  in.exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) in.exe.clear();
  // /proc/self/exe is canonical: compare it with the canonical build directory (a symlinked checkout).
  in.build_dir = fs::weakly_canonical(fs::path(RIGCTL_BUILD_DIR), ec);
  if (ec || std::string_view(RIGCTL_BUILD_DIR).empty()) in.build_dir.clear();
  in.source_dir = RIGCTL_SOURCE_DIR;
  in.data_dir = RIGCTL_DATA_DIR;
  in.exe_to_data = RIGCTL_EXE_TO_DATA;
  return in;
}

std::filesystem::path resolve_recipe_arg(const std::string& arg) {
  if (arg.find('/') != std::string::npos || arg.ends_with(".json") || present(arg)) return arg;
  return find_in("recipes", arg.empty() ? "debian-trixie" : arg);
}

std::filesystem::path inner_image_recipe(const std::string& name) { return find_in("images", name); }

std::filesystem::path shipped_file(const std::string& relpath) {
  for (auto& r : data_roots(this_binary_lookup()))
    if (present(r / relpath)) return r / relpath;
  return {};
}

Result<std::filesystem::path> resolve_recipe_or_image(const std::string& arg, const std::string& engine,
                                                      EngineConnector& engines) {
  auto path = resolve_recipe_arg(arg);
  if (present(path) || arg.find(':') == std::string::npos) return path;
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
  if (present(resolve_recipe_arg(arg)) || !looks_like_registry_ref(arg)) {
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
