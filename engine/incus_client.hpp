// Incus's REST API over its unix socket, with the same libcurl transport as the Docker-API client
// (engine/http.hpp). Only what a rig's life needs: server facts, image import and aliases, instances
// (create, state changes, delete, list), custom storage volumes, exec and file push. Every reply is
// read with its shape checked (engine/reply.hpp); a refusal is an Unavailable error that quotes
// Incus's own message. Asynchronous calls wait for their operation, bounded by a timeout.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "engine/engine.hpp"
#include "engine/http.hpp"

namespace rig {

// The socket Debian's incus package serves (incusd --group incus-admin).
inline constexpr const char* kIncusSocket = "/var/lib/incus/unix.socket";

// --engine values that select Incus: "incus" (the default socket) or "incus:<socket path>".
bool is_incus_engine(const std::string& flag_value);
std::string incus_socket_of(const std::string& flag_value);

struct IncusInstance {
  std::string name;
  std::string status;  // Running | Stopped | ...
  std::map<std::string, std::string> config;
  std::map<std::string, std::map<std::string, std::string>> devices;
};

struct IncusExec {
  std::vector<std::string> cmd;
  uint32_t uid = 0, gid = 0;
  std::string cwd;
  std::map<std::string, std::string> env;
  long timeout_ms = 60000;
};

// The command Incus runs for one exec request. Incus can lose a started command's pid under load
// ("Failed to retrieve PID of executing child process") and then fail the request while the command
// runs on; exec() sends the request again. So each request claims `marker` (a directory in the
// instance, named at random per request) with mkdir before it runs: the copy that claims it runs the
// command (bounded by coreutils' timeout) with its output and exit code in the marker, and every
// other copy of the same request waits for that result and replays it -- the command runs once
// whatever Incus did. `tidy` are earlier requests' markers, removed first. Exit codes 126/127 come
// back as 226/227 (Incus fails the whole operation on those two). Without a usable /tmp the command
// runs directly, as before markers existed.
std::vector<std::string> incus_exec_command(const IncusExec& req, const std::string& marker, const std::vector<std::string>& tidy);

class IncusClient {
 public:
  explicit IncusClient(Endpoint ep) : ep_(std::move(ep)) {}
  const Endpoint& endpoint() const { return ep_; }

  // GET /1.0: the server's version, kernel, architecture and cgroup version, as an EngineVersion of
  // kind "incus". AppArmor and CPUs are not set: the caller takes this machine's (a local socket).
  Result<EngineVersion> server();

  // Images. The alias names an imported image; properties are stored with it (rigctl's own keys).
  Result<std::optional<std::string>> alias_target(const std::string& alias);
  Result<std::string> import_image(const std::filesystem::path& tarball);  // returns the fingerprint
  Status create_alias(const std::string& alias, const std::string& fingerprint);
  Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>> images();  // fingerprint, properties
  Status delete_image(const std::string& fingerprint);

  // Instances.
  Status create_instance(const json& body);
  Result<std::optional<IncusInstance>> instance(const std::string& name);
  Result<std::vector<IncusInstance>> instances();
  // action: start | stop | restart; force stops without waiting; timeout_s bounds the graceful stop.
  Status change_state(const std::string& name, const std::string& action, int timeout_s, bool force);
  // Waits (up to timeout_ms each) for Incus's running or pending operations on the instance to end,
  // whatever their outcome: Incus refuses to stop or delete an instance while one runs.
  Status settle_instance(const std::string& name, long timeout_ms);
  Status delete_instance(const std::string& name);  // a running one is stopped (forced) first
  Result<int> init_pid(const std::string& name);    // 0 when not running

  // Custom storage volumes of a pool.
  Status create_volume(const std::string& pool, const std::string& name, const std::map<std::string, std::string>& config);
  Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>> volumes(const std::string& pool);
  Status delete_volume(const std::string& pool, const std::string& name);

  // Runs a command with its output recorded (stdout then stderr, as Incus keeps them apart).
  Result<ExecResult> exec(const std::string& name, const IncusExec& req);
  Status push_file(const std::string& name, const std::string& path, const std::string& content, uint32_t uid, uint32_t gid,
                   uint32_t mode);

 private:
  struct Reply {
    long status = 0;
    json body;
    std::string request;
  };
  Result<Reply> call(const std::string& method, const std::string& path, const std::string& body = {},
                     long timeout_ms = 60000, const std::string& content_type = "application/json");
  // Waits for an async reply's operation; returns the operation's metadata.
  Result<json> wait(const Reply& r, const std::string& what, long timeout_ms);
  Error refused(const std::string& what, const Reply& r) const;
  Endpoint ep_;
  // Markers of finished requests per (instance, uid), removed by that user's next request there: a
  // request re-sent after a lost pid keeps its marker (a late copy must still find it claimed).
  std::mutex tidy_mu_;
  std::map<std::pair<std::string, uint32_t>, std::vector<std::string>> tidy_;
};

}  // namespace rig
