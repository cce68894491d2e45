// Recording fakes of the borders a rig's life crosses (smoke/borders.hpp), for unit tests of the
// orchestrators (session, smoke, ablation, matrix cell, bench) without an engine or a build:
//   FakeConnector   hands out connections to one shared FakeEngine (or fails every connect, as an
//                   absent engine does) and records the endpoints asked for;
//   FakeImageSource hands out made-up references without building, records each recipe asked for.
// Both are safe to call from the ablation's and matrix's worker threads.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "smoke/borders.hpp"
#include "support/fake_engine.hpp"
#include "support/fake_runner.hpp"

namespace rigtest {

// An Engine that forwards every call to one FakeEngine under a lock: connections are owned by
// their sessions, while the test keeps looking at the one fake they all drove.
class SharedEngine final : public rig::Engine {
  template <class F>
  auto locked(F f) -> decltype(f()) {
    std::lock_guard lock(mu_);
    return f();
  }

 public:
  SharedEngine(FakeEngine& e, std::mutex& mu) : e_(e), mu_(mu) {}
  rig::Result<rig::EngineVersion> version() override { return locked([&] { return e_.version(); }); }
  rig::Result<std::string> load_image(const std::function<rig::Status(int)>& w) override {
    return locked([&] { return e_.load_image(w); });
  }
  rig::Status pull_image(const std::string& r, bool v) override {
    return locked([&] { return e_.pull_image(r, v); });
  }
  rig::Result<std::optional<rig::ImageInfo>> inspect_image(const std::string& r) override {
    return locked([&] { return e_.inspect_image(r); });
  }
  rig::Status create_volume(const std::string& n, const std::map<std::string, std::string>& l) override {
    return locked([&] { return e_.create_volume(n, l); });
  }
  rig::Status remove_volume(const std::string& n) override { return locked([&] { return e_.remove_volume(n); }); }
  rig::Result<std::vector<std::string>> list_volumes(const std::string& f) override {
    return locked([&] { return e_.list_volumes(f); });
  }
  rig::Result<std::string> create_container(const std::string& n, const rig::json& b) override {
    return locked([&] { return e_.create_container(n, b); });
  }
  rig::Status start_container(const std::string& id) override { return locked([&] { return e_.start_container(id); }); }
  rig::Status restart_container(const std::string& id, int t, long ms) override {
    return locked([&] { return e_.restart_container(id, t, ms); });
  }
  rig::Status stop_container(const std::string& id, int t) override { return locked([&] { return e_.stop_container(id, t); }); }
  rig::Status remove_container(const std::string& id) override { return locked([&] { return e_.remove_container(id); }); }
  rig::Result<std::optional<rig::ContainerInfo>> inspect_container(const std::string& id) override {
    return locked([&] { return e_.inspect_container(id); });
  }
  rig::Result<std::vector<std::string>> list_containers(const std::string& f) override {
    return locked([&] { return e_.list_containers(f); });
  }
  rig::Result<rig::json> list_container_summaries(const std::string& f) override {
    return locked([&] { return e_.list_container_summaries(f); });
  }
  rig::Status put_archive(const std::string& id, const std::string& d, const std::string& t) override {
    return locked([&] { return e_.put_archive(id, d, t); });
  }
  rig::Result<rig::ExecResult> exec(const std::string& id, const rig::ExecRequest& r) override {
    return locked([&] { return e_.exec(id, r); });
  }

 private:
  FakeEngine& e_;
  std::mutex& mu_;
};

class FakeConnector final : public rig::EngineConnector {
 public:
  FakeEngine engine;
  std::optional<rig::Error> error;  // every connect fails with it (no engine there)
  std::vector<std::string> endpoints;  // what each connect asked for

  rig::Result<rig::EngineConnection> connect(const std::string& flag_value) override {
    std::lock_guard lock(mu_);
    endpoints.push_back(flag_value);
    if (error) return *error;
    auto v = engine.version();
    rig::EngineConnection c;
    c.engine = std::make_unique<SharedEngine>(engine, mu_);
    c.endpoint.display = flag_value.empty() ? "unix:///fake/docker.sock" : flag_value;
    c.version = v.value();
    return c;
  }
  // The engine's calls so far, under the lock the sessions' calls take.
  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return engine.calls;
  }

 private:
  std::mutex mu_;
};

class FakeImageSource final : public rig::ImageSource {
 public:
  std::optional<rig::Error> error;   // every provision fails with it (a build that broke)
  std::vector<std::string> asked;    // "<recipe name> <arch>" per provision
  std::string seccomp_profile = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]})";

  rig::Result<rig::Provisioned> provision(rig::OuterImageStore&, const rig::Recipe& outer, const rig::ProvisionRequest& req,
                                          const rig::BuildEvents&) override {
    std::lock_guard lock(mu_);
    asked.push_back(outer.name + " " + req.arch);
    if (error) return *error;
    rig::Provisioned p;
    p.arch = req.arch.empty() ? "amd64" : req.arch;
    p.outer_ref = "rigctl/" + outer.name + ":" + p.arch;
    p.outer_manifest_digest = "sha256:fake-" + outer.name + "-" + p.arch;
    // What a built image carries for the seccomp flag's tailored profile (security/seccomp.hpp).
    p.seccomp_profile = seccomp_profile;
    p.seccomp_profile_path = "/fake/images/" + outer.name + "/seccomp.json";
    if (!req.web_recipe.empty()) {
      p.web_ref = "localhost/rigctl/inner-web:" + p.arch;
      p.base_ref = "localhost/rigctl/inner-base:" + p.arch;
    }
    return p;
  }

 private:
  std::mutex mu_;
};

// The three together, as the composition root would hand them out.
struct FakeBorders {
  FakeConnector engines;
  FakeImageSource images;
  FakeRunner runner;
  rig::Borders borders() { return rig::Borders{engines, images, runner}; }
};

}  // namespace rigtest
