#include "cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/interrupt.hpp"

namespace rig::cli {

namespace {

void setup_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("rigctl");
  logger->set_pattern("rigctl: %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

int report(const Error& e) {
  std::fprintf(stderr, "rigctl: error: %s\n", e.what().c_str());
  if (!e.hint().empty()) std::fprintf(stderr, "rigctl: hint: %s\n", e.hint().c_str());
  return exit_code(e.category());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rigctl: build, launch and prove rootless-podman-in-container rigs that never need --privileged"};
  app.set_version_flag("--version", std::string("rigctl ") + RIGCTL_VERSION);
  app.require_subcommand(1);
  Globals g;
  app.add_flag("-v,--verbose", g.verbose, "Show debug diagnostics and tool output on stderr");
  Action action;
  register_build(app, action, g);
  register_validate(app, action, g);
  register_render(app, action, g);
  register_launch(app, action, g);
  register_smoke(app, action, g);
  register_gc(app, action, g);
  register_ablate(app, action, g);
  register_bench(app, action, g);
  register_seccomp(app, action, g);
  register_doctor(app, action, g);
  register_matrix(app, action, g);
  register_report(app, action, g);
  register_host(app, action, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  setup_logging(g.verbose);
  install_interrupt_handlers();
  // The composition root: the one place the real connectors are made.
  RealBorders real = make_real_borders();
  const Borders borders = real.borders();
  g.wired = &borders;
  // The one catch-all: whatever escapes a command is reported here with exit 70, after unwinding
  // has removed what the run made.
  Status st = guarded("rigctl", action);
  if (!st.ok()) return report(st.error());
  return 0;
}

}  // namespace rig::cli
