#include <cstdio>
#include <filesystem>

#include "builder/build.hpp"
#include "cli/app.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/registry_options.hpp"

namespace rig::cli {

namespace {

struct PushOptions {
  std::string image;  // an OCI layout directory, or a recipe (built through the cache)
  std::string ref;
  std::string arch;
  bool insecure = false;
  bool json = false;
};

Status run_push(const PushOptions& o, const Globals& g) {
  // REF, --insecure and the credentials are checked before anything is built or sent.
  RIG_TRY(auto target, check_push_target(o.ref, o.insecure));
  Progress progress(g.verbose);
  std::filesystem::path dir;
  std::error_code ec;
  if (std::filesystem::is_directory(o.image, ec)) {
    if (!std::filesystem::exists(std::filesystem::path(o.image) / "index.json", ec))
      return usage_error("IMAGE '" + o.image + "' is a directory without index.json, not an OCI layout",
                         "give a directory written by `rigctl build --out DIR`, or a recipe");
    if (!o.arch.empty()) return usage_error("--arch applies to a recipe, not to the OCI layout '" + o.image + "'");
    dir = o.image;
  } else {
    RIG_TRY(auto recipe, load_recipe(resolve_recipe_arg(o.image)));
    BuildEvents ev;
    ev.phase = [&](const std::string& p) { progress.phase(p); };
    ev.bytes = [&](uint64_t n) { progress.bytes(n); };
    ev.tool_line = [&](std::string_view l) { progress.tool_line(l); };
    BuildRequest req;
    req.arch = o.arch;
    RIG_TRY(auto built, build_image(recipe, req, g.borders().runner, ev).context("build '" + recipe.file.string() + "'"));
    dir = built.image.dir;
  }
  RIG_TRY(auto res, push_layout(dir, target, progress));
  progress.done();
  if (o.json) std::printf("%s\n", json_text(push_result_json(res), 2).c_str());
  else std::printf("%s\n", push_result_line(res).c_str());
  return ok();
}

}  // namespace

void register_push(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<PushOptions>();
  auto* sub = app.add_subcommand("push", "Push an image (OCI layout or recipe) and its SBOM/records to a registry");
  sub->add_option("image", o->image, "OCI layout directory (rigctl build --out), or a recipe file or name (built through the cache)")
      ->required();
  sub->add_option("ref", o->ref, "Registry reference HOST[:PORT]/REPOSITORY[:TAG]")->required();
  sub->add_option("--arch", o->arch, "Debian architecture when IMAGE is a recipe (default: the host's)");
  sub->add_flag("--insecure", o->insecure, "Plain http instead of verified https (loopback registries only)");
  sub->add_flag("--json", o->json, "Print the result as JSON");
  sub->footer(
      "Credentials: the `auths` entry for the registry host in $DOCKER_CONFIG/config.json (default ~/.docker/config.json);\n"
      "credential helpers are not supported. Blobs first (present ones skipped), the tag last, then the digest read back.");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_push(*o, g); }; });
}

}  // namespace rig::cli
