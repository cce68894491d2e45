#include "smoke/rig.hpp"

namespace rig {

Result<std::unique_ptr<Rig>> Rig::launch(Engine& engine, const LaunchSpec& spec, const std::string& name) {
  std::unique_ptr<Rig> rig(new Rig(engine, name));
  // Volumes first, labelled, so gc finds them even if the container never comes to exist.
  for (auto& [vol, target] : spec.volumes) {
    RIG_CHECK(engine.create_volume(vol, spec.labels).context("launch rig '" + name + "'"));
    rig->volumes_.push_back(vol);
  }
  auto id = engine.create_container(name, spec.body);
  if (!id) {
    auto e = std::move(id).error();
    if (e.message().find("409") != std::string::npos || e.message().find("already in use") != std::string::npos)
      return usage_error("a container named '" + name + "' already exists",
                         "choose another --name, or remove leftovers with `rigctl gc`")
          .add_context("launch rig '" + name + "'");
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
  if (!id_.empty()) {
    auto st = engine_.remove_container(id_);
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

Result<GcReport> collect_garbage(Engine& engine, const std::string& run_id) {
  std::string filter = run_id.empty() ? std::string(kLabelManaged) + "=true" : std::string(kLabelRun) + "=" + run_id;
  GcReport report;
  RIG_TRY(auto containers, engine.list_containers(filter));
  for (auto& c : containers) {
    RIG_CHECK(engine.remove_container(c));
    report.containers.push_back(c);
  }
  RIG_TRY(auto volumes, engine.list_volumes(filter));
  for (auto& v : volumes) {
    RIG_CHECK(engine.remove_volume(v));
    report.volumes.push_back(v);
  }
  return report;
}

}  // namespace rig
