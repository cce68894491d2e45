// What `rigctl push` and `rigctl build --push` share: the registry reference and --insecure, checked
// before any work, the Docker config's credentials (DOCKER_CONFIG read here, in the CLI layer), and
// the push of a layout with progress.
#pragma once

#include <filesystem>
#include <string>

#include "cli/progress.hpp"
#include "core/json_reader.hpp"
#include "engine/registry_push.hpp"

namespace rig::cli {

struct PushTarget {
  RegistryRef ref;
  RegistryOptions options;
};

// Parses REF, refuses --insecure for a registry that is not loopback and reads the credentials for
// its host, all before anything is built or sent (exit 2 on bad input).
Result<PushTarget> check_push_target(const std::string& ref, bool insecure);

// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::filesystem::path docker_config_file();

Result<PushResult> push_layout(const std::filesystem::path& dir, const PushTarget& target, Progress& progress);

json push_result_json(const PushResult& r);
std::string push_result_line(const PushResult& r);

}  // namespace rig::cli
