// `rigctl bench` exit codes on the real binary, for the cases that launch nothing.
#include "support/catch.hpp"

#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace rigtest_bench_cmd_bench {

namespace {

rig::Completed rigctl(std::vector<std::string> args) { return rigtest::run_rigctl(std::move(args)); }

}  // namespace

TEST_CASE("cli bench: an unknown item exits 2 naming --items and the valid ids", "[bench][cli]") {
  auto r = rigctl({"bench", "--items", "storage,nope"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith("rigctl: error: --items: unknown item 'nope'; valid ids: inner-run-latency, podman-info,"));
}

TEST_CASE("cli bench: --runs 0 exits 2", "[bench][cli]") { CHECK(rigctl({"bench", "--runs", "0"}).status == 2); }

TEST_CASE("cli bench: no engine exits 3", "[bench][cli]") {
  auto r = rigctl({"bench", (rigtest::source_root() / "recipes/debian-trixie.json").string(), "--items", "podman-info", "--engine",
                   "unix:///nonexistent/rigctl-bench.sock"});
  INFO(r.err);
  CHECK(r.status == 3);
  CHECK(r.out.empty());
}

}  // namespace rigtest_bench_cmd_bench
