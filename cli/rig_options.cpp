#include "cli/rig_options.hpp"

#include "cli/option_checks.hpp"
#include "cli/recipe_arg.hpp"
#include "engine/incus_client.hpp"
#include "engine/lxc_runtime.hpp"
#include "smoke/incus_rig.hpp"
#include "smoke/lxc_rig.hpp"

namespace rig::cli {

CLI::Option* add_rig_options(CLI::App* sub, RigOptions& o, const std::string& name_help) {
  sub->add_option("recipe", o.recipe,
                  "Recipe file or name, or an image built by rigctl: in the engine, or a registry reference "
                  "HOST[:PORT]/REPO[:TAG] the engine pulls (default: debian-trixie)");
  sub->add_flag("--insecure", o.insecure, "Pull a registry reference over plain http (loopback registries only)");
  sub->add_option("--name", o.name, name_help);
  sub->add_option("--without", o.without, "Leave out a launch flag by id (repeatable)");
  sub->add_option("--engine", o.engine, "Engine endpoint unix://… or tcp://…, or the outer runtime incus[:SOCKET] or lxc[:LXCPATH] (default: DOCKER_HOST or the local socket)");
  auto* port = sub->add_option("--port-base", o.port_base, "First host port of the published range (default: the recipe's)");
  sub->add_option("--apparmor", o.apparmor,
                  "How the apparmor flag confines the rig where the host has AppArmor: unconfined, or tailored (the "
                  "rigctl-tailored profile, loaded on the engine's host; smoke then adds the apparmor-confined check)")
      ->check(CLI::IsMember({"unconfined", "tailored"}));
  return port;
}

Result<SessionOptions> rig_session_options(const RigOptions& o, const Globals& g, DefaultName naming,
                                           const std::string& inner_storage, const std::string& inner_network) {
  SessionOptions so;
  RIG_CHECK(check_engine_option(o.engine));
  RIG_TRY(auto image, resolve_rig_image_arg(o.recipe, o.engine, o.insecure, g.borders().engines));
  so.recipe = image.recipe;
  so.pulled_ref = image.pulled_ref;
  so.pulled_id = image.pulled_id;
  RIG_TRY(so.recipe_object, load_recipe(so.recipe));
  const std::string name =
      o.name.empty() && naming == DefaultName::PerRecipe ? "rig-" + so.recipe.stem().string() : o.name;
  LaunchOptionValues given{name, {o.without.begin(), o.without.end()}, inner_storage, inner_network, o.apparmor, {}};
  if (o.port_base_given) given.port_base = o.port_base;
  RIG_CHECK(check_launch_options(*so.recipe_object, given));
  // The LXC-family runtimes take fewer names than Docker: refused here, before any port or image work.
  if (!name.empty() && is_incus_engine(o.engine)) RIG_CHECK(check_incus_instance_name(name));
  if (!name.empty() && is_lxc_engine(o.engine)) RIG_CHECK(check_lxc_name(name));
  so.name = name;
  so.without = {o.without.begin(), o.without.end()};
  so.engine = o.engine;
  so.port_base = o.port_base;
  so.apparmor = o.apparmor;
  so.inner_storage = inner_storage;
  return so;
}

}  // namespace rig::cli
