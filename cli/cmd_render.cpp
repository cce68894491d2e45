#include <cstdio>

#include "builder/recipe.hpp"
#include "builder/render.hpp"
#include "cli/app.hpp"
#include "cli/recipe_arg.hpp"
#include "core/fs.hpp"
#include "core/output_dir.hpp"

namespace rig::cli {

namespace {

struct RenderOptions {
  std::string recipe;
  std::string out;
};

Status run_render(const RenderOptions& o) {
  RIG_CHECK(check_output_dir(o.out, {"Containerfile"}, "rendered context").context("--out"));
  RIG_TRY(auto r, load_recipe(resolve_recipe_arg(o.recipe)));
  RIG_CHECK(render_context(r, o.out).context("render '" + o.out + "'"));
  std::printf("%s\n", (without_trailing_slash(o.out) / "Containerfile").c_str());
  return ok();
}

}  // namespace

void register_render(CLI::App& app, Action& action, const Globals&) {
  auto o = std::make_shared<RenderOptions>();
  auto* sub = app.add_subcommand("render", "Write the recipe as a Containerfile + context (for docker build)");
  sub->add_option("recipe", o->recipe, "Recipe file or name (default: debian-trixie)");
  sub->add_option("--out", o->out, "Directory to write")->required();
  sub->callback([o, &action] { action = [o] { return run_render(*o); }; });
}

}  // namespace rig::cli
