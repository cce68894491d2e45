// The rig-runtime seam: the check chain talks only to a RigControl, and the Docker API body is one
// renderer of a runtime-neutral LaunchSpec. A second runtime (Incus, LXC) implements RigControl and
// renders the same spec; these tests pin both halves without an engine.
#include "support/catch.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "smoke/checks.hpp"
#include "smoke/launch_spec.hpp"
#include "smoke/rig_control.hpp"

namespace rigtest_smoke_rig_seam {

namespace {

// A rig that is not an engine container at all: it records every call and answers from a script.
struct ScriptedRig : rig::RigControl {
  std::vector<std::string> calls;
  bool exists = true;
  rig::Result<rig::ExecResult> exec(const rig::ExecRequest& req) override {
    calls.push_back("exec " + req.cmd.back());
    rig::ExecResult r;
    r.exit_code = 1;
    r.out = "scripted: not ready";
    return r;
  }
  rig::Status put_files(const std::string& dir, const std::string&) override {
    calls.push_back("put " + dir);
    return rig::ok();
  }
  rig::Status restart(int, long) override {
    calls.push_back("restart");
    return rig::ok();
  }
  rig::Result<std::optional<rig::RigState>> state() override {
    calls.push_back("state");
    if (!exists) return std::optional<rig::RigState>();
    rig::RigState s;
    s.status = "exited";
    s.exit_code = 2;
    s.error = "entrypoint failed";
    return std::optional<rig::RigState>(s);
  }
};

}  // namespace

TEST_CASE("rig seam: the chain runs on any RigControl; a rig that exited fails outer-up and gates the rest", "[smoke][seam]") {
  ScriptedRig r;
  rig::ChainInputs in{r};
  in.timeout_scale = 0.01;
  rig::HostFacts facts;
  auto checks = rig::run_chain(in, facts);
  REQUIRE(checks.ok());
  REQUIRE_FALSE(checks->empty());
  CHECK(checks->front().id == "outer-up");
  CHECK(checks->front().status == rig::CheckState::Fail);
  CHECK_THAT(checks->front().output, Catch::Contains("exited (exit code 2) entrypoint failed"));
  for (size_t i = 1; i < checks->size(); ++i) CHECK((*checks)[i].status == rig::CheckState::NotRun);
  // Only the seam was used: asked for its state, nothing executed, copied or restarted.
  CHECK(std::all_of(r.calls.begin(), r.calls.end(), [](auto& c) { return c == "state"; }));
}

TEST_CASE("rig seam: the Docker renderer turns a hand-made spec into the create body, nothing added", "[smoke][seam]") {
  rig::LaunchSpec spec;
  spec.image = "example/rig:1";
  spec.labels = {{"io.rigctl.managed", "true"}};
  spec.env = {{"A", "1"}};
  spec.ports = {{"127.0.0.1", 12000, 10000}};
  spec.init = true;
  spec.restart_policy = "unless-stopped";
  spec.memory_bytes = 512 << 20;
  spec.pids_limit = 4096;
  spec.devices = {"/dev/net/tun"};
  spec.seccomp = rig::SeccompMode::Tailored;
  spec.seccomp_profile = "{}";
  spec.seccomp_profile_path = "/var/lib/rig/seccomp.json";
  spec.apparmor = "unconfined";
  spec.unmask_system_paths = true;
  spec.cap_drop = {"NET_RAW"};
  spec.bounding_set = 0x400c0;
  spec.volumes = {{"rig-store", "/store"}};

  auto body = rig::docker_create_body(spec);
  auto& hc = body["HostConfig"];
  CHECK(body["Image"] == "example/rig:1");
  CHECK(body["Env"] == rig::json::array({"A=1"}));
  CHECK(hc["Init"] == true);
  CHECK(hc["Privileged"] == false);
  CHECK(hc["CapAdd"].is_null());
  CHECK(hc["CapDrop"] == rig::json::array({"NET_RAW"}));
  CHECK(hc["Memory"] == 512 << 20);
  CHECK(hc["PidsLimit"] == 4096);
  CHECK_FALSE(hc.contains("NanoCpus"));
  CHECK(hc["PortBindings"]["10000/tcp"][0]["HostIp"] == "127.0.0.1");
  CHECK(hc["PortBindings"]["10000/tcp"][0]["HostPort"] == "12000");
  CHECK(hc["SecurityOpt"] == rig::json::array({"seccomp={}", "apparmor=unconfined"}));
  CHECK(hc["MaskedPaths"].empty());
  CHECK(hc["Mounts"][0]["Source"] == "rig-store");
  for (auto& opt : hc["SecurityOpt"]) CHECK(opt.get<std::string>().find("no-new-privileges") == std::string::npos);

  // podman's compatible service: the profile by path, and its own spelling of unmasked paths.
  spec.engine_kind = "podman";
  auto pod = rig::docker_create_body(spec);
  CHECK(pod["HostConfig"]["SecurityOpt"] ==
        rig::json::array({"seccomp=/var/lib/rig/seccomp.json", "apparmor=unconfined", "unmask=ALL"}));
}

}  // namespace rigtest_smoke_rig_seam
