#include <catch2/catch.hpp>

#include <algorithm>

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

namespace {

// Forwards to a recording FakeEngine; subclasses change single calls.
class ProxyEngine : public rig::Engine {
 public:
  rigtest::FakeEngine inner;
  std::vector<std::string>& calls = inner.calls;
  rig::Result<rig::EngineVersion> version() override { return inner.version(); }
  rig::Result<std::string> load_image(const std::function<rig::Status(int)>& p) override { return inner.load_image(p); }
  rig::Result<rig::json> inspect_image(const std::string& r) override { return inner.inspect_image(r); }
  rig::Status create_volume(const std::string& n, const std::map<std::string, std::string>& l) override { return inner.create_volume(n, l); }
  rig::Status remove_volume(const std::string& n) override { return inner.remove_volume(n); }
  rig::Result<std::vector<std::string>> list_volumes(const std::string& f) override { return inner.list_volumes(f); }
  rig::Result<std::string> create_container(const std::string& n, const rig::json& b) override { return inner.create_container(n, b); }
  rig::Status start_container(const std::string& id) override { return inner.start_container(id); }
  rig::Status restart_container(const std::string& id, int t, long w) override { return inner.restart_container(id, t, w); }
  rig::Status stop_container(const std::string& id, int t) override { return inner.stop_container(id, t); }
  rig::Status remove_container(const std::string& id) override { return inner.remove_container(id); }
  rig::Result<rig::json> inspect_container(const std::string& id) override { return inner.inspect_container(id); }
  rig::Result<std::vector<std::string>> list_containers(const std::string& f) override { return inner.list_containers(f); }
  rig::Status put_archive(const std::string& id, const std::string& d, const std::string& t) override { return inner.put_archive(id, d, t); }
  rig::Result<rig::ExecResult> exec(const std::string& id, const rig::ExecRequest& r) override { return inner.exec(id, r); }
};

// An engine whose container create fails the way an interrupted request does: the container may
// exist (the engine got the request), but its id never came back.
class CutShortEngine : public ProxyEngine {
 public:
  std::string fail_with = "interrupted";
  rig::Result<std::string> create_container(const std::string& name, const rig::json& body) override {
    calls.push_back("create-container " + name);
    (void)body;
    if (fail_with == "interrupted") return rig::interrupted_error();
    return rig::internal_error(fail_with);
  }
};

// list_* honour the label filter over labelled objects, as the engine does.
class LabelEngine : public ProxyEngine {
 public:
  std::map<std::string, std::string> container_run, volume_run;  // name -> io.rigctl.run
  std::vector<std::string> pick(const std::map<std::string, std::string>& m, const std::string& filter) {
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

TEST_CASE("rig: a create cut short removes the container by the name rigctl gave it", "[smoke][rig]") {
  CutShortEngine e;
  auto rig = rig::Rig::launch(e, spec(), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Interrupted);
  CHECK(e.calls == std::vector<std::string>{"create-volume r-store", "create-volume r-workspace", "create-container r",
                                            "remove-container r", "remove-volume r-store", "remove-volume r-workspace"});
}

TEST_CASE("rig: a name already taken by another container is not removed", "[smoke][rig]") {
  CutShortEngine e;
  e.fail_with = "create container: HTTP 409: Conflict. The container name \"/r\" is already in use";
  auto rig = rig::Rig::launch(e, spec(), "r");
  REQUIRE_FALSE(rig.ok());
  CHECK(rig.error().category() == rig::Category::Usage);
  for (auto& c : e.calls) CHECK(c != "remove-container r");
  // Its own volumes, made before, still go.
  CHECK(std::count(e.calls.begin(), e.calls.end(), "remove-volume r-store") == 1);
}

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
  for (auto& c : e.calls) CHECK(c.find("c-live") == std::string::npos);
}
