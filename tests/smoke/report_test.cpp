#include "support/catch.hpp"

#include "core/text.hpp"
#include "smoke/report.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_report {

namespace {

rig::SmokeReport sample() {
  rig::SmokeReport r;
  r.recipe = "debian-trixie";
  r.rig = "rig-x";
  r.run_id = "r1";
  r.seconds = 4.5;
  r.host = {"6.18.0", "docker", "20.10.24", "1.41", "unix:///var/run/docker.sock", "5.4.2", "amd64", "podman", "5.4.2"};
  r.flags = {{"tun", "removed", "--without tun"}};
  rig::CheckResult a;
  a.number = 1;
  a.id = "outer-up";
  a.title = "outer container comes up";
  a.status = rig::CheckState::Pass;
  a.seconds = 0.5;
  rig::CheckResult b;
  b.number = 2;
  b.id = "inner-run";
  b.title = "inner web app runs";
  b.status = rig::CheckState::Fail;
  b.seconds = 0.25;
  b.output = "Failed to open() /dev/net/tun: No such file <or> \"directory\" & \x01";
  b.diagnosis = {{"tun-missing", "p", "no tun device", "add --device"}};
  rig::CheckResult c;
  c.number = 3;
  c.id = "host-reach";
  c.title = "host reaches the inner app";
  c.note = "needs inner-run";
  r.checks = {a, b, c};
  return r;
}

void golden(const std::string& name, const std::string& actual) { rigtest::check_golden(name, actual); }

}  // namespace

TEST_CASE("report: counts and verdict", "[smoke][report]") {
  auto r = sample();
  CHECK(r.count(rig::CheckState::Pass) == 1);
  CHECK(r.count(rig::CheckState::Fail) == 1);
  CHECK(r.count(rig::CheckState::NotRun) == 1);
  CHECK_FALSE(r.passed());
  CHECK(r.first_failure()->id == "inner-run");
}

TEST_CASE("report: table matches its golden file", "[smoke][report]") { golden("smoke-table.txt", rig::render_table(sample())); }

TEST_CASE("report: JUnit matches its golden file and escapes XML", "[smoke][report]") {
  auto x = rig::report_junit(sample());
  golden("smoke-junit.xml", x);
  CHECK_THAT(x, Catch::Contains("&lt;or&gt; &quot;directory&quot; &amp; ?"));
  CHECK_THAT(x, Catch::Contains("<skipped message=\"not run: needs inner-run\"/>"));
  CHECK_THAT(x, Catch::Contains("<failure message=\"no tun device\" type=\"inner-run\">"));
}

TEST_CASE("report: JSON carries every check, the flags and the host facts", "[smoke][report]") {
  auto j = rig::report_json(sample());
  CHECK(j["result"] == "fail");
  CHECK(j["passed"] == 1);
  CHECK(j["failed"] == 1);
  CHECK(j["not_run"] == 1);
  CHECK(j["total"] == 3);
  CHECK(j["checks"][1]["status"] == "fail");
  CHECK(j["checks"][1]["diagnosis"][0]["id"] == "tun-missing");
  CHECK(j["checks"][2]["status"] == "not-run");
  CHECK(j["flags"][0]["state"] == "removed");
  CHECK(j["host"]["podman_version"] == "5.4.2");
  CHECK(j["host"]["kernel"] == "6.18.0");
}

// Outputs carry whatever bytes a check printed or an engine sent: the writers never throw on them
// and always produce UTF-8.
TEST_CASE("report: JSON and JUnit take arbitrary bytes without throwing", "[smoke][report]") {
  auto r = sample();
  const std::string bad = "cut \xE2\x82 stray \xFF\xFE nul";
  r.checks[1].output = bad;
  r.checks[1].note = bad;
  r.checks[1].diagnosis[0].cause = bad;
  r.host.engine_version = bad;
  r.rig = bad;
  r.flags[0].reason = bad;
  std::string dumped;
  REQUIRE_NOTHROW(dumped = rig::report_json(r).dump(2));
  CHECK_THAT(dumped, Catch::Contains("cut \xEF\xBF\xBD\xEF\xBF\xBD stray \xEF\xBF\xBD\xEF\xBF\xBD nul"));
  auto x = rig::report_junit(r);
  CHECK(rig::valid_utf8(x) == x);
  CHECK_THAT(x, Catch::Contains("cut \xEF\xBF\xBD\xEF\xBF\xBD stray"));
  CHECK(rig::valid_utf8(rig::xml_escape(bad)) == rig::xml_escape(bad));
}

TEST_CASE("report: a rig that could not be removed is in the table and the JSON", "[smoke][report]") {
  auto r = sample();
  CHECK_FALSE(rig::report_json(r).contains("leftover"));
  r.leftover = "rig 'rig-x' could not be removed (gone): remove it with `rigctl gc --run r1` once the engine answers";
  CHECK_THAT(rig::render_table(r), Catch::EndsWith("warning: " + r.leftover + "\n"));
  CHECK(rig::report_json(r)["leftover"] == r.leftover);
}

}  // namespace rigtest_smoke_report
