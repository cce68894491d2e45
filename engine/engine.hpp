// The engine seam: the subset of the Docker Engine API (v1.41, or the oldest newer level an engine
// still serves) that both Debian's docker.io and podman's Docker-compatible service serve.
// DockerEngine talks HTTP; tests/support has a recording fake for unit tests of the logic above it.
// Replies are read into the typed structs below by engine/reply.hpp: an engine that answers with
// an unexpected status, shape or type, or not at all, gives Unavailable (exit 3) saying what
// happened -- never a crash, never a silently cut result.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "engine/http.hpp"

namespace rig {

inline constexpr const char* kApiVersion = "1.41";

// The API version to speak to an engine that serves [server_min, server_max] (either may be empty
// when the engine does not say): rigctl's own 1.41 where allowed, else the oldest level the engine
// still serves -- Docker 29 refuses anything below 1.44 -- since rigctl's calls are unchanged through
// the newer levels. "" when the engine is older than 1.41.
std::string negotiate_api_version(const std::string& server_min, const std::string& server_max);
bool version_less(const std::string& a, const std::string& b);

struct EngineVersion {
  std::string version;
  std::string api_version;  // the newest the engine serves
  std::string os;
  std::string arch;
  std::string kernel;
  bool podman = false;
  // What the outer engine is, as reports and launch profiles name it: "podman", "docker" or "incus".
  std::string kind() const { return !runtime.empty() ? runtime : podman ? "podman" : "docker"; }
  bool apparmor = false;  // from /info SecurityOptions: the engine's host enforces AppArmor
  int cpus = 0;
  std::string api_min;   // the oldest API level it still serves ("" = it does not say)
  std::string api_used;  // what rigctl speaks to it (negotiate_api_version)
  std::string cgroup_version;  // from /info CgroupVersion: "1", "2", or "" when the engine does not say
  // Set for an outer runtime that is not a Docker-API engine: "incus" or "lxc".
  std::string runtime = {};
};

struct ExecResult {
  int exit_code = -1;  // -1: unknown (the command's end was not seen)
  std::string out;     // stdout and stderr, interleaved as they arrived
  double seconds = 0;
  // The output is incomplete (the stream ended mid-frame or before the command did, or passed
  // kMaxExecOutput); truncated_why says how. Callers must show it, never treat `out` as whole.
  bool truncated = false;
  std::string truncated_why = {};
};

// What rigctl reads of GET /images/{ref}/json.
struct ImageInfo {
  std::string id;
  std::map<std::string, std::string> labels;
};

// What rigctl reads of GET /containers/{id}/json.
struct ContainerInfo {
  bool running = false;
  std::string status;  // created | running | exited | dead | ...
  int64_t exit_code = 0;
  std::string error;
  bool privileged = false;
  std::vector<std::string> cap_add;
  std::vector<std::string> security_opt;
  std::vector<std::string> devices;  // HostConfig.Devices[].PathOnHost
};

struct ExecRequest {
  std::vector<std::string> cmd;
  std::string user;  // empty: the container's
  std::vector<std::string> env;
  long timeout_ms = 60000;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual Result<EngineVersion> version() = 0;
  // Streams a docker-archive written by `produce` (run on its own thread, writing to the fd it is
  // given) into POST /images/load. Returns the engine's "Loaded image" line.
  virtual Result<std::string> load_image(const std::function<Status(int fd)>& produce) = 0;
  // GET /images/{ref}/json; nullopt when the image does not exist.
  virtual Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) = 0;
  // Pulls `ref` (host/repository:tag) from its registry. tls_verify false: plain http (a loopback
  // registry; podman is told per pull through its libpod endpoint, Docker treats 127.0.0.0/8 as
  // insecure by default). The engine's refusal is Unavailable with its own message.
  virtual Status pull_image(const std::string& ref, bool tls_verify) = 0;

  // A Usage error when a volume of that name exists whose labels are not `labels` (another run's, or
  // not rigctl's at all): nothing of it is the caller's to mount or remove. Docker and podman answer
  // such a create with the existing volume, so the labels are the only sign.
  virtual Status create_volume(const std::string& name, const std::map<std::string, std::string>& labels) = 0;
  virtual Status remove_volume(const std::string& name) = 0;
  virtual Result<std::vector<std::string>> list_volumes(const std::string& label_filter) = 0;

  // POST /containers/create?name=; returns the id.
  virtual Result<std::string> create_container(const std::string& name, const json& body) = 0;
  virtual Status start_container(const std::string& id) = 0;
  // timeout_s: the engine's grace before SIGKILL; wait_ms: how long the caller waits for the whole
  // stop + start (an emulated host's start alone can outlast a fixed margin).
  virtual Status restart_container(const std::string& id, int timeout_s, long wait_ms) = 0;
  virtual Status stop_container(const std::string& id, int timeout_s) = 0;
  virtual Status remove_container(const std::string& id) = 0;  // forced, with anonymous volumes
  // GET /containers/{id}/json; nullopt when it does not exist.
  virtual Result<std::optional<ContainerInfo>> inspect_container(const std::string& id) = 0;
  virtual Result<std::vector<std::string>> list_containers(const std::string& label_filter) = 0;  // ids, all states
  // GET /containers/json (running ones carrying the label), the array as the engine answered it: the
  // caller reads the fields it needs (the VM host's port mirror reads Ports).
  virtual Result<json> list_container_summaries(const std::string& label_filter) = 0;
  // PUT /containers/{id}/archive: unpacks a tar (built by the caller) into dir.
  virtual Status put_archive(const std::string& id, const std::string& dir, const std::string& tar) = 0;
  // Runs req.cmd (an argv, no shell unless the caller asks for one). A command that runs out of
  // req.timeout_ms gives exit code 124 and a note in the output, not an error.
  virtual Result<ExecResult> exec(const std::string& id, const ExecRequest& req) = 0;
};

// How the client waits between polls (the exec exit code may land a moment after its stream ends).
// Injected so the fuzz harness and unit tests do not sleep; rigctl passes real_pause.
using Pause = std::function<void(std::chrono::milliseconds)>;
void real_pause(std::chrono::milliseconds ms);
std::unique_ptr<Engine> make_docker_engine(Endpoint ep, Pause pause = real_pause);

// Connects to the endpoint and checks the API level; Unavailable (exit 3) with a fix otherwise.
class IncusClient;  // engine/incus_client.hpp

// A connection to the outer runtime --engine names: a Docker-API engine (`engine`), or Incus
// (`incus`, with `engine` null: Incus is not a Docker-API engine, so what needs one says so).
struct EngineConnection {
  std::unique_ptr<Engine> engine;
  Endpoint endpoint;
  EngineVersion version;
  std::shared_ptr<IncusClient> incus;
  // Set for LXC (engine/lxc_runtime.hpp): the lxcpath rigctl's containers live in; no client object,
  // LXC is driven through its tools.
  std::string lxc_path = {};
};
// The Docker-API engine of a connection, or a usage error naming `what` needs one (an Incus runtime).
Result<Engine*> docker_api_engine(const EngineConnection& c, const std::string& what);
Result<EngineConnection> connect_engine(const std::string& flag_value);

// The seam at the engine border: library code reaches an engine only through a connector it is
// given (as ninja's builder is given a CommandRunner), so the orchestrators above it run against a
// recording fake in unit tests (tests/support/fake_connector.hpp). Thread-safe: ablation and matrix
// workers connect side by side.
class EngineConnector {
 public:
  virtual ~EngineConnector() = default;
  // flag_value as --engine takes it: "" = DOCKER_HOST or the local socket.
  virtual Result<EngineConnection> connect(const std::string& flag_value) = 0;
};

// The real one (connect_engine); wired only by the composition root (cli/app.cpp).
std::unique_ptr<EngineConnector> make_engine_connector();

}  // namespace rig
