#include <cstdio>

#include "builder/build.hpp"
#include "security/seccomp.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/option_checks.hpp"
#include "cli/seccomp_cmds.hpp"
#include "core/fs.hpp"

namespace rig::cli {

namespace {

struct SeccompGenOptions {
  std::string recipe;
  std::string from;
  std::string out;
};

Result<std::string> from_file(const std::string& path) {
  RIG_TRY(auto stock, read_json_file(path));
  RIG_TRY(auto tailored, tailor_seccomp(stock));
  return json_text(tailored, 2) + "\n";
}

// The image's own stock profile is the right source: it matches the podman version inside, and the
// build already derives and caches the tailored profile next to the layout.
Result<std::string> from_recipe(const std::string& arg, const Globals& g) {
  RIG_TRY(auto recipe, load_recipe(resolve_recipe_arg(arg)));
  Progress progress(g.verbose);
  BuildEvents ev;
  ev.phase = [&](const std::string& p) { progress.phase(p); };
  ev.bytes = [&](uint64_t n) { progress.bytes(n); };
  ev.tool_line = [&](std::string_view l) { progress.tool_line(l); };
  RIG_TRY(auto built, build_image(recipe, BuildRequest{}, g.borders().runner, ev).context("build '" + recipe.file.string() + "'"));
  progress.done();
  auto prof = built.image.dir / kTailoredSeccompFile;
  if (!std::filesystem::exists(prof))
    return usage_error("the image built from '" + recipe.file.string() + "' has no " + kStockSeccompPath +
                           " to derive the profile from",
                       "add podman (or containers-common) to the recipe's packages, or pass --from FILE");
  return read_file(prof);
}

Status run_seccomp_gen(const SeccompGenOptions& o, const Globals& g) {
  if (!o.from.empty() && !o.recipe.empty()) return usage_error("give a RECIPE or --from, not both");
  RIG_CHECK(check_output_file("--out", o.out));  // before the build a recipe may need
  std::string text;
  if (!o.from.empty()) {
    RIG_TRY(text, from_file(o.from).context("--from '" + o.from + "'"));
  } else {
    RIG_TRY(text, from_recipe(o.recipe, g));
  }
  if (!o.out.empty()) return write_output_file(o.out, text).context("--out");
  std::fwrite(text.data(), 1, text.size(), stdout);
  return ok();
}

}  // namespace

void register_seccomp_gen(CLI::App& parent, Action& action, const Globals& g) {
  auto o = std::make_shared<SeccompGenOptions>();
  auto* sub = parent.add_subcommand(
      "gen",
      "Write the tailored seccomp profile: podman's stock profile with sethostname, setdomainname and setns allowed "
      "unconditionally and removed from the complementary ERRNO rule. The stock profile is read from the image the "
      "recipe builds (through the cache) or from --from");
  sub->add_option("recipe", o->recipe, "Recipe file or name (default: debian-trixie)");
  sub->add_option("--from", o->from,
                  "Derive from this stock profile (e.g. /usr/share/containers/seccomp.json) instead");
  sub->add_option("--out", o->out, "Write the profile to this file (atomically) instead of stdout");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_seccomp_gen(*o, g); }; });
}

}  // namespace rig::cli
