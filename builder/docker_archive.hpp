// Docker 20.10's POST /images/load (and `podman load`) take the docker-archive format, not an OCI
// layout: this streams one from an OCI layout (config, layers, manifest.json) to an fd.
#pragma once

#include <string>

#include "builder/oci.hpp"

namespace rig {

Status write_docker_archive(const OciImage& img, const std::string& repo_tag, int out_fd);

}  // namespace rig
