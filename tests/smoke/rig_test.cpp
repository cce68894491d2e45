#include "support/catch.hpp"

#include <algorithm>

#include "smoke/rig.hpp"
#include "support/fake_engine.hpp"

namespace rigtest_smoke_rig {

namespace {

rig::LaunchSpec spec() {
  rig::LaunchSpec s;
  s.image = "img";
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

namespace {

rig::LaunchSpec spec_of_run(const std::string& run) {
  auto s = spec();
  s.labels["io.rigctl.run"] = run;
  return s;
}

}  // namespace

// The create request went out, the answer was lost: the container may exist without an id. Its
// run label finds it; nothing else is touched.
TEST_CASE("rig: a create whose answer was lost is cleaned up by the run's label", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.errors.emplace("create-container", rig::unavailable("engine at 'x': POST /v1.41/containers/create?name=r: the connection broke"));
  e.containers = {"made-anyway"};
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Unavailable);
  CHECK(e.calls == std::vector<std::string>{"create-volume r-store", "create-volume r-workspace", "create-container r",
                                            "list-containers io.rigctl.run=run1", "remove-container made-anyway",
                                            "remove-volume r-store", "remove-volume r-workspace"});
}

TEST_CASE("rig: a name taken by another container is a usage error and nothing of it is removed", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.errors.emplace("create-container",
                   rig::unavailable("create container r: engine answered POST /v1.41/containers/create?name=r with 409: Conflict"));
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Usage);
  CHECK_THAT(rig.error().what(), Catch::Contains("a container named 'r' already exists"));
  for (auto& c : e.calls) {
    CHECK(c.rfind("list-containers", 0) != 0);
    CHECK(c.rfind("remove-container", 0) != 0);
  }
}

TEST_CASE("rig: a volume whose create failed is still removed", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.errors.emplace("create-volume", rig::unavailable("engine at 'x': POST /v1.41/volumes/create: timed out"));
  e.errors_after["create-volume"] = 1;
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(e.calls == std::vector<std::string>{"create-volume r-store", "create-volume r-workspace", "remove-volume r-store",
                                            "remove-volume r-workspace"});
}

// Found by the review of two launches with one --name (2026-12-07): Docker answers a create of an
// existing volume with that volume, so the rig took another's volume for its own, mounted it, and its
// unwinding removed it (the winner's rig then ran on unlabelled volumes gc never finds; a user's
// volume of that name would have lost its data). Another's volume is now a usage error, never removed.
TEST_CASE("rig: a volume name that is another's is a usage error, and that volume is not removed", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.errors.emplace("create-volume", rig::usage_error("a volume named 'r-workspace' already exists (not made by rigctl)"));
  e.errors_after["create-volume"] = 1;
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Usage);
  CHECK(e.calls == std::vector<std::string>{"create-volume r-store", "create-volume r-workspace", "remove-volume r-store"});
}

// When the engine is gone, the error says what remains and how to remove it.
TEST_CASE("rig: a launch error whose cleanup fails too names the leftovers and `rigctl gc --run`", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.errors.emplace("start", rig::unavailable("engine at 'x': POST /v1.41/containers/id-r/start: the engine closed the connection"));
  e.errors.emplace("remove-container", rig::unavailable("engine socket 'x' does not exist"));
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Unavailable);
  CHECK_THAT(rig.error().what(), Catch::StartsWith("launch rig 'r': engine at 'x': POST /v1.41/containers/id-r/start"));
  CHECK_THAT(rig.error().hint(), Catch::Contains("rig 'r' could not be removed (engine socket 'x' does not exist)"));
  CHECK_THAT(rig.error().hint(), Catch::Contains("`rigctl gc --run run1`"));
}

TEST_CASE("rig: remove() reports the first failure and runs once", "[smoke][rig]") {
  rigtest::FakeEngine e;
  auto rig = rig::Rig::launch(e, spec_of_run("run1"), "r");
  REQUIRE(rig.ok());
  e.errors.emplace("remove-volume", rig::unavailable("gone"));
  auto st = rig.value()->remove();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().what() == "gone");
  auto calls = e.calls.size();
  CHECK(rig.value()->remove().ok());
  rig.value().reset();
  CHECK(e.calls.size() == calls);  // neither the second remove() nor the destructor tries again
}

namespace {

// list_* honour the label filter over labelled objects, as the engine does.
class LabelEngine : public rigtest::FakeEngine {
 public:
  std::map<std::string, std::string> container_run, volume_run;  // name -> io.rigctl.run
  static std::vector<std::string> pick(const std::map<std::string, std::string>& m, const std::string& filter) {
    std::vector<std::string> out;
    for (auto& [n, run] : m)
      if (filter == "io.rigctl.managed=true" || filter == "io.rigctl.run=" + run) out.push_back(n);
    return out;
  }
  rig::Result<std::vector<std::string>> list_containers(const std::string& f) override {
    calls.push_back("list-containers " + f);
    return pick(container_run, f);
  }
  rig::Result<std::vector<std::string>> list_volumes(const std::string& f) override {
    calls.push_back("list-volumes " + f);
    return pick(volume_run, f);
  }
};

}  // namespace

TEST_CASE("gc: what a live run labelled is kept, the rest removed", "[smoke][rig]") {
  LabelEngine e;
  e.container_run = {{"c-live", "live1"}, {"c-dead", "dead1"}, {"c-old", "noregistration"}};
  e.volume_run = {{"v-live", "live1"}, {"v-dead", "dead1"}};
  int snapshots = 0;
  auto r = rig::collect_garbage(e, "", [&] {
    ++snapshots;
    // Read after the listing: a run registers before it labels anything.
    CHECK(e.calls.size() == 2);
    return std::set<std::string>{"live1", "idle-live"};
  });
  REQUIRE(r.ok());
  CHECK(snapshots == 1);
  CHECK(r->containers == std::vector<std::string>{"c-dead", "c-old"});
  CHECK(r->volumes == std::vector<std::string>{"v-dead"});
  CHECK(r->live_runs == std::vector<std::string>{"live1"});
  for (auto& c : e.calls) CHECK(c.find("remove-container c-live") == std::string::npos);
  for (auto& c : e.calls) CHECK(c.find("remove-volume v-live") == std::string::npos);
}

TEST_CASE("rig: a spec asking for cgroup delegation gets it as root after the start and after every restart", "[smoke][rig]") {
  rigtest::FakeEngine e;
  e.exec_rules = {{"libpod_parent", {0, "delegated /sys/fs/cgroup/libpod_parent to gid 1000: +cpu +memory +pids\n", 0.01}}};
  auto s = spec();
  s.delegate_cgroup = true;
  auto rig = rig::Rig::launch(e, s, "r");
  REQUIRE(rig.ok());
  auto& control = rig.value()->control();
  REQUIRE(control.restart(1, 1000).ok());
  std::vector<std::string> seq;
  for (auto& c : e.calls)
    if (c.rfind("start", 0) == 0 || c.rfind("restart", 0) == 0) seq.push_back(c.substr(0, c.find(' ')));
    else if (c.rfind("exec id-r -u 0:1000 ", 0) == 0 && c.find("libpod_parent") != std::string::npos) seq.push_back("delegate");
  CHECK(seq == std::vector<std::string>{"start", "delegate", "restart", "delegate"});
  auto st = control.state();
  REQUIRE(st.ok());
  REQUIRE(st->has_value());
  CHECK((*st)->cgroup_delegation == "delegated /sys/fs/cgroup/libpod_parent to gid 1000: +cpu +memory +pids");

  // A failed delegation (a read-only mount) does not stop the rig; its state says why.
  rigtest::FakeEngine ro;
  ro.exec_rules = {{"libpod_parent", {1, "mkdir: cannot create directory '/sys/fs/cgroup/libpod_parent': Read-only file system\n", 0.01}}};
  auto r2 = rig::Rig::launch(ro, s, "r");
  REQUIRE(r2.ok());
  auto st2 = r2.value()->control().state();
  CHECK_THAT((*st2)->cgroup_delegation, Catch::Contains("not delegated (exit 1): mkdir") && Catch::Contains("Read-only file system"));

  // Without the spec asking, nothing runs as root.
  rigtest::FakeEngine plain;
  auto r3 = rig::Rig::launch(plain, spec(), "r");
  REQUIRE(r3.ok());
  for (auto& c : plain.calls) CHECK(c.find("-u 0:1000") == std::string::npos);
}

}  // namespace rigtest_smoke_rig
