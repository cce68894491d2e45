#include <cstdio>

#include "builder/recipe.hpp"
#include "cli/app.hpp"
#include "cli/recipe_arg.hpp"

namespace rig::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> recipes;
  bool json = false;
};

Status run_validate(const ValidateOptions& o) {
  std::vector<std::string> recipes = o.recipes.empty() ? std::vector<std::string>{""} : o.recipes;
  json valid = json::array();
  // All or nothing: the first invalid recipe is the error, and nothing is printed for the others.
  for (auto& arg : recipes) {
    RIG_TRY(auto r, load_recipe(resolve_recipe_arg(arg)));
    valid.push_back({{"file", r.file.string()}, {"name", r.name}, {"distro", r.base.distro}, {"suite", r.base.suite},
                     {"packages", r.packages.size()}, {"launch_flags", r.launch ? r.launch->flags.size() : 0}});
  }
  if (o.json) {
    std::fputs((json_text(json{{"valid", valid}}, 2) + "\n").c_str(), stdout);
    return ok();
  }
  for (auto& v : valid)
    std::printf("%s: ok (%s, %s %s, %zu packages, %zu launch flags)\n", v["file"].get<std::string>().c_str(),
                v["name"].get<std::string>().c_str(), v["distro"].get<std::string>().c_str(),
                v["suite"].get<std::string>().c_str(), v["packages"].get<size_t>(), v["launch_flags"].get<size_t>());
  return ok();
}

}  // namespace

void register_validate(CLI::App& app, Action& action, const Globals&) {
  auto o = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check recipes (schema and semantics) without building anything");
  sub->add_option("recipes", o->recipes, "Recipe files or names");
  sub->add_flag("--json", o->json, "Print the valid recipes as JSON");
  sub->callback([o, &action] { action = [o] { return run_validate(*o); }; });
}

}  // namespace rig::cli
