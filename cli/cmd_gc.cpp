#include <cstdio>

#include "cli/app.hpp"
#include "core/fs.hpp"
#include "smoke/rig.hpp"
#include "vmhost/vm_state.hpp"

namespace rig::cli {

namespace {

struct GcOptions {
  std::string engine;
  std::string run;
};

Status run_gc(const GcOptions& o) {
  RIG_TRY(auto conn, connect_engine(o.engine));
  RIG_TRY(auto r, collect_garbage(*conn.engine, o.run));
  for (auto& c : r.containers) std::printf("removed container %s\n", c.substr(0, 12).c_str());
  for (auto& v : r.volumes) std::printf("removed volume %s\n", v.c_str());
  // Builds clean up after themselves, except when killed outright; an hour-old staging dir is no
  // build still running.
  auto stale = remove_stale_staging(cache_root(), std::chrono::hours(1));
  for (auto& p : stale) std::printf("removed stale build staging %s\n", p.c_str());
  // VM hosts whose rigctl died (or whose qemu did): the VM stopped, its run dir and state removed.
  auto vms = collect_vm_garbage();
  for (auto& id : vms) std::printf("removed VM host %s\n", id.c_str());
  std::printf("%zu containers, %zu volumes, %zu stale staging dirs, %zu VM hosts removed\n", r.containers.size(), r.volumes.size(),
              stale.size(), vms.size());
  return ok();
}

}  // namespace

void register_gc(CLI::App& app, Action& action, const Globals&) {
  auto o = std::make_shared<GcOptions>();
  auto* sub = app.add_subcommand("gc", "Remove every container and volume a rigctl run left behind (by label), nothing else");
  sub->add_option("--engine", o->engine, "Engine endpoint (default: DOCKER_HOST or the local socket)");
  sub->add_option("--run", o->run, "Only what one run (io.rigctl.run) made");
  sub->callback([o, &action] { action = [o] { return run_gc(*o); }; });
}

}  // namespace rig::cli
