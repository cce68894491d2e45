#include "smoke/rig.hpp"

#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "security/cgroup_delegation.hpp"

namespace rig {

Result<std::optional<RigState>> EngineRigControl::state() {
  RIG_TRY(auto info, engine_.inspect_container(id_));
  if (!info) return std::optional<RigState>();
  return std::optional<RigState>(RigState{info->running, info->status, info->exit_code, info->error, info->privileged,
                                          info->cap_add, info->security_opt, info->devices, delegation_});
}

Status EngineRigControl::restart(int timeout_s, long wait_ms) {
  RIG_CHECK(engine_.restart_container(id_, timeout_s, wait_ms));
  return after_start();
}

Status EngineRigControl::after_start() {
  if (!delegate_cgroup_) return ok();
  // Root with the rig's group: the cgroup files are root's (no capability needed to change their
  // mode), and what it creates belongs to group 1000 from the start.
  auto r = engine_.exec(id_, ExecRequest{{"sh", "-c", cgroup_delegation_script()}, "0:1000", {}, 60000});
  if (!r) {
    if (r.error().category() == Category::Interrupted || r.error().category() == Category::Unavailable)
      return std::move(r).error().add_context("delegate the rig's cgroup");
    delegation_ = "not delegated: " + std::string(r.error().what());
    return ok();
  }
  delegation_ = trim(r->out);
  if (r->exit_code != 0) delegation_ = "not delegated (exit " + std::to_string(r->exit_code) + "): " + delegation_;
  return ok();
}

Result<std::unique_ptr<Rig>> Rig::launch(Engine& engine, const LaunchSpec& spec, const std::string& name) {
  std::unique_ptr<Rig> rig(new Rig(engine, name));
  if (auto run = spec.labels.find(kLabelRun); run != spec.labels.end()) rig->run_id_ = run->second;
  // Volumes first, labelled, so gc finds them even if the container never comes to exist. Each is
  // owned before it is asked for: an answer lost on the way may still have created it.
  for (auto& [vol, target] : spec.volumes) {
    rig->volumes_.push_back(vol);
    if (auto st = engine.create_volume(vol, spec.labels); !st) {
      // Usage: the name is another's volume (Engine::create_volume), which the unwinding must not remove.
      if (st.error().category() == Category::Usage) rig->volumes_.pop_back();
      return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
    }
    // The engine's creates run to their end after SIGINT (engine/docker_engine.cpp): the interrupt
    // is honoured between them, before anything more is made.
    if (interrupted()) return rig->unwind(interrupted_error().add_context("launch rig '" + name + "'"));
  }
  rig->create_sent_ = true;
  auto id = engine.create_container(name, docker_create_body(spec));
  if (!id) {
    auto e = std::move(id).error();
    if (e.message().find("with 409:") != std::string::npos || e.message().find("already in use") != std::string::npos) {
      rig->create_sent_ = false;  // the name belongs to another container: nothing of ours exists
      return usage_error("a container named '" + name + "' already exists",
                         "choose another --name, or remove leftovers with `rigctl gc`")
          .add_context("launch rig '" + name + "'");
    }
    return rig->unwind(e.add_context("launch rig '" + name + "'"));
  }
  rig->id_ = *id;
  rig->control_ = std::make_unique<EngineRigControl>(engine, rig->id_, spec.delegate_cgroup);
  if (auto st = engine.start_container(rig->id_); !st) return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  if (auto st = rig->control_->after_start(); !st) return rig->unwind(std::move(st).error().add_context("launch rig '" + name + "'"));
  return rig;
}

std::string Rig::leftover_hint(const Error& removal) const {
  std::string how = run_id_.empty() ? "`rigctl gc`" : "`rigctl gc --run " + run_id_ + "`";
  return "rig '" + name_ + "' could not be removed (" + removal.what() + "): remove it with " + how + " once the engine answers";
}

Error unwind_rig(RunningRig& rig, bool kept, Error e) {
  if (kept) return e;
  auto st = rig.remove();
  if (st) return e;
  std::string hint = rig.leftover_hint(st.error());
  Error out(e.category(), e.message(), e.hint().empty() ? hint : e.hint() + "; " + hint);
  for (auto& c : e.context()) out.add_context(c);
  return out;
}

Error Rig::unwind(Error e) { return unwind_rig(*this, keep_, std::move(e)); }

Status Rig::remove() {
  if (removed_) return ok();
  removed_ = true;
  CleanupScope cleanup;  // runs to its end after an interrupt (each request keeps its timeout)
  Status first = ok();
  std::vector<std::string> ids;
  if (!id_.empty()) {
    ids.push_back(id_);
  } else if (create_sent_ && !run_id_.empty()) {
    // The create request went out but no id came back (a dropped or garbled answer): the engine may
    // have made the container anyway. It carries this run's label, which no other rig has.
    auto found = engine_.list_containers(std::string(kLabelRun) + "=" + run_id_);
    if (found) ids = *found;
    else first = Status(std::move(found).error());
  }
  for (auto& id : ids) {
    auto st = engine_.remove_container(id);
    if (!st.ok() && first.ok()) first = st;
  }
  for (auto& v : volumes_) {
    auto st = engine_.remove_volume(v);
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

Rig::~Rig() {
  if (!keep_) (void)remove();
}

Result<GcReport> collect_garbage(Engine& engine, const std::string& run_id, const std::function<std::set<std::string>()>& live_runs) {
  // Built by append, not `std::string(...) + "..."`: GCC 12 at -O2 warns about the temporary's copy
  // (-Warray-bounds, GCC bug 105329), an error under -Werror.
  std::string filter = run_id.empty() ? std::string(kLabelManaged) : std::string(kLabelRun);
  filter.append(run_id.empty() ? "=true" : "=").append(run_id);
  GcReport report;
  RIG_TRY(auto containers, engine.list_containers(filter));
  RIG_TRY(auto volumes, engine.list_volumes(filter));
  // Live runs are read after the listing: a run registers before it labels anything, so whatever
  // was listed and belongs to a run still going shows up here.
  std::set<std::string> keep_containers, keep_volumes;
  if (live_runs) {
    for (auto& run : live_runs()) {
      std::string f = std::string(kLabelRun) + "=" + run;
      RIG_TRY(auto cs, engine.list_containers(f));
      RIG_TRY(auto vs, engine.list_volumes(f));
      if (!cs.empty() || !vs.empty()) report.live_runs.push_back(run);
      keep_containers.insert(cs.begin(), cs.end());
      keep_volumes.insert(vs.begin(), vs.end());
    }
  }
  for (auto& c : containers) {
    if (keep_containers.count(c)) continue;
    RIG_CHECK(engine.remove_container(c));
    report.containers.push_back(c);
  }
  for (auto& v : volumes) {
    if (keep_volumes.count(v)) continue;
    RIG_CHECK(engine.remove_volume(v));
    report.volumes.push_back(v);
  }
  return report;
}

}  // namespace rig
