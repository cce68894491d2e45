// Hostile command lines and input files on the real binary: every one is refused with exit 2 (usage),
// before any work -- the engine endpoint points at nothing (any engine contact would exit 3) and the
// cache is a fresh directory that must stay empty. None may abort (134), crash (139) or hit the
// catch-all (70).
#include "support/catch.hpp"

#include <sys/stat.h>

#include "core/subprocess.hpp"
#include "core/text.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_hostile_args {

namespace {

struct Hostile {
  std::vector<std::string> args;
  std::string expect;  // a piece of the error message
};

rig::Completed run_isolated(const rigtest::TempDir& t, const std::vector<std::string>& args,
                             std::vector<std::pair<std::string, std::string>> more_env = {}) {
  rig::Command c;
  c.argv = {rigtest::rigctl_binary()};
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  c.env = {{"DOCKER_HOST", "unix://" + (t / "no-engine.sock").string()},
           {"XDG_CACHE_HOME", (t / "cache").string()},
           {"XDG_RUNTIME_DIR", (t / "run").string()}};
  // A variable given again replaces the default above.
  for (auto& e : more_env) {
    std::erase_if(c.env, [&](const auto& kv) { return kv.first == e.first; });
    c.env.push_back(e);
  }
  auto r = rig::make_process_runner()->run(c);
  if (!r.ok()) FAIL("cannot run rigctl: " << r.error().what());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("cli: hostile options and input files exit 2 before any work", "[cli][hostile]") {
  rigtest::TempDir t;
  auto recipe = (rigtest::source_root() / "recipes/debian-trixie.json").string();
  rigtest::write_text(t / "home" / ".profile", "keep me");
  rigtest::write_text(t / "dup.json", R"({"schema": "rigctl/recipe/v1", "name": "a", "name": "b"})");
  rigtest::write_text(t / "big.json", R"({"schema": "rigctl/recipe/v1", "name": "a", "launch": {"cpus": 1e400}})");
  rigtest::write_text(t / "deep.json", std::string(100000, '[') + std::string(100000, ']'));
  rigtest::write_text(t / "seccomp-types.json", R"({"defaultAction": 5, "syscalls": "x"})");
  std::vector<Hostile> cases = {
      {{"validate", "/dev/zero"}, "not a regular file"},
      {{"validate", (t / "dup.json").string()}, "duplicate key"},
      {{"validate", (t / "big.json").string()}, "number overflow"},
      {{"validate", (t / "deep.json").string()}, "nested deeper than"},
      {{"seccomp", "lint", "/dev/zero"}, "not a regular file"},
      {{"seccomp", "lint", (t / "deep.json").string()}, "nested deeper than"},
      {{"seccomp", "lint", (t / "seccomp-types.json").string()}, "expected"},
      {{"seccomp", "gen", "--from", (t / "deep.json").string()}, "nested deeper than"},
      {{"render", recipe, "--out", (t / "home").string()}, "refuses this one"},
      {{"report", "merge", (t / "nothing").string(), "--out", (t / "home").string()}, "refuses this one"},
      {{"report", "merge", (t / "nothing").string(), "--out", (t / "merged").string()}, "does not exist"},
      {{"matrix", "ci", "--out", (t / "home").string()}, "refuses this one"},
      {{"matrix", "ci", "--port-base", "0"}, "--port-base"},
      {{"matrix", "ci", "--engine-endpoint", "=x"}, "--engine-endpoint"},
      {{"matrix", (t / "deep.json").string()}, "nested deeper than"},
      {{"bench", "--items", "no-such-item"}, "no-such-item"},
      // An empty value ("$UNSET") is refused, never read as "not given": `gc --run ""` would have
      // swept every run, `validate ""` checked the default recipe instead.
      {{"gc", "--run", ""}, "--run: expected a value, got an empty string"},
      {{"validate", ""}, "recipes: expected a value, got an empty string"},
      {{"smoke", recipe, "--engine", ""}, "--engine: expected a value"},
      {{"launch", recipe, "--name", ""}, "--name: expected a value"},
      {{"build", recipe, "--tag", ""}, "--tag: expected a value"},
      {{"ablate", recipe, "--only", "tun", "--only", ""}, "--only: expected a value"},
      {{"report", "merge", "", "--out", (t / "m2").string()}, "expected a value"},
      {{"bench", "--runs", "0"}, "not in range 1 to 100"},
      {{"matrix", "ci", "--jobs", "0"}, "not in range 1 to 1024"},
      {{"ablate", recipe, "--jobs", "0"}, "not in range 1 to 1024"},
      // Names a rename cannot write: refused before the build, not after it.
      {{"render", recipe, "--out", "."}, "names no entry rigctl can replace"},
      {{"build", recipe, "--out", (t / std::string(5000, 'a')).string()}, "bytes longer, and the filesystem allows"},
      {{"smoke", recipe, "--json-file", (t / std::string(250, 'j')).string()}, "--json-file: the last part of"},
      {{"smoke", recipe, "--junit-file", (t / "home").string() + "/x/"}, "is a directory, expected a file name"},
      {{"matrix", "ci", "--out", (t / "no-dir" / "out").string()}, "does not exist"},
      // A name the LXC-family runtimes refuse is refused before any port, image or engine work.
      {{"launch", recipe, "--engine", "incus:" + (t / "no.socket").string(), "--name", "a_b"}, "--name: 'a_b' is not a name Incus accepts"},
      {{"smoke", recipe, "--engine", "lxc:" + (t / "no-lxcpath").string(), "--name", std::string(64, 'l')}, "is not a name rigctl gives an LXC container"},
  };
  for (auto& c : cases) {
    auto r = run_isolated(t, c.args);
    INFO(rig::join(c.args, " ") << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
  }
  CHECK(rigtest::read_text(t / "home" / ".profile") == "keep me");
  CHECK_FALSE(std::filesystem::exists(t / "cache"));
  CHECK_FALSE(std::filesystem::exists(t / "merged"));
}

// Found as root: `seccomp apparmor --out /dev/null` replaced the machine's /dev/null with a regular
// file. A character device or pipe is written into; a block device or socket is refused (exit 2).
TEST_CASE("cli: an output file that is a device or pipe is written into, never replaced", "[cli][hostile]") {
  rigtest::TempDir t;
  auto null_out = run_isolated(t, {"seccomp", "apparmor", "--out", "/dev/null"});
  CHECK(null_out.status == 0);
  struct stat st{};
  REQUIRE(::lstat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  auto to_stdout = run_isolated(t, {"seccomp", "apparmor", "--out", "/dev/stdout"});
  CHECK(to_stdout.status == 0);
  CHECK_THAT(to_stdout.out, Catch::Contains("profile "));
  auto in_proc = run_isolated(t, {"seccomp", "apparmor", "--out", "/proc/self/status"});
  CHECK(in_proc.status == 2);
  CHECK_THAT(in_proc.err, Catch::Contains("is in /proc or /sys"));
  for (const char* dev : {"/dev/loop0", "/dev/sda", "/dev/vda"}) {
    if (::stat(dev, &st) != 0 || !S_ISBLK(st.st_mode)) continue;
    auto r = run_isolated(t, {"seccomp", "apparmor", "--out", dev});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("is a block device"));
    break;
  }
}

// A relative RIGCTL_RUNTIME_DIR would be another directory of live runs in every working directory: a
// gc started elsewhere would take this run's rigs for dead ones. Refused before anything is looked at.
TEST_CASE("cli: a relative RIGCTL_RUNTIME_DIR is refused with exit 2", "[cli][hostile]") {
  rigtest::TempDir t;
  for (auto args : {std::vector<std::string>{"gc"}, {"validate", "debian-trixie"}}) {
    auto r = run_isolated(t, args, {{"RIGCTL_RUNTIME_DIR", "runs"}});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("RIGCTL_RUNTIME_DIR: expected an absolute path, got 'runs'"));
  }
  CHECK_FALSE(std::filesystem::exists(std::filesystem::current_path() / "runs"));  // the child runs here
}

// Found by the environment sweep (2026-12-07): a TMPDIR, XDG_CACHE_HOME or RIGCTL_RUNTIME_DIR that is a
// file failed only when first used, as an I/O error (exit 1) in the middle of the command, naming a path
// under it but not the variable. Refused before any work now, by the variable's name.
TEST_CASE("cli: an environment directory that is a file, or a TMPDIR that does not exist, is refused with exit 2", "[cli][hostile]") {
  rigtest::TempDir t;
  rigtest::write_text(t / "a-file", "x");
  const std::string file = (t / "a-file").string();
  for (const char* name : {"TMPDIR", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "RIGCTL_RUNTIME_DIR"}) {
    auto r = run_isolated(t, {"validate", "debian-trixie"}, {{name, file}});
    INFO(name << ": " << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(std::string(name) + ": '" + file + "' is not a directory"));
  }
  auto missing = run_isolated(t, {"validate", "debian-trixie"}, {{"TMPDIR", (t / "nope").string()}});
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("TMPDIR: '" + (t / "nope").string() + "' does not exist"));
  // A cache directory rigctl may make itself is no error.
  auto fresh = run_isolated(t, {"validate", "debian-trixie"}, {{"XDG_CACHE_HOME", (t / "new-cache").string()}});
  CHECK(fresh.status == 0);
}

// Found by the environment sweep (2026-12-08): a malformed SOURCE_DATE_EPOCH was ignored (the image dated
// 2024, not as asked; one past LLONG_MAX was clamped), a RIGCTL_HOME that is no directory was passed
// over, so the shipped recipe was used instead of the user's, and a HOME that does not exist was made
// for the cache. Each is exit 2 naming the variable now.
TEST_CASE("cli: a malformed SOURCE_DATE_EPOCH, or a RIGCTL_HOME or HOME that is no directory, is refused with exit 2", "[cli][hostile]") {
  rigtest::TempDir t;
  rigtest::write_text(t / "a-file", "x");
  for (const char* v : {"abc", "-1", "1e9", "99999999999999999999"}) {
    auto r = run_isolated(t, {"validate", "debian-trixie"}, {{"SOURCE_DATE_EPOCH", v}});
    INFO(v << ": " << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("SOURCE_DATE_EPOCH: expected whole seconds since 1970"));
  }
  CHECK(run_isolated(t, {"validate", "debian-trixie"}, {{"SOURCE_DATE_EPOCH", "1700000000"}}).status == 0);
  for (auto [home, problem] : {std::pair{(t / "a-file").string(), "is not a directory"}, std::pair{(t / "missing").string(), "does not exist"}}) {
    auto r = run_isolated(t, {"validate", "debian-trixie"}, {{"RIGCTL_HOME", home}});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("RIGCTL_HOME: '" + home + "' " + problem));
  }
  // HOME=/nonexistent (Debian's "no home") with no XDG_CACHE_HOME: rigctl made that directory for its cache.
  auto no_home = run_isolated(t, {"validate", "debian-trixie"}, {{"XDG_CACHE_HOME", ""}, {"HOME", (t / "nonexistent").string()}});
  INFO(no_home.err);
  CHECK(no_home.status == 2);
  CHECK_THAT(no_home.err, Catch::Contains("HOME: '" + (t / "nonexistent").string() + "' does not exist, and rigctl's cache would be made under it"));
  CHECK_FALSE(std::filesystem::exists(t / "nonexistent"));
  CHECK(run_isolated(t, {"validate", "debian-trixie"}, {{"XDG_CACHE_HOME", ""}, {"HOME", t.path().string()}}).status == 0);
}

// Found by the environment sweep: in a working directory that was removed, `render --out ctx` failed
// with exit 1 when it made its staging directory; refused before any work now, saying why.
TEST_CASE("cli: an output in a removed working directory is refused with exit 2", "[cli][hostile]") {
  rigtest::TempDir t;
  rig::Command c;
  c.argv = {"sh", "-c", "mkdir gone && cd gone && rmdir ../gone && exec \"$0\" render debian-trixie --out ctx", rigtest::rigctl_binary()};
  c.env = {{"XDG_CACHE_HOME", (t / "cache").string()}, {"HOME", t.path().string()}};
  std::string script = "cd '" + t.path().string() + "' && " + c.argv[2];
  c.argv[2] = script;
  auto r = rig::make_process_runner()->run(c);
  REQUIRE(r.ok());
  INFO(r->err);
  CHECK(r->status == 2);
  CHECK_THAT(r->err, Catch::Contains("the working directory no longer exists"));
}

}  // namespace rigtest_cli_hostile_args
