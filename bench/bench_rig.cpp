#include "bench/bench_rig.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "bench/bench_item.hpp"
#include "builder/tar_pack.hpp"
#include "core/clock.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "host/machine.hpp"
#include "smoke/smoke_run.hpp"

namespace rig {

Status BenchContext::check_interrupt() {
  if (interrupted()) return interrupted_error();
  return ok();
}

Result<SessionOptions> bench_session(BenchContext& c, const std::string& tag) {
  SessionOptions so;
  so.recipe = c.opts.recipe;
  so.recipe_object = c.recipe;
  so.engine = c.opts.engine;
  so.arch = c.opts.arch;
  so.web_recipe = c.opts.web_recipe;
  so.base_recipe = c.opts.base_recipe;
  so.name = "rigctl-bench-" + tag + "-" + new_run_id();
  // The rig reserves its window when it launches, for as long as it lives (core/ports.hpp).
  so.port_search_from = c.next_port;
  return so;
}

Result<std::unique_ptr<Session>> open_ready_rig(BenchContext& c, const SessionOptions& so) {
  c.say("launch rig " + so.name);
  RIG_TRY(auto s, open_session(so, c.borders, {}));
  auto in = chain_inputs(*s, c.opts.inner_network, so.inner_storage);
  in.only = {"outer-up"};
  HostFacts facts = session_facts(*s);
  RIG_TRY(auto checks, run_chain(in, facts));
  if (checks.empty() || checks.front().status != CheckState::Pass)
    return Error(Category::Checks, "rig " + so.name + " did not come up: " + (checks.empty() ? "" : tail(checks.front().output, 20, 800)));
  if (c.host.podman_version.empty()) {
    auto v = s->rig->control().exec(ExecRequest{{"podman", "version", "--format", "{{.Client.Version}}"}, "", {}, 60000});
    if (v && v->exit_code == 0) {
      c.host.podman_version = trim(v->out);
    }
  }
  return s;
}

Result<double> timed_exec(Session& s, const std::vector<std::string>& argv, const std::vector<std::string>& env, long timeout_ms) {
  auto t0 = std::chrono::steady_clock::now();
  RIG_TRY(auto r, s.rig->control().exec(ExecRequest{argv, "", env, timeout_ms}));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.exit_code != 0)
    return Error(Category::Checks, "`" + shell_quote(argv) + "` exited " + std::to_string(r.exit_code) + ": " + tail(r.out, 20, 800));
  return secs;
}

Status put_base_archive(Session& s) {
  uint32_t uid = s.recipe.user ? s.recipe.user->uid : 1000, gid = s.recipe.user ? s.recipe.user->gid : 1000;
  RIG_TRY(auto tar, pack_tar({{"rig-bench/", "", "", uid, gid, 0755},
                              {"rig-bench/base.tar", s.images.base_archive.string(), "", uid, gid, 0644}}));
  return s.rig->control().put_files("/tmp", tar);
}

Result<std::optional<double>> timed_smoke(BenchContext& c, BenchItem& item) {
  SmokeRequest req;
  RIG_TRY(req.session, bench_session(c, "smoke"));
  req.session.recipe_object.reset();  // as `rigctl smoke` does: the recipe is loaded by the run
  req.inner_network = c.opts.inner_network;
  auto t0 = Clock::now();
  RIG_TRY(auto report, run_smoke(req, c.borders, {}));
  double secs = since(t0);
  if (c.host.podman_version.empty()) c.host.podman_version = report.host.podman_version;
  if (!report.passed()) {
    auto* f = report.first_failure();
    mark_failed(item, "rigctl smoke: " + std::to_string(report.count(CheckState::Pass)) + "/" + std::to_string(report.checks.size()) +
                          " passed" + (f ? "; first failure " + f->id + ": " + f->output : ""));
    return std::optional<double>{};
  }
  return std::optional<double>{secs};
}

std::string docker_script_precondition(const BenchContext& c, const std::filesystem::path& script, const std::string& what) {
  if (script.empty()) return what + " was not given";
  if (!std::filesystem::exists(script)) return what + " " + script.string() + " does not exist";
  if (c.conn.version.podman) return "the outer engine is podman; " + what + " drives Docker through the docker CLI";
  if (c.conn.endpoint.unix_path.empty())
    return "the engine " + c.conn.endpoint.display + " is not local; " + what + " publishes and fetches ports on this host";
  for (const char* tool : {"docker", "curl", "bash"})
    if (!which_on_path(tool)) return std::string("`") + tool + "` is not on PATH (" + what + " needs it)";
  if (c.opts.web_recipe.empty() || c.opts.base_recipe.empty()) return "no inner image recipes given";
  return "";
}

}  // namespace rig
