#include <cstdio>
#include <filesystem>

#include "host/doctor.hpp"
#include "cli/app.hpp"
#include "cli/option_checks.hpp"
#include "engine/engine.hpp"

namespace rig::cli {

namespace {

struct DoctorOptions {
  bool json = false;
  std::string engine;
  std::string root;
};

Status run_doctor_cmd(const DoctorOptions& o, const Globals& g) {
  // A malformed --engine or --root is a usage error; an engine that is absent or does not answer is
  // what the doctor reports (a failed item).
  if (!o.engine.empty()) RIG_CHECK(check_engine_option(o.engine));
  if (!o.root.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.root, ec))
      return usage_error("'" + o.root + "' is not a directory (expected a tree with proc/, sys/, dev/ and etc/)").add_context("--root");
  }
  std::string endpoint = o.engine;
  auto host = real_doctor_host(
      [endpoint, &g]() -> Result<EngineVersion> {
        RIG_TRY(auto conn, g.borders().engines.connect(endpoint));
        return conn.version;
      },
      o.root);
  // With --root (a fake tree), no daemon is asked.
  if (o.root.empty())
    host.incus = [&g]() -> Result<EngineVersion> {
      RIG_TRY(auto conn, g.borders().engines.connect("incus"));
      return conn.version;
    };
  auto items = run_doctor(host);
  if (o.json)
    std::printf("%s\n", json_text(doctor_json(items), 2).c_str());
  else
    std::printf("%s", doctor_table(items).c_str());
  std::fflush(stdout);
  std::string failed;
  size_t n = 0;
  for (auto& i : items)
    if (i.status == CheckStatus::Fail) {
      failed += (failed.empty() ? "" : ", ") + i.item;
      ++n;
    }
  if (n == 0) return ok();
  return Error(Category::Checks, std::to_string(n) + " host check(s) failed: " + failed,
               "apply the FIX column, then run `rigctl doctor` again");
}

}  // namespace

void register_doctor(CLI::App& app, Action& action, const Globals& g) {
  auto o = std::make_shared<DoctorOptions>();
  auto* sub = app.add_subcommand(
      "doctor",
      "Check the host for what rigctl needs (engine, kernel, user namespaces, LSMs, cgroups, devices, binfmt, "
      "subordinate ids, tools, disk); prints each fix, changes nothing");
  sub->add_flag("--json", o->json, "Print the items as JSON");
  sub->add_option("--engine", o->engine, "Engine endpoint unix://… or tcp://…, or the outer runtime incus[:SOCKET] or lxc[:LXCPATH] (default: DOCKER_HOST or the local socket)");
  sub->add_option("--root", o->root, "Read /proc, /sys, /dev and /etc under this directory (default: the real host)");
  sub->footer("Exit 0 when no item fails (warnings allowed), 1 otherwise.");
  sub->callback([o, &action, &g] { action = [o, &g] { return run_doctor_cmd(*o, g); }; });
}

}  // namespace rig::cli
