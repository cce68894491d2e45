// The command line. Each subcommand lives in its own cmd_*.cpp with one register_* function that
// binds options into a plain struct and installs the action to run after parsing.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "smoke/borders.hpp"

namespace rig::cli {

using Action = std::function<Status()>;

// The positional that carries another command's arguments verbatim (`host run NAME -- ARGS...`):
// exempt from check_given_values (an empty argument is the other command's to judge).
inline constexpr const char* kPassThroughArgs = "ARGS";

// Started with stdin, stdout or stderr closed (`2>&-`), the next file rigctl opened would get that
// number and diagnostics written to "stderr" would land in it (found: a cold build's progress lines in
// the image cache's lock file). main() first gives each closed one /dev/null, as crun and systemd do.
void hold_standard_fds();

struct Globals {
  bool verbose = false;
  // The real borders (engine connector, image source, subprocess runner), wired once by main, the
  // composition root, before the chosen action runs: commands reach engines and tools only through
  // them, and the library code below takes them as parameters.
  const Borders* wired = nullptr;
  const Borders& borders() const { return *wired; }
};

void register_build(CLI::App& app, Action& action, const Globals& g);
void register_validate(CLI::App& app, Action& action, const Globals& g);
void register_render(CLI::App& app, Action& action, const Globals& g);
void register_launch(CLI::App& app, Action& action, const Globals& g);
void register_smoke(CLI::App& app, Action& action, const Globals& g);
void register_gc(CLI::App& app, Action& action, const Globals& g);
void register_ablate(CLI::App& app, Action& action, const Globals& g);
void register_bench(CLI::App& app, Action& action, const Globals& g);
void register_seccomp(CLI::App& app, Action& action, const Globals& g);
void register_doctor(CLI::App& app, Action& action, const Globals& g);
void register_matrix(CLI::App& app, Action& action, const Globals& g);
void register_report(CLI::App& app, Action& action, const Globals& g);
void register_host(CLI::App& app, Action& action, const Globals& g);
void register_push(CLI::App& app, Action& action, const Globals& g);

// The whole command line: description, --version, global flags, every subcommand and its example.
// main() parses with it; the man page and bash completion generator (cli/docgen.hpp) walk it.
void build_app(CLI::App& app, Action& action, Globals& g);

// Parses, runs the chosen action, prints its error (the only place that does), returns the exit code.
int main(int argc, char** argv);

}  // namespace rig::cli
