// `rigctl seccomp …`: the parent subcommand (cmd_seccomp.cpp) hands its CLI::App to one register
// function per child, each in its own cmd_seccomp_*.cpp like the top-level subcommands.
#pragma once

#include "cli/app.hpp"

namespace rig::cli {

void register_seccomp_gen(CLI::App& parent, Action& action, const Globals& g);
void register_seccomp_lint(CLI::App& parent, Action& action, const Globals& g);
void register_seccomp_apparmor(CLI::App& parent, Action& action, const Globals& g);

}  // namespace rig::cli
