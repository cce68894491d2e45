// A recording fake of rig::Engine (engine/engine.hpp) for unit tests of the logic above the seam:
// every call is recorded as "<verb> <argument>"; exec answers come from rules matched against the
// script text, first match wins; anything unmatched succeeds with empty output.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"

namespace rigtest {

class FakeEngine final : public rig::Engine {
 public:
  std::vector<std::string> calls;
  std::vector<std::pair<std::string, rig::ExecResult>> exec_rules;  // substring -> result
  std::vector<std::string> containers, volumes;
  rig::json created_body;
  bool running = true;

  rig::Result<rig::EngineVersion> version() override {
    calls.push_back("version");
    return rig::EngineVersion{"20.10.24", "1.41", "linux", "amd64", "6.18.0", false, false, 2, "1.12", "1.41"};
  }
  rig::Result<std::string> load_image(const std::function<rig::Status(int)>&) override {
    calls.push_back("load");
    return std::string("Loaded image");
  }
  rig::Result<rig::json> inspect_image(const std::string& ref) override {
    calls.push_back("inspect-image " + ref);
    return rig::json();
  }
  rig::Status create_volume(const std::string& name, const std::map<std::string, std::string>&) override {
    calls.push_back("create-volume " + name);
    volumes.push_back(name);
    return rig::ok();
  }
  rig::Status remove_volume(const std::string& name) override {
    calls.push_back("remove-volume " + name);
    return rig::ok();
  }
  rig::Result<std::vector<std::string>> list_volumes(const std::string& filter) override {
    calls.push_back("list-volumes " + filter);
    return volumes;
  }
  rig::Result<std::string> create_container(const std::string& name, const rig::json& body) override {
    calls.push_back("create-container " + name);
    created_body = body;
    containers.push_back("id-" + name);
    return "id-" + name;
  }
  rig::Status start_container(const std::string& id) override {
    calls.push_back("start " + id);
    return rig::ok();
  }
  rig::Status restart_container(const std::string& id, int, long) override {
    calls.push_back("restart " + id);
    return rig::ok();
  }
  rig::Status stop_container(const std::string& id, int) override {
    calls.push_back("stop " + id);
    return rig::ok();
  }
  rig::Status remove_container(const std::string& id) override {
    calls.push_back("remove-container " + id);
    return rig::ok();
  }
  rig::Result<rig::json> inspect_container(const std::string& id) override {
    calls.push_back("inspect-container " + id);
    return rig::json{{"State", {{"Running", running}, {"Status", running ? "running" : "exited"}, {"ExitCode", 0}}},
                     {"HostConfig", {{"Privileged", false}, {"CapAdd", nullptr}, {"SecurityOpt", rig::json::array()}}}};
  }
  rig::Result<std::vector<std::string>> list_containers(const std::string& filter) override {
    calls.push_back("list-containers " + filter);
    return containers;
  }
  rig::Status put_archive(const std::string& id, const std::string& dir, const std::string&) override {
    calls.push_back("put-archive " + id + " " + dir);
    return rig::ok();
  }
  rig::Result<rig::ExecResult> exec(const std::string& id, const rig::ExecRequest& req) override {
    std::string script = req.cmd.empty() ? "" : req.cmd.back();
    calls.push_back("exec " + id + (req.user.empty() ? "" : " -u " + req.user) + " " + script);
    for (auto& [match, result] : exec_rules)
      if (script.find(match) != std::string::npos) return result;
    return rig::ExecResult{0, "", 0.01};
  }
};

}  // namespace rigtest
