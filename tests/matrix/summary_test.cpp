#include "support/catch.hpp"

#include <tuple>

#include <functional>

#include "matrix/summary.hpp"
#include "support/test_util.hpp"

namespace rigtest_matrix_summary {

namespace {

rig::CellResult result(const std::string& recipe, const std::string& arch, std::vector<rig::StageResult> stages) {
  rig::CellResult r;
  r.cell.at = {{"host", "local"}, {"recipe", recipe}, {"arch", arch}, {"engine", "docker"}, {"network", "pasta"}, {"storage", "overlay"}};
  for (auto& s : stages) r.cell.run.push_back(s.stage);
  r.stages = std::move(stages);
  r.seconds = 12.5;
  rig::settle_status(r);
  return r;
}

rig::json smoke_detail(const std::string& failing = "") {
  rig::json checks = rig::json::object();
  int passed = 0;
  for (auto* id : {"outer-up", "podman-info", "inner-run", "host-reach"}) {
    checks[id] = id == failing ? "fail" : "pass";
    passed += id != failing;
  }
  return {{"checks", checks},
          {"order", {"outer-up", "podman-info", "inner-run", "host-reach"}},
          {"passed", passed},
          {"total", 4}};
}

rig::json sample() {
  rig::HostInfo h;
  h.label = "ci-host";
  h.kernel = "6.18.0";
  h.arch = "amd64";
  h.cpus = 2;
  h.userns_restricted = "absent";
  h.engines["docker"] = {"unix:///var/run/docker.sock", true, "", "docker", "20.10.24", "1.41", "amd64", false};
  std::vector<rig::CellResult> cells;
  auto bench = rig::json::parse(R"({"items": [
      {"id": "storage", "status": "measured", "value": 0.6, "unit": "s", "baseline": 1.3, "baseline_label": "fuse-overlayfs", "ratio": 0.46},
      {"id": "smoke-vs-shell", "status": "not-applicable", "reason": "ports busy", "value": null, "baseline": null, "ratio": null}]})");
  cells.push_back(result("debian-trixie", "amd64", {{"smoke", "pass", "", 4.5, smoke_detail()}, {"bench", "pass", "", 30, bench}}));
  cells.push_back(result("debian-bookworm", "amd64", {{"smoke", "fail", "first failure: host-reach", 3.0, smoke_detail("host-reach")}}));
  cells.push_back(result("debian-trixie", "arm64",
                         {{"image", "pass", "", 2.0, rig::json::object()},
                          {"smoke", "not-applicable", "the nested chain cannot run under user-mode emulation", 0, rig::json::object()}}));
  auto excluded = result("ubuntu-noble", "arm64", {});
  excluded.status = "excluded";
  excluded.reason = "not on CI | costly";
  cells.push_back(excluded);
  auto unselected = result("ubuntu-noble", "amd64", {});
  unselected.status = "not-selected";
  cells.push_back(unselected);
  return rig::summary_json("ci", {h}, cells, 30.0);
}

}  // namespace

TEST_CASE("summary: cell status settles from stages", "[grid][summary]") {
  auto s = sample();
  CHECK(s["cells"][0]["status"] == "pass");
  CHECK(s["cells"][1]["status"] == "fail");
  CHECK(s["cells"][1]["reason"] == "smoke: first failure: host-reach");
  CHECK(s["cells"][2]["status"] == "pass");  // image passed; the chain is not applicable there
  auto na = result("x", "arm64", {{"smoke", "not-applicable", "why", 0, rig::json::object()}});
  CHECK(na.status == "not-applicable");
  CHECK(na.reason == "why");
  CHECK(s["totals"] == rig::json::parse(R"({"pass":2,"fail":1,"not-applicable":0,"excluded":1,"not-selected":1})"));
  CHECK_FALSE(rig::summary_passed(s));
}

TEST_CASE("summary: Markdown and JUnit match their golden files", "[grid][summary]") {
  auto s = sample();
  rigtest::check_golden("matrix-summary.md", rig::summary_markdown(s));
  rigtest::check_golden("matrix-junit.xml", rig::summary_junit(s));
}

TEST_CASE("report merge: two hosts' results become one report", "[grid][summary][merge]") {
  auto dir = rigtest::test_data_dir() / "fixtures" / "reports";
  auto a = rig::read_summary(dir / "ubuntu-24.04");
  auto b = rig::read_summary(dir / "ubuntu-24.04-arm");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto m = rig::merge_summaries({{"a", *a}, {"b", *b}});
  REQUIRE(m.ok());
  CHECK((*m)["hosts"].size() == 2);
  CHECK((*m)["cells"].size() == (*a)["cells"].size() + (*b)["cells"].size());
  CHECK((*m)["totals"]["fail"] == 1);
  CHECK((*m)["totals"]["pass"] == (*a)["totals"]["pass"].get<int>() + (*b)["totals"]["pass"].get<int>());
  rigtest::check_golden("matrix-merged.md", rig::summary_markdown(*m));
  // The same run twice is refused: a cell that ran in both could not be told apart.
  auto dup = rig::merge_summaries({{"a", *a}, {"again", *a}});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().category() == rig::Category::Usage);
  CHECK_THAT(dup.error().what(), Catch::StartsWith("cell '") && Catch::Contains("' ran in both 'a' and 'again'"));
}

TEST_CASE("report merge: one host's cells from separate runs merge; a cell's run replaces its mere listing", "[grid][summary][merge]") {
  auto dir = rigtest::test_data_dir() / "fixtures" / "reports";
  auto a = rig::read_summary(dir / "ubuntu-24.04");
  REQUIRE(a.ok());
  // Two runs of the same host, each selecting a different part of the file (--cells).
  rig::json first = *a, second = *a;
  size_t ran = 0;
  for (size_t i = 0; i < first["cells"].size(); ++i) {
    std::string st = first["cells"][i]["status"];
    if (st == "excluded" || st == "not-selected") continue;
    (ran++ % 2 ? first : second)["cells"][i]["status"] = "not-selected";
  }
  REQUIRE(ran >= 2);
  auto m = rig::merge_summaries({{"one", first}, {"two", second}});
  REQUIRE(m.ok());
  CHECK((*m)["hosts"].size() == 1);
  CHECK((*m)["cells"] == (*a)["cells"]);  // every cell as the run that ran it left it
  CHECK((*m)["totals"] == (*a)["totals"]);
}

TEST_CASE("report merge: a directory without a valid summary is a usage error naming it", "[grid][summary][merge]") {
  rigtest::TempDir t;
  auto r = rig::read_summary(t.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Usage);
  CHECK_THAT(r.error().what(), Catch::StartsWith("read report '" + t.path().string() + "': '" + (t.path() / "summary.json").string() + "' does not exist"));
  rigtest::write_text(t.path() / "summary.json", R"({"schema": "rigctl/smoke/v1"})");
  auto bad = rig::read_summary(t.path());
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().what(), Catch::EndsWith("summary.json: schema: expected \"rigctl/matrix-report/v1\""));
}

TEST_CASE("summary: a VM host's boot, engine and per-stage times, and the confine stage", "[grid][summary]") {
  rig::HostInfo vm;
  vm.label = "vm:ubuntu-noble";
  vm.kernel = "6.8.0-151-generic";
  vm.apparmor = true;
  vm.vm = {{"accel", "tcg"}, {"build", 0.4}, {"boot", 6.8}, {"engine_ready", 61.2}};
  auto confine = smoke_detail();
  confine["checks"]["apparmor-confined"] = "pass";
  confine["order"].push_back("apparmor-confined");
  confine["passed"] = 5;
  confine["total"] = 5;
  auto c = result("ubuntu-noble", "amd64", {{"smoke", "pass", "", 180.0, smoke_detail()}, {"confine", "pass", "", 150.0, confine}});
  c.host_label = "vm:ubuntu-noble";
  auto s = rig::summary_json("vm", {vm}, {c}, 400.0);
  CHECK(s["hosts"][0]["vm"]["engine_ready"] == 61.2);
  auto md = rig::summary_markdown(s);
  CHECK_THAT(md, Catch::Contains("## VM hosts: time per cell"));
  CHECK_THAT(md, Catch::Contains("| vm:ubuntu-noble | tcg | 0.4 s | 6.8 s | 61.2 s | ubuntu-noble/amd64/docker/pasta/overlay | "
                                 "smoke 180.0 s, confine 150.0 s | 12.5 s |"));
  CHECK_THAT(md, Catch::Contains("| ok 4/4 | ok | ok | ok | ok | ok 5/5 |"));
  auto junit = rig::summary_junit(s);
  CHECK_THAT(junit, Catch::Contains("name=\"confine.apparmor-confined\""));
  // Real hosts have no VM section.
  CHECK_THAT(rig::summary_markdown(sample()), !Catch::Contains("VM hosts"));
}

TEST_CASE("report merge: a summary of the wrong shape is a usage error naming the field, never an exception",
          "[grid][summary][merge]") {
  auto dir = rigtest::test_data_dir() / "fixtures" / "reports" / "ubuntu-24.04";
  auto good = rig::json::parse(rigtest::read_text(dir / "summary.json"));
  struct Case {
    std::function<void(rig::json&)> spoil;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](rig::json& j) { j["matrices"] = {1}; }, "summary.json: matrices[0]: expected string, got an integer"},
      {[](rig::json& j) { j["hosts"][0]["label"] = 7; }, "summary.json: hosts[0].label: expected string, got an integer"},
      {[](rig::json& j) { j["hosts"][0].erase("engines"); }, "summary.json: hosts[0].engines: missing required field"},
      {[](rig::json& j) { j["cells"][0]["stages"] = "x"; }, "summary.json: cells[0].stages: expected array, got a string"},
      {[](rig::json& j) { j["cells"][0]["seconds"] = "slow"; }, "summary.json: cells[0].seconds: expected number, got a string"},
      {[](rig::json& j) { j["seconds"] = nullptr; }, "summary.json: seconds: expected number, got null"},
  };
  for (auto& c : cases) {
    rigtest::TempDir t;
    auto j = good;
    c.spoil(j);
    rigtest::write_text(t.path() / "summary.json", j.dump());
    auto r = rig::read_summary(t.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().category() == rig::Category::Usage);
    CHECK_THAT(r.error().what(), Catch::EndsWith(c.message));
  }
  // Fields the renderers read inside a stage's detail (found by review: exit 70 before they were in the shape).
  auto spoil_stage = [&](const std::string& stage, const std::function<void(rig::json&)>& f) {
    auto j = good;
    for (auto& c : j["cells"])
      for (auto& st : c["stages"])
        if (st.value("stage", "") == stage && st["detail"].is_object()) {
          f(st["detail"]);
          return j;
        }
    FAIL("the fixture has no " + stage + " stage with a detail");
    return j;
  };
  for (auto& [stage, f, field] : std::vector<std::tuple<std::string, std::function<void(rig::json&)>, std::string>>{
           {"smoke", [](rig::json& d) { d["not_applicable"] = "two"; }, "detail.not_applicable: expected integer, got a string"},
           {"ablate", [](rig::json& d) { d["items"][0]["observed_check"] = 5; }, "observed_check: expected string, got an integer"},
           {"ablate", [](rig::json& d) { d["items"][0]["observed_error"] = true; }, "observed_error: expected string, got a boolean"}}) {
    rigtest::TempDir t;
    rigtest::write_text(t.path() / "summary.json", spoil_stage(stage, f).dump());
    auto r = rig::read_summary(t.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().category() == rig::Category::Usage);
    CHECK_THAT(r.error().what(), Catch::Contains(field));
  }
  // Out-of-range numbers and duplicate keys are refused by the strict reader before the shape check.
  rigtest::TempDir t;
  rigtest::write_text(t.path() / "summary.json", R"({"schema": "rigctl/matrix-report/v1", "seconds": 1e400})");
  CHECK(rig::read_summary(t.path()).error().category() == rig::Category::Usage);
}

// Found by fuzzing `report merge`: a summary without "totals" aborted summary_markdown. Totals are
// counted from the cells, so a file's own totals can neither crash nor contradict the report.
TEST_CASE("summary: totals are counted from the cells, not read from the file", "[grid][summary]") {
  auto s = sample();
  auto md = rig::summary_markdown(s);
  s.erase("totals");
  CHECK(rig::summary_markdown(s) == md);
  CHECK_FALSE(rig::summary_passed(s));
  s["totals"] = rig::json::parse(R"({"pass":5,"fail":0})");  // lies: a cell failed
  CHECK_FALSE(rig::summary_passed(s));
  CHECK_THAT(rig::summary_markdown(s), Catch::Contains("**2 passed, 1 failed, 0 not applicable, 1 excluded**"));
}

}  // namespace rigtest_matrix_summary
