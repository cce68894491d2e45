#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

#include "security/apparmor.hpp"
#include "cli/option_checks.hpp"
#include "cli/seccomp_cmds.hpp"
#include "core/fs.hpp"

namespace rig::cli {

namespace {

struct AppArmorCliOptions {
  std::string out;
  std::string name = kTailoredAppArmorName;
};

Status run_seccomp_apparmor(const AppArmorCliOptions& o) {
  RIG_CHECK(check_apparmor_name(o.name).context("--name"));
  RIG_CHECK(check_output_file("--out", o.out));
  AppArmorOptions opts;
  opts.name = o.name;
  std::string text = render_tailored_apparmor(opts);
  if (o.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    RIG_CHECK(write_output_file(o.out, text).context("--out"));
  }
  // Writing is all rigctl does; say when the result cannot even be tried on this host.
  if (!std::filesystem::exists("/sys/kernel/security/apparmor"))
    spdlog::info(
        "this kernel has no AppArmor: the profile cannot be loaded here (apparmor_parser -Q -K FILE checks its "
        "syntax)");
  return ok();
}

}  // namespace

void register_seccomp_apparmor(CLI::App& parent, Action& action, const Globals&) {
  auto o = std::make_shared<AppArmorCliOptions>();
  auto* sub = parent.add_subcommand(
      "apparmor",
      "Write the tailored AppArmor profile: docker-default with its `deny mount,` swapped for `mount,` and "
      "`pivot_root,`, everything else kept (still denies /proc/sysrq-trigger, /proc/kcore). It replaces "
      "--security-opt apparmor=unconfined");
  sub->add_option("--out", o->out, "Write the profile to this file (atomically) instead of stdout");
  sub->add_option("--name", o->name, std::string("Profile name (default: ") + kTailoredAppArmorName + ")");
  sub->footer(
      "rigctl only writes the profile text. Load it with `apparmor_parser -r FILE` on a host whose kernel has AppArmor "
      "enabled, then launch with --security-opt apparmor=NAME. Kernels without AppArmor (such as the Debian 12 VMs "
      "rigctl is developed on) cannot load it and AppArmor flags do not apply there; `apparmor_parser -Q -K FILE` "
      "(package apparmor) still compiles it as a syntax check.");
  sub->callback([o, &action] { action = [o] { return run_seccomp_apparmor(*o); }; });
}

}  // namespace rig::cli
