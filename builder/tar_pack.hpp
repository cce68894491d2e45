// Small in-memory tars, for handing files to an engine (PUT /containers/{id}/archive).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

struct PackEntry {
  std::string name;         // relative path inside the tar; a trailing '/' makes a directory
  std::string source_path;  // file to read; empty: `content`
  std::string content;
  uint32_t uid = 0, gid = 0;
  uint32_t mode = 0644;
};

Result<std::string> pack_tar(const std::vector<PackEntry>& entries);

}  // namespace rig
