#include "support/catch.hpp"

#include "bench/bench.hpp"
#include "support/test_util.hpp"

namespace rigtest_bench_bench_report {

namespace {

// One row of each kind: measured (with a published reference), not applicable, failed, and a
// measured row with sub-millisecond numbers.
rig::BenchReport sample() {
  rig::BenchReport r;
  r.recipe = "debian-trixie";
  r.seconds = 123.456;
  r.host = {"6.18.0", "docker", "20.10.24", "1.41", "unix:///var/run/docker.sock", "5.4.2", "amd64", "podman", "5.4.2"};
  rig::BenchItem a;
  a.id = "storage";
  a.title = "300-file inner build: native overlay vs fuse-overlayfs";
  a.status = "measured";
  a.value = 0.6;
  a.unit = "s";
  a.baseline = 1.3;
  a.baseline_label = "the same build on fuse-overlayfs";
  a.ratio = 0.6 / 1.3;
  a.reference = "spike: native 582 ms, fuse-overlayfs 1281 ms";
  a.samples = {0.5, 0.6, 0.7};
  rig::BenchItem b;
  b.id = "smoke-vs-shell";
  b.title = "rigctl smoke vs the plain-shell baseline";
  b.status = "not-applicable";
  b.unit = "s";
  b.reason = "host ports 10000-10009 (fixed in the baseline script) are busy";
  b.baseline_label = "ci/smoke-baseline.sh | docker CLI";
  rig::BenchItem c;
  c.id = "restart-init";
  c.title = "outer restart until ready: with --init vs without";
  c.status = "failed";
  c.unit = "s";
  c.reason = "without --init: restart-workspace fail | not ready within 90 s";
  c.samples = {1.25};
  rig::BenchItem d;  // sub-millisecond: must not print as 0.000
  d.id = "build-warm";
  d.title = "warm rigctl build (cache hit, in-process: no process start) vs the cold build";
  d.status = "measured";
  d.unit = "s";
  d.value = 0.00028;
  d.baseline = 54.8;
  d.baseline_label = "the cold rigctl build above";
  d.ratio = 0.00028 / 54.8;
  d.samples = {0.00047, 0.00009};
  r.items = {a, b, c, d};
  return r;
}

void golden(const std::string& name, const std::string& actual) { rigtest::check_golden(name, actual); }

}  // namespace

TEST_CASE("bench report: table matches its golden file", "[bench][report]") {
  auto t = rig::bench_table(sample());
  golden("bench-table.txt", t);
  CHECK(t.find("0.00028 s") != std::string::npos);
}

TEST_CASE("bench report: markdown matches its golden file and escapes cells", "[bench][report]") {
  auto md = rig::bench_markdown(sample());
  golden("bench-markdown.md", md);
  CHECK(md.find("not applicable: host ports") != std::string::npos);
  CHECK(md.find("restart-workspace fail \\| not ready") != std::string::npos);
}

TEST_CASE("bench report: JSON matches its golden file; unmeasured numbers are null", "[bench][report]") {
  auto j = rig::bench_json(sample());
  golden("bench.json", j.dump(2) + "\n");
  CHECK(j["schema"] == "rigctl/bench/v1");
  CHECK(j["items"][0]["ratio"].get<double>() == Approx(0.6 / 1.3));
  CHECK(j["items"][1]["value"].is_null());
  CHECK(j["items"][2]["ratio"].is_null());
  CHECK(j["failed"] == 1);
}

}  // namespace rigtest_bench_bench_report
