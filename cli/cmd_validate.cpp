#include <cstdio>

#include "builder/recipe.hpp"
#include "cli/app.hpp"
#include "cli/recipe_arg.hpp"

namespace rig::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> recipes;
};

Status run_validate(const ValidateOptions& o) {
  std::vector<std::string> recipes = o.recipes.empty() ? std::vector<std::string>{""} : o.recipes;
  for (auto& arg : recipes) {
    RIG_TRY(auto r, load_recipe(resolve_recipe_arg(arg)));
    std::printf("%s: ok (%s, %s %s, %zu packages, %zu launch flags)\n", r.file.c_str(), r.name.c_str(),
                r.base.distro.c_str(), r.base.suite.c_str(), r.packages.size(), r.launch ? r.launch->flags.size() : 0);
  }
  return ok();
}

}  // namespace

void register_validate(CLI::App& app, Action& action, const Globals&) {
  auto o = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check recipes (schema and semantics) without building anything");
  sub->add_option("recipes", o->recipes, "Recipe files or names");
  sub->callback([o, &action] { action = [o] { return run_validate(*o); }; });
}

}  // namespace rig::cli
