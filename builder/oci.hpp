// OCI image layout writer (image-spec v1.0): blobs/sha256/, index.json, oci-layout. JSON is written
// compactly with sorted keys, so equal inputs give byte-identical blobs and the same manifest digest.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/recipe.hpp"
#include "builder/tar_io.hpp"
#include "core/json_reader.hpp"

namespace rig {

inline constexpr const char* kMediaManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kMediaConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kMediaLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* kMediaIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kMediaEmpty = "application/vnd.oci.empty.v1+json";

struct OciImage {
  std::filesystem::path dir;
  std::string manifest_digest;
  std::string config_digest;
  std::vector<LayerInfo> layers;  // paths point into dir/blobs
  std::string arch;
  std::string ref;
  uint64_t size = 0;  // sum of layer and config sizes
};

std::string rfc3339(int64_t epoch);

// The image config for a recipe: User, Env, WorkingDir, Entrypoint/Cmd, Volumes, Labels, diff ids.
json image_config(const Recipe& r, const std::string& arch, const std::vector<LayerInfo>& layers, int64_t epoch,
                  const std::vector<std::string>& history);

// Writes the layout into `dir` (which must exist and be empty): layers are hard-linked (or copied)
// into blobs/, config and manifest are written, index.json names the image `ref`.
Result<OciImage> write_oci_layout(const std::filesystem::path& dir, const json& config,
                                  const std::vector<LayerInfo>& layers, const std::string& ref, int64_t epoch);

// Attaches `content` to the image as an OCI 1.1 artifact: a manifest with `artifact_type`, the empty
// config, one blob of `media_type`, and `subject` = the image's manifest, listed in index.json after the
// image (so tools that pick the image by its ref.name, and read_oci_layout, still find it first).
// Returns the artifact manifest's digest.
Result<std::string> attach_artifact(const OciImage& image, const std::string& artifact_type, const std::string& media_type,
                                    const std::string& content, const json& annotations);

// Reads back a layout written by write_oci_layout (`ablate --attach` checks the user's layout with it):
// index.json and the image manifest must be bounded regular JSON files.
Result<OciImage> read_oci_layout(const std::filesystem::path& dir);

std::string digest_hex(const std::string& digest);  // "sha256:abc" -> "abc"

}  // namespace rig
