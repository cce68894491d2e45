#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "builder/build.hpp"
#include "cli/app.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "engine/incus_client.hpp"
#include "core/text.hpp"
#include "engine/lxc_runtime.hpp"
#include "smoke/incus_rig.hpp"
#include "smoke/lxc_rig.hpp"
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
  // A run id as rigctl prints it (letters and digits) or as a label value may spell one ('.', '_',
  // '-'): nothing a label filter or a path would read differently, never bytes that are not text.
  if (!o.run.empty() && (o.run.size() > 63 || !std::all_of(o.run.begin(), o.run.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                                  c == '_' || c == '-';
                         })))
    return usage_error("expected a run id (letters, digits, '.', '_' or '-', as rigctl prints it), got " + show_value(o.run))
        .add_context("--run");
  if (!o.run.empty() && snapshot_runs().live_runs.count(o.run))
    return usage_error("run " + o.run + " is still going (its rigctl holds its lease): not removing what it uses",
                       "interrupt that rigctl (Ctrl-C or SIGTERM): it removes what it made itself")
        .add_context("--run");
  auto live = [] { return snapshot_runs().live_runs; };
  RIG_TRY(auto conn, g.borders().engines.connect(o.engine));
  GcReport r;
  IncusGcReport incus;
  LxcGcReport lxc;
  std::string incus_note;
  if (conn.incus) {
    RIG_TRY(incus, collect_incus_garbage(*conn.incus, o.run, live));
  } else if (!conn.lxc_path.empty()) {
    RIG_TRY(lxc, collect_lxc_garbage(g.borders().runner, conn.lxc_path, o.run, live));
  } else {
    RIG_TRY(r, collect_garbage(*conn.engine, o.run, live));
    // Without --engine, gc also clears what rigctl made in Incus when its daemon runs here: a user
    // asking for "everything rigctl left" should not have to know each runtime.
    if (o.engine.empty() && std::filesystem::exists(kIncusSocket)) {
      if (auto ic = g.borders().engines.connect("incus"); ic && ic->incus) {
        RIG_TRY(incus, collect_incus_garbage(*ic->incus, o.run, live));
      } else {
        incus_note = "Incus is installed but does not answer: nothing removed there";
      }
    }
    // LXC has no daemon: rigctl's own lxcpath is cleared when it exists.
    if (o.engine.empty() && std::filesystem::exists(kLxcDefaultPath)) {
      RIG_TRY(lxc, collect_lxc_garbage(g.borders().runner, kLxcDefaultPath, o.run, live));
    }
  }
  r.live_runs.insert(r.live_runs.end(), lxc.live_runs.begin(), lxc.live_runs.end());
  r.live_runs.insert(r.live_runs.end(), incus.live_runs.begin(), incus.live_runs.end());
  // Build staging a killed rigctl left: its lease is gone (a live build's is held, however long it
  // has been writing).
  auto stale = remove_stale_staging(cache_root(), std::chrono::hours(1));
  // And the scratch directories under $TMPDIR and the memory scratch (the inner images' archives,
  // an Incus image's files, mmdebstrap's rootfs with the mounts its killed root-mode run left).
  for (auto& p : remove_stale_scratch({kMemoryScratch})) stale.push_back(p);
  remove_dead_leases();
  // VM hosts whose rigctl died (or whose qemu did): the VM stopped, its run dir and state removed.
  auto vms = collect_vm_garbage();
  if (o.json) {
    json staging = json::array();
    for (auto& p : stale) staging.push_back(p.string());
    json doc = {{"containers", r.containers}, {"volumes", r.volumes}, {"kept_runs", r.live_runs},
                {"stale_staging", staging}, {"vm_hosts", vms},
                {"incus", {{"instances", incus.instances}, {"volumes", incus.volumes}, {"images", incus.images}}},
                {"lxc", {{"containers", lxc.containers}, {"images", lxc.images}}}};
    if (!incus_note.empty()) doc["incus"]["note"] = incus_note;
    std::fputs((json_text(doc, 2) + "\n").c_str(), stdout);
    return ok();
  }
  for (auto& c : r.containers) std::printf("removed container %s\n", c.substr(0, 12).c_str());
  for (auto& v : r.volumes) std::printf("removed volume %s\n", v.c_str());
  for (auto& i : incus.instances) std::printf("removed Incus instance %s\n", i.c_str());
  for (auto& v : incus.volumes) std::printf("removed Incus volume %s\n", v.c_str());
  for (auto& i : incus.images) std::printf("removed Incus image %s\n", i.substr(0, 12).c_str());
  if (!incus_note.empty()) std::printf("%s\n", incus_note.c_str());
  for (auto& c : lxc.containers) std::printf("removed LXC container %s\n", c.c_str());
  for (auto& i : lxc.images) std::printf("removed LXC image rootfs %s\n", i.c_str());
  for (auto& run : r.live_runs) std::printf("kept run %s: its rigctl is still running\n", run.c_str());
  for (auto& p : stale) std::printf("removed stale build staging %s\n", p.c_str());
  for (auto& id : vms) std::printf("removed VM host %s\n", id.c_str());
  std::printf("%zu containers, %zu volumes, %zu stale staging dirs, %zu VM hosts removed\n", r.containers.size() + incus.instances.size() + lxc.containers.size(),
              r.volumes.size() + incus.volumes.size(), stale.size(), vms.size());
  return ok();
}

}  // namespace

void register_gc(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<GcOptions>();
  auto* sub = app.add_subcommand("gc", "Remove the containers and volumes rigctl runs left behind (by label) and killed builds' staging; "
                                       "never what a running rigctl still uses");
  sub->add_option("--engine", o->engine, "Engine endpoint, incus or lxc (default: DOCKER_HOST or the local socket, plus Incus and rigctl's LXC path when present)");
  sub->add_option("--run", o->run, "Only what one run (io.rigctl.run) made, once that run has ended");
  sub->add_flag("--json", o->json, "Print what was removed and kept as JSON");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_gc(*o, g); }; });
}

}  // namespace rig::cli
