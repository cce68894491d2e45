#include <cstdio>

#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "cli/progress.hpp"
#include "cli/recipe_arg.hpp"
#include "cli/rig_options.hpp"
#include "smoke/session.hpp"

namespace rig::cli {

namespace {

struct LaunchOptions {
  RigOptions rig;
  bool json = false;
};

Status run_launch(const LaunchOptions& o, const Globals& g) {
  Progress progress(g.verbose);
  BuildEvents ev{[&](const std::string& p) { progress.phase(p); }, [&](uint64_t n) { progress.bytes(n); },
                 [&](std::string_view l) { progress.tool_line(l); }};
  // Every option is checked before the engine is contacted or anything is built.
  RIG_TRY(auto so, rig_session_options(o.rig, g, DefaultName::PerRecipe));
  RIG_TRY(auto s, open_session(so, g.borders(), ev));
  s->rig->keep();
  progress.done();
  if (o.json) {
    json flags = json::array();
    for (auto& f : s->spec.flags) flags.push_back({{"id", f.id}, {"state", f.state}, {"reason", f.reason}});
    json ports = json::array();
    for (auto& p : s->spec.ports) ports.push_back({{"host", p.host_ip + ":" + std::to_string(p.host)}, {"container", p.container}});
    std::printf("%s\n", json_text(json{{"name", s->name}, {"id", s->rig->id()}, {"image", s->images.outer_ref}, {"run_id", s->run_id},
                                        {"flags", flags}, {"ports", ports}, {"volumes", s->spec.volumes}},
                                   2)
                             .c_str());
    return ok();
  }
  std::printf("rig %s (%s) from %s\n", s->name.c_str(), s->rig->id().substr(0, 12).c_str(), s->images.outer_ref.c_str());
  for (auto& f : s->spec.flags)
    std::printf("  flag %-12s %-15s %s\n", f.id.c_str(), f.state.c_str(), f.reason.c_str());
  if (!s->spec.ports.empty())
    std::printf("  ports %s:%u-%u\n", s->spec.ports.front().host_ip.c_str(), s->spec.ports.front().host, s->spec.ports.back().host);
  for (auto& [v, t] : s->spec.volumes) std::printf("  volume %s -> %s\n", v.c_str(), t.c_str());
  return ok();
}

}  // namespace

void register_launch(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<LaunchOptions>();
  auto* sub = app.add_subcommand("launch", "Build (cached) and start a rig with the recipe's launch profile");
  auto* port = add_rig_options(sub, o->rig, "Container name (default: rig-<recipe file name>)");
  sub->add_flag("--json", o->json, "Print the result as JSON");
  sub->callback([o, port, &action, &g] {
    o->rig.port_base_given = port->count() > 0;
    action = [o, &g] { return run_launch(*o, g); };
  });
}

}  // namespace rig::cli
