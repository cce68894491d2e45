// The engine seam: the subset of the Docker Engine API (v1.41) that both Debian's docker.io and
// podman's Docker-compatible service serve. DockerEngine talks HTTP; tests/support has a recording
// fake for unit tests of the logic above it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "engine/http.hpp"

namespace rig {

inline constexpr const char* kApiVersion = "1.41";

struct EngineVersion {
  std::string version;
  std::string api_version;
  std::string os;
  std::string arch;
  std::string kernel;
  bool podman = false;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual Result<EngineVersion> version() = 0;
  // Streams a docker-archive written by `produce` (run on its own thread, writing to the fd it is
  // given) into POST /images/load. Returns the engine's "Loaded image" line.
  virtual Result<std::string> load_image(const std::function<Status(int fd)>& produce) = 0;
};

std::unique_ptr<Engine> make_docker_engine(Endpoint ep);

// Connects to the endpoint and checks the API level; Unavailable (exit 3) with a fix otherwise.
Result<std::unique_ptr<Engine>> connect_engine(const std::string& flag_value);

}  // namespace rig
