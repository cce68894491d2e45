// Exit codes end to end: the real rigctl binary maps success to 0 and errors to their category's
// code (docs/errors.md). Only commands that build nothing are run.
#include "support/catch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/app.hpp"
#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_app {

namespace {

rig::Completed rigctl(std::vector<std::string> args) { return rigtest::run_rigctl(std::move(args)); }

}  // namespace

TEST_CASE("cli: validate of a shipped recipe exits 0", "[cli]") {
  auto recipe = (rigtest::source_root() / "recipes/debian-trixie.json").string();
  auto r = rigctl({"validate", recipe});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith(recipe + ": ok (debian-trixie, debian trixie, "));
}

TEST_CASE("cli: an invalid recipe exits 2 with the error on stderr", "[cli]") {
  rigtest::TempDir t;
  auto j = rigtest::minimal_recipe();
  j["architectures"] = {"sparc"};
  rigtest::write_text(t / "bad.json", j.dump());
  auto r = rigctl({"validate", (t / "bad.json").string()});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "rigctl: error: load recipe '" + (t / "bad.json").string() +
                     "': architectures[0]: unknown architecture 'sparc' (expected a Debian arch name such as amd64 or "
                     "arm64)\n");
}

TEST_CASE("cli: a missing recipe file exits 2", "[cli]") {
  rigtest::TempDir t;
  auto r = rigctl({"validate", (t / "none.json").string()});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::StartsWith("rigctl: error: "));
}

TEST_CASE("cli: --json output naming a file whose name is not UTF-8 is JSON, with U+FFFD for the byte", "[cli]") {
  // json::dump() throws on such a byte: this was exit 70 ("unexpected exception") after the work was done.
  rigtest::TempDir t;
  const auto dir = t / "rec\xff";
  std::filesystem::create_directories(dir);
  std::filesystem::copy(rigtest::source_root() / "recipes", dir, std::filesystem::copy_options::recursive);
  auto r = rigctl({"validate", (dir / "debian-trixie.json").string(), "--json"});
  REQUIRE(r.status == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["valid"][0]["file"] == (t / "rec\xef\xbf\xbd" / "debian-trixie.json").string());
}

TEST_CASE("cli: an error quoting a hostile file name sends no escape sequence to the terminal", "[cli]") {
  rigtest::TempDir t;
  auto r = rigctl({"validate", (t / "\x1b]0;pwned\x07\x1b[2J\xff.json").string()});
  CHECK(r.status == 2);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x07') == std::string::npos);
  CHECK(r.err.find('\xff') == std::string::npos);
  CHECK_THAT(r.err, Catch::Contains("\\x1b]0;pwned\\x07\\x1b[2J"));
}

TEST_CASE("cli: a bad command line exits 2", "[cli]") {
  CHECK(rigctl({"no-such-subcommand"}).status == 2);
  CHECK(rigctl({}).status == 2);
}

TEST_CASE("cli: a command group without its command, or with an unknown one, is named with its help", "[cli]") {
  auto missing = rigctl({"report"});
  CHECK(missing.status == 2);
  CHECK(missing.err == "rigctl: error: `rigctl report` needs a command (expected one of: merge)\n"
                       "rigctl: hint: see `rigctl report --help`\n");
  auto unknown = rigctl({"-v", "host", "bogus"});
  CHECK(unknown.status == 2);
  CHECK(unknown.err == "rigctl: error: unknown command 'bogus' for `rigctl host` (expected one of: up, down, run)\n"
                       "rigctl: hint: see `rigctl host --help`\n");
  auto top = rigctl({"frob"});
  CHECK(top.status == 2);
  CHECK_THAT(top.err, Catch::StartsWith("rigctl: error: unknown command 'frob' for `rigctl` (expected one of: build, "));
  // Any other parse error points at the help of the command it is about.
  auto option = rigctl({"seccomp", "gen", "--bogus"});
  CHECK(option.status == 2);
  CHECK_THAT(option.err, Catch::EndsWith("rigctl: hint: see `rigctl seccomp gen --help`\n"));
}

TEST_CASE("cli: --version exits 0", "[cli]") {
  auto r = rigctl({"--version"});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("rigctl "));
}

TEST_CASE("cli: every command's help ends with an example of itself", "[cli]") {
  // The commands as `rigctl --help` lists them, and the subcommands of the groups.
  auto top = rigctl({"--help"});
  REQUIRE(top.status == 0);
  std::vector<std::vector<std::string>> commands;
  for (const char* c : {"build", "push", "validate", "render", "launch", "smoke", "gc", "ablate", "bench", "seccomp", "doctor",
                        "matrix", "report", "host"}) {
    CHECK_THAT(top.out, Catch::Contains(std::string("  ") + c));
    commands.push_back({c});
  }
  for (auto& sub : std::vector<std::vector<std::string>>{{"seccomp", "gen"}, {"seccomp", "lint"}, {"seccomp", "apparmor"},
                                                          {"report", "merge"}, {"host", "up"}, {"host", "down"}, {"host", "run"}})
    commands.push_back(sub);
  for (auto& c : commands) {
    auto args = c;
    args.push_back("--help");
    auto r = rigctl(args);
    INFO(rig::shell_quote(args));
    CHECK(r.status == 0);
    // The example names the command (a group may show one of its subcommands).
    CHECK_THAT(r.out, Catch::Contains("Example:\n  rigctl " + c.front()));
  }
}

// Found by an I/O-fault sweep: `rigctl -v seccomp gen RECIPE 2>&-` wrote the cold build's progress
// lines into the image cache's lock file, which had taken the free fd 2. In a child (it closes its own
// fds): with stdin and stderr closed, hold_standard_fds gives both /dev/null, so the next open is above 2.
TEST_CASE("cli: closed standard fds are held by /dev/null before rigctl opens anything", "[cli]") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(0);
    ::close(2);
    rig::cli::hold_standard_fds();
    int next = ::open("/dev/zero", O_RDONLY);
    struct stat in{}, err{}, null{};
    bool held = ::fstat(0, &in) == 0 && ::fstat(2, &err) == 0 && ::stat("/dev/null", &null) == 0 && S_ISCHR(err.st_mode) &&
                in.st_rdev == null.st_rdev && err.st_rdev == null.st_rdev && (::fcntl(2, F_GETFL) & O_ACCMODE) == O_WRONLY;
    ::_exit(held && next > 2 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace rigtest_cli_app
