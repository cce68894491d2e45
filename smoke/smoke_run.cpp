#include "smoke/smoke_run.hpp"

#include "core/interrupt.hpp"

#include <chrono>

namespace rig {

ChainInputs chain_inputs(const Session& s, const std::string& inner_network, const std::string& inner_storage) {
  ChainInputs in{s.rig->control()};
  in.run_id = s.run_id;
  in.web_ref = s.images.web_ref;
  in.base_ref = s.images.base_ref;
  in.web_archive = s.images.web_archive.string();
  in.base_archive = s.images.base_archive.string();
  in.host_port = s.spec.ports.empty() ? 10000 : s.spec.ports.front().host;
  in.inner_port = s.spec.ports.empty() ? 10000 : s.spec.ports.front().container;
  in.inner_network = inner_network;
  in.jobs = kChainJobs;
  if (s.recipe.launch) {
    in.inner_engine = s.recipe.launch->inner_engine;
    in.docker_api = s.recipe.launch->docker_api;
  }
  in.apparmor_profile = s.spec.apparmor_profile;
  in.bounding_set = s.spec.bounding_set;
  in.limits = {s.spec.memory_bytes, s.spec.pids_limit, s.spec.nano_cpus};
  if (s.recipe.launch)
    for (auto& f : s.recipe.launch->flags) {
      if (f.effect_kind != "cgroups") continue;
      for (auto& d : s.spec.flags)
        if (d.id == f.id && (d.state == "not-applicable" || d.state == "not-for-engine"))
          in.inner_limits_not_applicable = d.reason + " (flag " + f.id + ")";
    }
  in.inner_storage = inner_storage.empty() && s.recipe.launch ? s.recipe.launch->inner_storage.front().id : inner_storage;
  return in;
}

HostFacts session_facts(const Session& s) {
  return {s.conn.version.kernel, s.conn.version.kind(), s.conn.version.version, s.conn.version.api_version, s.conn.endpoint.display, "",
          s.images.arch, s.recipe.launch ? s.recipe.launch->inner_engine : std::string("podman"), ""};
}

Result<SmokeReport> run_smoke(const SmokeRequest& req, const Borders& b, const BuildEvents& ev) {
  auto t0 = std::chrono::steady_clock::now();
  RIG_TRY(auto s, open_session(req.session, b, ev));
  if (req.keep) s->rig->keep();

  SmokeReport report;
  report.recipe = s->recipe.name;
  report.rig = s->name;
  report.run_id = s->run_id;
  report.flags = s->spec.flags;
  report.inner_network = req.inner_network;
  report.inner_storage = req.session.inner_storage;
  report.host = session_facts(*s);
  report.outer_manifest_digest = s->images.outer_manifest_digest;
  auto in = chain_inputs(*s, req.inner_network, req.session.inner_storage);
  report.inner_storage = in.inner_storage;
  in.on_result = req.on_result;
  auto checks = run_chain(in, report.host);
  // Removed here rather than by the Session's destructor, so a removal that fails (the engine went
  // away) is reported with what remains instead of being lost.
  if (!checks) return s->rig->unwind(std::move(checks).error());
  report.checks = std::move(checks).value();
  if (!req.keep)
    if (auto st = s->rig->remove(); !st) report.leftover = s->rig->leftover_hint(st.error());
  // A signal that came while the rig was being removed still ends the run as interrupted (130), not
  // with the report of a run the user stopped.
  if (interrupted()) return Error(Category::Interrupted, "interrupted", report.leftover);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace rig
