#include "smoke/rig.hpp"

namespace rig {

Result<std::unique_ptr<Rig>> Rig::launch(Engine& engine, const LaunchSpec& spec, const std::string& name) {
  std::unique_ptr<Rig> rig(new Rig(engine, name));
  // Volumes first, labelled, so gc finds them even if the container never comes to exist.
  for (auto& [vol, target] : spec.volumes) {
    // Recorded before the request: an interrupt mid-request may leave the volume made.
    rig->volumes_.push_back(vol);
    RIG_CHECK(engine.create_volume(vol, spec.labels).context("launch rig '" + name + "'"));
  }
  // The container has the name rigctl chose: a create cut short (SIGINT mid-request) may have made
  // it without rigctl ever learning its id, and remove() then removes it by that name.
  rig->created_by_name_ = true;
  auto id = engine.create_container(name, spec.body);
  if (!id) {
    auto e = std::move(id).error();
    if (e.message().find("409") != std::string::npos || e.message().find("already in use") != std::string::npos) {
      rig->created_by_name_ = false;  // that name is somebody else's container
      return usage_error("a container named '" + name + "' already exists",
                         "choose another --name, or remove leftovers with `rigctl gc`")
          .add_context("launch rig '" + name + "'");
    }
    return e.add_context("launch rig '" + name + "'");
  }
  rig->id_ = *id;
  RIG_CHECK(engine.start_container(rig->id_).context("launch rig '" + name + "'"));
  return rig;
}

Status Rig::remove() {
  if (removed_) return ok();
  removed_ = true;
  Status first = ok();
  if (!id_.empty() || created_by_name_) {
    auto st = engine_.remove_container(id_.empty() ? name_ : id_);
    if (!st.ok()) first = st;
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
  std::string filter = run_id.empty() ? std::string(kLabelManaged) + "=true" : std::string(kLabelRun) + "=" + run_id;
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
