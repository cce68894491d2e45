#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

#include "builder/build.hpp"
#include "cli/app.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/registry_options.hpp"
#include "core/output_dir.hpp"
#include "engine/engine.hpp"
#include "engine/registry.hpp"
#include "smoke/provision.hpp"

namespace rig::cli {

namespace {

struct BuildOptions {
  std::string recipe;
  std::string arch;
  std::string out;
  std::string tag;
  std::string mirror;
  std::string engine;
  std::string push;  // registry reference; "" = no push
  bool insecure = false;
  bool load = false;
  bool no_cache = false;
  bool no_package_cache = false;
  bool json = false;
};

Status run_build(const BuildOptions& o, const Globals& g) {
  RIG_TRY(auto recipe, load_recipe(resolve_recipe_arg(o.recipe)));
  // Before any work: --out is replaced as a whole, so only a new, empty or earlier layout directory
  // may be named (never a file or a directory of other things), and --tag must be an image name.
  if (!o.out.empty()) RIG_CHECK(check_output_dir(o.out, {"oci-layout", "index.json"}, "OCI image layout").context("--out"));
  if (!o.tag.empty()) RIG_CHECK(check_image_name(o.tag).context("--tag"));
  // --push's reference and credentials are checked before anything is built.
  std::optional<PushTarget> push;
  if (!o.push.empty()) {
    RIG_TRY(auto t, check_push_target(o.push, o.insecure).context("--push"));
    push = std::move(t);
  } else if (o.insecure) {
    return usage_error("--insecure applies to --push only");
  }
  // Connect before building so an absent engine costs nothing.
  std::unique_ptr<Engine> engine;
  if (o.load) {
    RIG_TRY(auto conn, g.borders().engines.connect(o.engine));
    // --load speaks the Docker API; Incus and LXC take the image when a rig is launched there.
    RIG_TRY(auto* api, docker_api_engine(conn, "--load"));
    (void)api;
    engine = std::move(conn.engine);
  }

  Progress progress(g.verbose);
  BuildEvents ev;
  ev.phase = [&](const std::string& p) { progress.phase(p); };
  ev.bytes = [&](uint64_t n) { progress.bytes(n); };
  ev.tool_line = [&](std::string_view l) { progress.tool_line(l); };
  BuildRequest req;
  req.arch = o.arch;
  req.mirror = o.mirror;
  req.tag = o.tag;
  req.no_cache = o.no_cache;
  req.use_package_cache = !o.no_package_cache;
  req.scratch_dir = default_scratch_dir();
  RIG_TRY(auto built, build_image(recipe, req, g.borders().runner, ev).context("build '" + recipe.file.string() + "'"));
  if (!o.out.empty()) {
    progress.phase("export OCI layout to " + o.out);
    RIG_CHECK(export_layout(built.image, o.out).context("--out"));
  }
  // Loading streams the whole image; an engine that already holds exactly this image (same config
  // digest under the tag) is left alone.
  std::string loaded;
  if (engine) {
    progress.phase("load into engine as " + built.tag);
    RIG_TRY(bool fresh, ensure_loaded(*engine, built.image, built.tag));
    loaded = fresh ? "loaded" : "already in engine";
  }
  std::optional<PushResult> pushed;
  if (push) {
    RIG_TRY(auto r, push_layout(built.image.dir, *push, progress));
    pushed = std::move(r);
  }
  progress.done();

  if (o.json) {
    json j = {{"recipe", recipe.file.string()},
              {"digest", built.image.manifest_digest},
              {"config_digest", built.image.config_digest},
              {"size", built.image.size},
              {"path", o.out.empty() ? built.image.dir.string() : o.out},
              {"arch", built.image.arch},
              {"tag", built.tag},
              {"cached", built.cached},
              {"base_cached", built.base_cached},
              {"packages_reused", built.packages_reused},
              {"packages_added", built.packages_added},
              {"mirror", built.mirror.uri},
              {"mirror_origin", built.mirror.origin},
              {"loaded", loaded == "loaded"},
              {"in_engine", !loaded.empty()},
              {"duration_seconds", built.seconds}};
    if (pushed) j["push"] = push_result_json(*pushed);
    std::printf("%s\n", json_text(j, 2).c_str());
  } else {
    std::printf("%s %s %s %.1f MB %s%s\n", built.tag.c_str(), built.image.manifest_digest.c_str(),
                (o.out.empty() ? built.image.dir.string() : o.out).c_str(), static_cast<double>(built.image.size) / 1e6,
                built.cached ? "cached" : "built", loaded.empty() ? "" : (" " + loaded).c_str());
    if (pushed) std::printf("%s\n", push_result_line(*pushed).c_str());
  }
  return ok();
}

}  // namespace

void register_build(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<BuildOptions>();
  auto* sub = app.add_subcommand("build", "Build a recipe into an OCI image layout (rootless, daemonless, cached)");
  sub->add_option("recipe", o->recipe, "Recipe file or name (default: debian-trixie)");
  sub->add_option("--arch", o->arch, "Debian architecture to build (default: the host's)");
  sub->add_option("--out", o->out, "Also write the OCI layout to this directory");
  sub->add_option("--tag", o->tag, "Image reference (default: rigctl/<recipe name>:<arch>)");
  sub->add_option("--mirror", o->mirror, "Archive mirror URL (default: RIGCTL_MIRROR_<NAME>, then host apt sources)");
  sub->add_option("--engine", o->engine, "Engine endpoint for --load (default: DOCKER_HOST or the local socket)");
  sub->add_flag("--load", o->load, "Load the image into the engine");
  sub->add_option("--push", o->push, "Also push the image (and its SBOM/records) to this registry reference HOST[:PORT]/REPO[:TAG]");
  sub->add_flag("--insecure", o->insecure, "--push over plain http (loopback registries only)");
  sub->add_flag("--no-cache", o->no_cache, "Ignore cached layers and images (and refresh them)");
  sub->add_flag("--no-package-cache", o->no_package_cache,
                "Download every package again and leave the shared package cache (<cache>/debs) alone");
  sub->add_flag("--json", o->json, "Print the result as JSON");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_build(*o, g); }; });
}

}  // namespace rig::cli
