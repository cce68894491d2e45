// Pushing an OCI image layout (as `rigctl build` writes it: index.json names the image first, then
// its artifacts -- the SBOM, ablation records -- with `subject` = the image manifest) to a registry.
//
// Order is what makes an interrupted push harmless: every blob first (HEAD, skipped when present;
// else a monolithic upload the registry verifies against its digest), then the image manifest under
// the tag, last the artifacts. A push cut anywhere leaves at most verified blobs and no tag naming
// anything missing; the next push skips the blobs that made it and uploads the rest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/registry.hpp"

namespace rig {

inline constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciIndexType = "application/vnd.oci.image.index.v1+json";

struct PushedArtifact {
  std::string digest;
  std::string artifact_type;
};

struct PushResult {
  std::string ref;     // host/repository:tag
  std::string digest;  // the image manifest's, as the registry reported it after the push (== the layout's)
  uint64_t blobs_uploaded = 0, blobs_present = 0, bytes_uploaded = 0;
  std::vector<PushedArtifact> artifacts;
  // How the artifacts can be found from the image: "referrers API" (the registry keeps the index), or
  // "tag sha256-<hex>" (the OCI referrers tag schema, for registries without the API), "" without artifacts.
  std::string referrers;
};

struct PushEvents {
  std::function<void(const std::string&)> phase;
  std::function<void(uint64_t)> bytes;
};

// Reads and checks the whole layout before any request (bad input: Usage naming the file and field),
// then pushes. The tag comes from the client's reference; a reference by digest must equal the
// layout's image digest.
Result<PushResult> push_oci_layout(const std::filesystem::path& dir, RegistryClient& client, const PushEvents& ev = {});

}  // namespace rig
