// Every option of launch, smoke and ablate is checked against the recipe before any engine is
// contacted or anything is built: these run the real binary with DOCKER_HOST at a socket that does
// not exist, so any engine contact would exit 3. A bad value exits 2 naming the option, the value
// and the valid choices; the same command with good values does reach the engine (exit 3).
#include "support/catch.hpp"

#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_cli_options {

namespace {

struct NoEngine {
  rigtest::TempDir dir{"rigctl-options"};
  rigtest::EnvGuard docker_host{"DOCKER_HOST"};
  std::string recipe = (rigtest::source_root() / "recipes/debian-trixie.json").string();
  NoEngine() { docker_host.set("unix://" + (dir / "no-engine.sock").string()); }

  rig::Completed run(const std::string& command, std::vector<std::string> args) {
    args.insert(args.begin(), {command, recipe});
    return rigtest::run_rigctl(std::move(args));
  }
};

void usage_error_naming(const rig::Completed& r, const std::vector<std::string>& parts) {
  INFO(r.err);
  CHECK(r.status == 2);
  for (auto& p : parts) CHECK_THAT(r.err, Catch::Contains(p));
  CHECK(r.err.find("engine socket") == std::string::npos);
}

}  // namespace

TEST_CASE("cli options: good values reach the engine (exit 3 here), so the checks below prove the order", "[cli][options]") {
  NoEngine e;
  for (auto& [cmd, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"smoke", {"--without", "tun", "--inner-storage", "fuse-overlayfs", "--inner-network", "pasta", "--port-base", "10100",
                      "--name", "rig-options-test", "--apparmor", "unconfined"}},
           {"launch", {"--without", "seccomp", "--port-base", "10100", "--name", "rig-options-test"}},
           {"ablate", {"--only", "tun", "--only", "init"}},
       }) {
    auto r = e.run(cmd, args);
    INFO(cmd << ": " << r.err);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("engine socket"));
  }
}

TEST_CASE("cli options: smoke refuses each bad value before contacting the engine", "[cli][options]") {
  NoEngine e;
  usage_error_naming(e.run("smoke", {"--without", "bogus"}),
                     {"--without: 'bogus' is not a flag", "expected one of tun, seccomp, apparmor, systempaths, fuse"});
  usage_error_naming(e.run("smoke", {"--inner-storage", "bogus"}),
                     {"--inner-storage: 'bogus' is not an inner storage", "expected one of overlay, fuse-overlayfs"});
  usage_error_naming(e.run("smoke", {"--inner-network", "bogus"}),
                     {"--inner-network: 'bogus' is not an inner network", "expected one of pasta, slirp4netns"});
  usage_error_naming(e.run("smoke", {"--apparmor", "bogus"}), {"--apparmor", "bogus", "unconfined", "tailored"});
  usage_error_naming(e.run("smoke", {"--port-base", "0"}), {"--port-base: 0 is not a usable first port", "1 to 65526"});
  usage_error_naming(e.run("smoke", {"--port-base", "70000"}), {"--port-base: 70000 is not a usable first port"});
  usage_error_naming(e.run("smoke", {"--name", "web;id"}), {"--name: 'web;id' is not a name an engine accepts"});
  usage_error_naming(e.run("smoke", {"--json-file", (e.dir / "missing/r.json").string()}),
                     {"--json-file: the directory", "does not exist"});
  usage_error_naming(e.run("smoke", {"--junit-file", e.dir.path().string()}), {"--junit-file: ", "is a directory"});
  // The older spelling names the same option.
  usage_error_naming(e.run("smoke", {"--junit", e.dir.path().string()}), {"--junit-file: ", "is a directory"});
  usage_error_naming(e.run("smoke", {"--engine", "bogus://x"}), {"--engine: engine 'bogus://x': expected unix:///"});
}

TEST_CASE("cli options: launch refuses each bad value before contacting the engine", "[cli][options]") {
  NoEngine e;
  usage_error_naming(e.run("launch", {"--without", "bogus"}), {"--without: 'bogus' is not a flag", "expected one of"});
  usage_error_naming(e.run("launch", {"--apparmor", "bogus"}), {"--apparmor", "bogus"});
  usage_error_naming(e.run("launch", {"--port-base", "0"}), {"--port-base: 0 is not a usable first port"});
  usage_error_naming(e.run("launch", {"--name", "has space"}), {"--name: 'has space' is not a name an engine accepts"});
}

TEST_CASE("cli options: ablate refuses an --only that names no item before contacting the engine", "[cli][options]") {
  NoEngine e;
  usage_error_naming(e.run("ablate", {"--only", "bogus"}),
                     {"--only: 'bogus' is neither a flag nor a hardening of recipe 'debian-trixie'", "expected one of tun, seccomp",
                      "init"});
  usage_error_naming(e.run("ablate", {"--markdown-file", (e.dir / "missing/r.md").string()}), {"--markdown-file: the directory"});
}

TEST_CASE("cli options: bench checks its report files before building or launching anything", "[cli][options]") {
  NoEngine e;
  usage_error_naming(e.run("bench", {"--json-file", (e.dir / "missing/b.json").string()}), {"--json-file: the directory"});
  usage_error_naming(e.run("bench", {"--markdown-file", e.dir.path().string()}), {"--markdown-file: ", "is a directory"});
}

TEST_CASE("cli options: --json is a flag on every command; a file goes with --json-file", "[cli][options]") {
  NoEngine e;
  // `--json FILE` (the old smoke/ablate/bench form) leaves FILE as a second positional: refused, exit 2.
  for (const char* cmd : {"smoke", "ablate", "bench"}) {
    auto r = e.run(cmd, {"--json", (e.dir / "r.json").string()});
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK_FALSE(std::filesystem::exists(e.dir / "r.json"));
  }
}

}  // namespace rigtest_cli_options
