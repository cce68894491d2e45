#include "cli/app.hpp"
#include "cli/option_checks.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/interrupt.hpp"
#include "core/text.hpp"

namespace rig::cli {

namespace {

// Progress lines quote tool output, engine replies and file names: the payload goes through
// terminal_text, as errors do, so none of them can send escape sequences to the terminal.
class TerminalSafePayload : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string text = terminal_text(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<TerminalSafePayload>(); }
};

void setup_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("rigctl");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<TerminalSafePayload>('*').set_pattern("rigctl: %*");
  logger->set_formatter(std::move(formatter));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// One example per command, at the end of its --help (after any footer the command has). Keyed by the
// command path; kept here, in one table, so every command has one and they read alike.
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> m = {
      {"build", "rigctl build recipes/debian-trixie.json --out /tmp/trixie-oci"},
      {"push", "rigctl push debian-trixie 127.0.0.1:5000/rigctl/debian-trixie:latest --insecure"},
      {"validate", "rigctl validate recipes/*.json images/*.json"},
      {"render", "rigctl render debian-trixie --out /tmp/trixie-context"},
      {"launch", "rigctl launch debian-trixie --port-base 12000 --json"},
      {"smoke", "rigctl smoke ubuntu-noble --inner-storage fuse-overlayfs --json-file smoke.json --junit-file smoke.xml"},
      {"gc", "rigctl gc --run 3nom1rxh"},
      {"ablate", "rigctl ablate debian-trixie --only tun --only cap-sys-chroot --json-file ablate.json"},
      {"bench", "rigctl bench --items storage,restart-init --runs 3 --json-file bench.json"},
      {"seccomp", "rigctl seccomp lint /usr/share/containers/seccomp.json"},
      {"seccomp gen", "rigctl seccomp gen debian-trixie --out rig-seccomp.json"},
      {"seccomp lint", "rigctl seccomp lint rig-seccomp.json --json"},
      {"seccomp apparmor", "rigctl seccomp apparmor --out /etc/apparmor.d/rigctl-rig"},
      {"doctor", "rigctl doctor --engine unix:///run/rigctl-podman.sock --json"},
      {"matrix", "rigctl matrix ci --cells 'local/debian-trixie/*' --out results"},
      {"report", "rigctl report merge results-amd64 results-arm64 --out merged"},
      {"report merge", "rigctl report merge results-amd64 results-arm64 --out merged"},
      {"host", "rigctl host run ubuntu-noble -- smoke ubuntu-noble"},
      {"host up", "rigctl host up ubuntu-noble --json"},
      {"host down", "rigctl host down ubuntu-noble"},
      {"host run", "rigctl host run ubuntu-noble -- smoke ubuntu-noble"},
  };
  return m;
}

void add_examples(CLI::App& app, const std::string& prefix = "") {
  for (auto* sub : app.get_subcommands({})) {
    const std::string path = prefix + sub->get_name();
    if (auto it = examples().find(path); it != examples().end()) {
      const std::string before = sub->get_footer();
      sub->footer((before.empty() ? "" : before + "\n\n") + "Example:\n  " + it->second);
    }
    add_examples(*sub, path + " ");
  }
}

int report(const Error& e) {
  std::fprintf(stderr, "rigctl: error: %s\n", terminal_text(e.what()).c_str());
  if (!e.hint().empty()) std::fprintf(stderr, "rigctl: hint: %s\n", terminal_text(e.hint()).c_str());
  return exit_code(e.category());
}

// What a command printed reached its stdout: a closed or full stdout (`> /dev/full`) is an error
// (exit 1), never a success whose output was lost.
int stdout_written(int rc) {
  std::cout.flush();
  errno = 0;
  bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout.good();
  if (!failed) return rc;
  int e = errno;
  std::clearerr(stdout);
  return report(internal_error(std::string("writing standard output: ") + (e ? std::strerror(e) : "write error (closed, or no space left on its device)")));
}

// A parse error in rigctl's one format, naming the command it is about and that command's help. CLI11
// says "A subcommand is required" both for `rigctl report` (a command group given no command) and for
// `rigctl report frob` (an unknown one): the words after the deepest command parsed tell them apart.
Error parse_error(const CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args) {
  std::string path = "rigctl";
  const CLI::App* deepest = &app;
  while (!deepest->get_subcommands().empty()) {
    deepest = deepest->get_subcommands().front();
    path += " " + deepest->get_name();
  }
  const std::string hint = "see `" + path + " --help`";
  std::string what = e.what();
  if (what.find("subcommand is required") == std::string::npos) return Error(Category::Usage, what, hint);
  std::vector<std::string> names;
  for (const CLI::App* sub : deepest->get_subcommands({})) names.push_back(sub->get_name());
  const std::string expected = names.empty() ? std::string() : " (expected one of: " + join(names, ", ") + ")";
  // The first word that is not an option, after the deepest command's own name (if it was given).
  auto from = args.begin();
  if (deepest != &app)
    if (auto at = std::find(args.rbegin(), args.rend(), deepest->get_name()); at != args.rend()) from = at.base();
  auto word = std::find_if(from, args.end(), [](const std::string& a) { return !a.empty() && a[0] != '-'; });
  if (word != args.end()) return Error(Category::Usage, "unknown command '" + *word + "' for `" + path + "`" + expected, hint);
  return Error(Category::Usage, "`" + path + "` needs a command" + expected, hint);
}

}  // namespace

void build_app(CLI::App& app, Action& action, Globals& g) {
  app.description("rigctl: build, launch and prove rootless-podman-in-container rigs that never need --privileged");
  app.set_version_flag("--version", std::string("rigctl ") + RIGCTL_VERSION);
  app.require_subcommand(1);
  app.add_flag("-v,--verbose", g.verbose, "Show debug diagnostics and tool output on stderr");
  register_build(app, action, g);
  register_push(app, action, g);
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
  add_examples(app);
}

void hold_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() takes the lowest free number: this one, as the lower ones are open by now.
    (void)::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
  }
}

int main(int argc, char** argv) {
  hold_standard_fds();
  CLI::App app;
  Globals g;
  Action action;
  build_app(app, action, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; every other parse error is a usage error in rigctl's
    // one format, naming what was wrong.
    if (e.get_exit_code() == 0) return stdout_written(app.exit(e));
    return report(parse_error(app, e, std::vector<std::string>(argv + 1, argv + argc)));
  }
  if (Status given = check_given_values(app); !given.ok()) return report(given.error());
  if (Status env = check_environment(); !env.ok()) return report(env.error());
  setup_logging(g.verbose);
  install_interrupt_handlers();
  // The composition root: the one place the real connectors are made.
  RealBorders real = make_real_borders();
  const Borders borders = real.borders();
  g.wired = &borders;
  // The one catch-all: whatever escapes a command is reported here with exit 70, after unwinding
  // has removed what the run made.
  // Named by the command that ran ("matrix: out of memory"): report() adds "rigctl: error: ".
  std::string command = app.get_subcommands().empty() ? std::string("rigctl") : app.get_subcommands().front()->get_name();
  Status st = guarded(command.c_str(), action);
  if (!st.ok()) return report(st.error());
  return stdout_written(0);
}

}  // namespace rig::cli
