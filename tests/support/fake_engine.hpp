// A recording fake of rig::Engine (engine/engine.hpp) for unit tests of the logic above the seam:
// every call is recorded as "<verb> <argument>"; exec answers come from rules matched against the
// script text, first match wins; anything unmatched succeeds with empty output. `errors` makes a
// verb fail (as an engine that broke would), `exec_errors` one exec.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"

namespace rigtest {

class FakeEngine : public rig::Engine {
 public:
  std::vector<std::string> calls;
  std::vector<std::pair<std::string, rig::ExecResult>> exec_rules;  // substring -> result
  rig::json summaries = rig::json::array();  // what list_container_summaries answers
  std::vector<std::pair<std::string, rig::Error>> exec_errors;      // substring -> error
  std::map<std::string, rig::Error> errors;                          // verb -> error of every such call
  std::map<std::string, int> errors_after;  // verb -> how many calls succeed before errors[verb] applies
  std::vector<std::string> containers, volumes;
  rig::json created_body;
  bool running = true;
  rig::ContainerInfo host_config = [] {  // what inspect-container reports besides the state
    rig::ContainerInfo c;
    c.devices = {"/dev/net/tun"};
    c.security_opt = {"seccomp={...}", "apparmor=unconfined"};
    return c;
  }();
  std::optional<rig::ImageInfo> image;  // what inspect-image finds

  rig::Result<rig::EngineVersion> version() override {
    calls.push_back("version");
    return rig::EngineVersion{"20.10.24", "1.41", "linux", "amd64", "6.18.0", false, false, 2, "1.12", "1.41", "1"};
  }
  rig::Result<std::string> load_image(const std::function<rig::Status(int)>&) override {
    calls.push_back("load");
    if (auto e = failure("load")) return *e;
    return std::string("Loaded image");
  }
  rig::Result<std::optional<rig::ImageInfo>> inspect_image(const std::string& ref) override {
    calls.push_back("inspect-image " + ref);
    if (auto e = failure("inspect-image")) return *e;
    return image;
  }
  rig::Status pull_image(const std::string& ref, bool tls_verify) override {
    calls.push_back("pull " + ref + (tls_verify ? "" : " insecure"));
    if (auto e = failure("pull")) return *e;
    return rig::ok();
  }
  rig::Status create_volume(const std::string& name, const std::map<std::string, std::string>&) override {
    calls.push_back("create-volume " + name);
    if (auto e = failure("create-volume")) return *e;
    volumes.push_back(name);
    return rig::ok();
  }
  rig::Status remove_volume(const std::string& name) override {
    calls.push_back("remove-volume " + name);
    if (auto e = failure("remove-volume")) return *e;
    return rig::ok();
  }
  rig::Result<std::vector<std::string>> list_volumes(const std::string& filter) override {
    calls.push_back("list-volumes " + filter);
    if (auto e = failure("list-volumes")) return *e;
    return volumes;
  }
  rig::Result<std::string> create_container(const std::string& name, const rig::json& body) override {
    calls.push_back("create-container " + name);
    created_body = body;
    if (auto e = failure("create-container")) return *e;
    containers.push_back("id-" + name);
    return "id-" + name;
  }
  rig::Status start_container(const std::string& id) override {
    calls.push_back("start " + id);
    if (auto e = failure("start")) return *e;
    return rig::ok();
  }
  rig::Status restart_container(const std::string& id, int, long) override {
    calls.push_back("restart " + id);
    if (auto e = failure("restart")) return *e;
    return rig::ok();
  }
  rig::Status stop_container(const std::string& id, int) override {
    calls.push_back("stop " + id);
    if (auto e = failure("stop")) return *e;
    return rig::ok();
  }
  rig::Status remove_container(const std::string& id) override {
    calls.push_back("remove-container " + id);
    if (auto e = failure("remove-container")) return *e;
    return rig::ok();
  }
  rig::Result<std::optional<rig::ContainerInfo>> inspect_container(const std::string& id) override {
    calls.push_back("inspect-container " + id);
    if (auto e = failure("inspect-container")) return *e;
    rig::ContainerInfo c = host_config;
    c.running = running;
    c.status = running ? "running" : "exited";
    return std::optional<rig::ContainerInfo>(c);
  }
  rig::Result<std::vector<std::string>> list_containers(const std::string& filter) override {
    calls.push_back("list-containers " + filter);
    if (auto e = failure("list-containers")) return *e;
    return containers;
  }
  rig::Result<rig::json> list_container_summaries(const std::string& filter) override {
    calls.push_back("list-container-summaries " + filter);
    if (auto e = failure("list-container-summaries")) return *e;
    return summaries;
  }
  rig::Status put_archive(const std::string& id, const std::string& dir, const std::string&) override {
    calls.push_back("put-archive " + id + " " + dir);
    if (auto e = failure("put-archive")) return *e;
    return rig::ok();
  }
  rig::Result<rig::ExecResult> exec(const std::string& id, const rig::ExecRequest& req) override {
    std::string script = req.cmd.empty() ? "" : req.cmd.back();
    calls.push_back("exec " + id + (req.user.empty() ? "" : " -u " + req.user) + " " + script);
    for (auto& [match, error] : exec_errors)
      if (script.find(match) != std::string::npos) return error;
    for (auto& [match, result] : exec_rules)
      if (script.find(match) != std::string::npos) return result;
    return rig::ExecResult{0, "", 0.01};
  }

 private:
  std::optional<rig::Error> failure(const std::string& verb) {
    int n = counts_[verb]++;
    auto it = errors.find(verb);
    if (it == errors.end() || n < errors_after[verb]) return std::nullopt;
    return it->second;
  }
  std::map<std::string, int> counts_;
};

}  // namespace rigtest
