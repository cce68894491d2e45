// run_matrix on recording fakes (support/fake_borders.hpp): the --cells filter is checked before any
// engine is asked, excluded and unselected cells keep their status, a VM host that cannot be had
// makes its cells not applicable without booting anything, and the result directory is complete.
#include "matrix/matrix_run.hpp"
#include "matrix/summary.hpp"

#include <algorithm>

#include "support/catch.hpp"
#include "support/fake_borders.hpp"
#include "support/test_util.hpp"

namespace rigtest_matrix_matrix_run {

namespace {

// One recipe on amd64 and docker, two inner networks (slirp4netns excluded), on this machine and on a
// VM host that has no host recipe. Only the image stage runs, so nothing needs a working chain.
struct MatrixFixture {
  rigtest::TempDir dir;
  rig::MatrixOptions o;
  MatrixFixture() {
    rigtest::write_text(dir / "m.json", R"({
      "schema": "rigctl/matrix/v1", "name": "unit",
      "axes": {"host": ["local", "vm:nohost"], "recipe": ["debian-trixie"], "arch": ["amd64"],
               "engine": ["docker"], "network": ["pasta", "slirp4netns"], "storage": ["overlay"]},
      "engines": {"docker": "unix:///fake/docker.sock"},
      "run": ["image"],
      "rules": [{"match": {"network": "slirp4netns"}, "exclude": "one network is enough here"}]
    })");
    o.matrix = dir / "m.json";
    o.out = dir / "out";
    o.host_label = "unit-host";
    o.port_base = 41400;
    o.resolve_recipe = [](const std::string& n) { return rigtest::source_root() / "recipes" / (n + ".json"); };
    o.resolve_host = [](const std::string&) { return std::filesystem::path(); };
  }
};

const rig::json* cell_with(const rig::json& summary, const std::string& host, const std::string& network) {
  for (auto& c : summary["cells"])
    if (c.value("host", "") == host && c["axes"].value("network", "") == network) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("matrix run: a --cells filter that selects nothing is refused before any engine is asked", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  MatrixFixture m;
  m.o.cells = "nowhere/*";
  CHECK(rigtest::error_of(rig::run_matrix(m.o, f.borders())).category() == rig::Category::Usage);
  CHECK(f.engines.endpoints.empty());
  CHECK(f.images.asked.empty());
  CHECK_FALSE(std::filesystem::exists(m.o.out));
}

TEST_CASE("matrix run: an ablate.only id that no recipe has is refused before any engine is asked", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  MatrixFixture m;
  rigtest::write_text(m.dir / "m2.json", R"({
      "schema": "rigctl/matrix/v1", "name": "unit",
      "axes": {"host": ["local"], "recipe": ["debian-trixie"], "arch": ["amd64"],
               "engine": ["docker"], "network": ["pasta"], "storage": ["overlay"]},
      "run": ["ablate"], "ablate": {"only": ["tun", "tnu"]}
    })");
  m.o.matrix = m.dir / "m2.json";
  auto e = rigtest::error_of(rig::run_matrix(m.o, f.borders()));
  CHECK(e.category() == rig::Category::Usage);
  CHECK_THAT(e.what(), Catch::Contains("ablate.only: 'tnu' is an ablation item of none of the matrix's recipes"));
  CHECK_THAT(e.what(), Catch::Contains("m2.json"));
  CHECK(f.engines.endpoints.empty());
  CHECK_FALSE(std::filesystem::exists(m.o.out));
}

TEST_CASE("matrix run: statuses per cell, a VM host without a recipe never boots, the result directory is complete", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  MatrixFixture m;
  auto s = rig::run_matrix(m.o, f.borders());
  REQUIRE(s.ok());
  auto& summary = s.value();
  INFO(summary.dump(2));
  for (const char* file : {"summary.json", "summary.md", "junit.xml"}) CHECK(std::filesystem::exists(m.o.out / file));

  auto* local = cell_with(summary, "unit-host", "pasta");
  REQUIRE(local);
  // The image stage ran against the fake engine, built for the cell's arch.
  CHECK(std::count(f.images.asked.begin(), f.images.asked.end(), "debian-trixie amd64") >= 1);
  CHECK(local->value("status", "") != "not-applicable");

  auto* excluded = cell_with(summary, "unit-host", "slirp4netns");
  REQUIRE(excluded);
  CHECK(excluded->value("status", "") == "excluded");
  CHECK(excluded->value("reason", "") == "one network is enough here");

  auto* vm = cell_with(summary, "vm:nohost", "pasta");
  REQUIRE(vm);
  CHECK(vm->value("status", "") == "not-applicable");
  CHECK_THAT(summary.dump(), Catch::Contains("no host recipe recipes/hosts/nohost.json"));
  // Nothing was booted: no qemu (or anything else) was run.
  CHECK(f.runner.commands().empty());
}

TEST_CASE("matrix run: an absent engine makes its cells not applicable with the reason (never passed); the report is still written", "[orchestrators][matrix]") {
  rigtest::FakeBorders f;
  f.engines.error = rig::unavailable("cannot connect to the engine");
  MatrixFixture m;
  m.o.cells = "local/*";
  auto s = rig::run_matrix(m.o, f.borders());
  REQUIRE(s.ok());
  auto& summary = s.value();
  INFO(summary.dump(2));
  auto* local = cell_with(summary, "unit-host", "pasta");
  REQUIRE(local);
  CHECK(local->value("status", "") == "not-applicable");
  CHECK_THAT(local->value("reason", ""), Catch::Contains("engine docker unavailable: cannot connect to the engine"));
  CHECK(f.images.asked.empty());
  auto* vm = cell_with(summary, "vm:nohost", "pasta");
  REQUIRE(vm);
  CHECK(vm->value("status", "") == "not-selected");
  CHECK(std::filesystem::exists(m.o.out / "summary.json"));
  CHECK(summary["totals"].value("pass", 0) == 0);
}

}  // namespace rigtest_matrix_matrix_run
