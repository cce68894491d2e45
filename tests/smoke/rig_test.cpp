#include <catch2/catch.hpp>

#include "smoke/rig.hpp"
#include "support/fake_engine.hpp"

namespace {

rig::LaunchSpec spec() {
  rig::LaunchSpec s;
  s.body = {{"Image", "img"}};
  s.volumes = {{"r-store", "/s"}, {"r-workspace", "/w"}};
  s.labels = {{"io.rigctl.managed", "true"}};
  return s;
}

}  // namespace

TEST_CASE("rig: volumes are created before the container, and removed with it", "[smoke][rig]") {
  rigtest::FakeEngine e;
  {
    auto rig = rig::Rig::launch(e, spec(), "r");
    REQUIRE(rig.ok());
    CHECK(rig.value()->id() == "id-r");
  }
  CHECK(e.calls == std::vector<std::string>{"create-volume r-store", "create-volume r-workspace", "create-container r",
                                            "start id-r", "remove-container id-r", "remove-volume r-store",
                                            "remove-volume r-workspace"});
}

TEST_CASE("rig: keep() leaves everything in place", "[smoke][rig]") {
  rigtest::FakeEngine e;
  {
    auto rig = rig::Rig::launch(e, spec(), "r");
    REQUIRE(rig.ok());
    rig.value()->keep();
  }
  for (auto& c : e.calls) CHECK(c.rfind("remove", 0) != 0);
}

TEST_CASE("gc: removes what the label filter finds, by run or all", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.containers = {"c1", "c2"};
  e.volumes = {"v1"};
  auto all = rig::collect_garbage(e);
  REQUIRE(all.ok());
  CHECK(all->containers == std::vector<std::string>{"c1", "c2"});
  CHECK(all->volumes == std::vector<std::string>{"v1"});
  CHECK(e.calls.front() == "list-containers io.rigctl.managed=true");
  rigtest::FakeEngine e2;
  REQUIRE(rig::collect_garbage(e2, "abc").ok());
  CHECK(e2.calls.front() == "list-containers io.rigctl.run=abc");
}
