#include "cli/app.hpp"
#include "cli/seccomp_cmds.hpp"

namespace rig::cli {

void register_seccomp(CLI::App& app, Action& action, const Globals& g) {
  auto* sub = app.add_subcommand("seccomp", "Security profiles for the outer container: derive, lint, AppArmor");
  sub->require_subcommand(1);
  register_seccomp_gen(*sub, action, g);
  register_seccomp_lint(*sub, action, g);
  register_seccomp_apparmor(*sub, action, g);
}

}  // namespace rig::cli
