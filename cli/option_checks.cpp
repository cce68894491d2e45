#include "cli/option_checks.hpp"

#include <CLI/CLI.hpp>

#include "builder/build.hpp"
#include "cli/app.hpp"
#include "engine/incus_client.hpp"
#include "engine/lxc_runtime.hpp"
#include "core/fs.hpp"
#include "core/output_dir.hpp"
#include "core/text.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "engine/http.hpp"

namespace rig::cli {

Status check_output_file(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return ok();
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec) || path.back() == '/')
    return usage_error("'" + path + "' is a directory, expected a file name").add_context(option);
  // An existing device or pipe is written into (write_output_file): only a character device or a
  // pipe -- /dev/null, /dev/stdout, a FIFO -- never a disk or a socket.
  if (names_open_fd(p)) {
    if (struct stat st{}; ::stat(path.c_str(), &st) != 0) return usage_error("'" + path + "' names no open file").add_context(option);
    return ok();
  }
  const std::string normal = p.lexically_normal().string();
  if (normal.starts_with("/proc/") || normal.starts_with("/sys/"))
    return usage_error("'" + path + "' is in /proc or /sys, expected a file name (or /dev/stdout)").add_context(option);
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return ok();
    return usage_error("'" + path + "' is " + (S_ISBLK(st.st_mode) ? "a block device" : S_ISSOCK(st.st_mode) ? "a socket" : "not a regular file") +
                       ", expected a file name (or a character device or pipe, such as /dev/stdout)")
        .add_context(option);
  }
  return check_output_name(p).context(option);
}

Status check_environment() {
  RIG_CHECK(parse_source_date_epoch(std::getenv("SOURCE_DATE_EPOCH")));
  if (const char* d = std::getenv("RIGCTL_RUNTIME_DIR"); d && *d && d[0] != '/')
    return usage_error("RIGCTL_RUNTIME_DIR: expected an absolute path, got " + show_value(d),
                       "every rigctl must find the same directory of live runs wherever it is started");
  // The directories rigctl works in or reads from, named by the variable that chose them, before any
  // work: found only when first used, they failed as an I/O error ("cannot open lock file
  // '…/rigctl/locks/…': Not a directory") halfway into a command, or were passed over in silence.
  // rigctl makes its cache and runtime directories when they are missing; it never makes the others:
  //   TMPDIR;
  //   RIGCTL_HOME, the first place recipes are looked up (one that is not there was skipped, and the
  //     shipped recipe used instead of the user's);
  //   HOME, when the cache is made under it (no XDG_CACHE_HOME): rigctl makes ~/.cache, never HOME
  //     itself -- HOME=/nonexistent, Debian's "no home", once got a /nonexistent made.
  // (Relative XDG and HOME values are ignored by the XDG rule: core/fs.cpp.)
  struct Dir {
    const char* name;
    bool made_if_missing;
    std::string hint;
  };
  const std::vector<Dir> dirs = {
      {"TMPDIR", false, "point TMPDIR at a directory (or unset it)"},
      {"XDG_CACHE_HOME", true, "point XDG_CACHE_HOME at a directory (or unset it)"},
      {"XDG_RUNTIME_DIR", true, "point XDG_RUNTIME_DIR at a directory (or unset it)"},
      {"RIGCTL_RUNTIME_DIR", true, "point RIGCTL_RUNTIME_DIR at a directory (or unset it)"},
      {"RIGCTL_HOME", false, "point RIGCTL_HOME at a directory holding recipes/ (and images/, matrix/), or unset it"},
      {"HOME", false, "set XDG_CACHE_HOME to a directory for rigctl's cache (it is made if missing), or HOME to an existing directory"}};
  for (const auto& d : dirs) {
    const char* v = std::getenv(d.name);
    const std::string name = d.name;
    if (!v || !*v || (name != "RIGCTL_HOME" && v[0] != '/')) continue;
    if (name == "HOME" && absolute_env("XDG_CACHE_HOME")) continue;  // the cache is not under HOME
    std::error_code ec;
    auto st = std::filesystem::status(v, ec);
    std::string problem;
    if (st.type() == std::filesystem::file_type::not_found) {
      if (d.made_if_missing) continue;
      problem = " does not exist";
    } else if (ec) {
      problem = " cannot be read (" + ec.message() + ")";
    } else if (!std::filesystem::is_directory(st)) {
      problem = " is not a directory";
    } else {
      continue;
    }
    if (name == "HOME") problem += ", and rigctl's cache would be made under it (~/.cache/rigctl)";
    return usage_error(name + ": " + show_value(v) + problem, d.hint);
  }
  return ok();
}

Status check_engine_option(const std::string& engine) {
  if (is_lxc_engine(engine)) return check_lxc_path(lxc_path_of(engine));
  if (is_incus_engine(engine)) {
    auto ep = parse_endpoint(incus_socket_of(engine));
    if (!ep || ep->unix_path.empty())
      return usage_error("expected incus or incus:/path/to/unix.socket (Incus is reached on its local socket only), got " +
                         show_value(engine))
          .add_context("--engine");
    return ok();
  }
  auto ep = default_endpoint(engine);
  if (!ep) {
    auto e = std::move(ep).error();
    return engine.empty() ? e : e.add_context("--engine");  // from DOCKER_HOST, which the message names
  }
  return ok();
}

Status check_given_values(const CLI::App& app) {
  for (const CLI::App* cmd = &app; cmd != nullptr;) {
    for (const CLI::Option* opt : cmd->get_options()) {
      // Flags take no value; the pass-through arguments are another command's.
      if (opt->count() == 0 || opt->get_type_size_max() == 0 || opt->get_name() == kPassThroughArgs) continue;
      for (auto& v : opt->results())
        if (v.empty())
          return usage_error(opt->get_name() + ": expected a value, got an empty string",
                             "leave the option out for its default");
    }
    auto chosen = cmd->get_subcommands();
    cmd = chosen.empty() ? nullptr : chosen.front();
  }
  return ok();
}

}  // namespace rig::cli
