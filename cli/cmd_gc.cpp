#include <cstdio>

#include "cli/app.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "smoke/rig.hpp"
#include "vmhost/vm_state.hpp"

namespace rig::cli {

namespace {

struct GcOptions {
  std::string engine;
  std::string run;
  bool json = false;
};

// What gc removes and when: docs/gc.md.
Status run_gc(const GcOptions& o, const Globals& g) {
  if (!o.run.empty() && snapshot_runs().live_runs.count(o.run))
    return usage_error("run " + o.run + " is still going (its rigctl holds its lease): not removing what it uses",
                       "interrupt that rigctl (Ctrl-C or SIGTERM): it removes what it made itself")
        .add_context("--run");
  RIG_TRY(auto conn, g.borders().engines.connect(o.engine));
  RIG_TRY(auto r, collect_garbage(*conn.engine, o.run, [] { return snapshot_runs().live_runs; }));
  // Build staging a killed rigctl left: its lease is gone (a live build's is held, however long it
  // has been writing).
  auto stale = remove_stale_staging(cache_root(), std::chrono::hours(1));
  remove_dead_leases();
  // VM hosts whose rigctl died (or whose qemu did): the VM stopped, its run dir and state removed.
  auto vms = collect_vm_garbage();
  if (o.json) {
    json staging = json::array();
    for (auto& p : stale) staging.push_back(p.string());
    json doc = {{"containers", r.containers}, {"volumes", r.volumes}, {"kept_runs", r.live_runs},
                {"stale_staging", staging}, {"vm_hosts", vms}};
    std::fputs((doc.dump(2) + "\n").c_str(), stdout);
    return ok();
  }
  for (auto& c : r.containers) std::printf("removed container %s\n", c.substr(0, 12).c_str());
  for (auto& v : r.volumes) std::printf("removed volume %s\n", v.c_str());
  for (auto& run : r.live_runs) std::printf("kept run %s: its rigctl is still running\n", run.c_str());
  for (auto& p : stale) std::printf("removed stale build staging %s\n", p.c_str());
  for (auto& id : vms) std::printf("removed VM host %s\n", id.c_str());
  std::printf("%zu containers, %zu volumes, %zu stale staging dirs, %zu VM hosts removed\n", r.containers.size(), r.volumes.size(),
              stale.size(), vms.size());
  return ok();
}

}  // namespace

void register_gc(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<GcOptions>();
  auto* sub = app.add_subcommand("gc", "Remove the containers and volumes rigctl runs left behind (by label) and killed builds' staging; "
                                       "never what a running rigctl still uses");
  sub->add_option("--engine", o->engine, "Engine endpoint (default: DOCKER_HOST or the local socket)");
  sub->add_option("--run", o->run, "Only what one run (io.rigctl.run) made, once that run has ended");
  sub->add_flag("--json", o->json, "Print what was removed and kept as JSON");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_gc(*o, g); }; });
}

}  // namespace rig::cli
