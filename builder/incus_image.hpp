// An OCI image as an Incus "unified" image tarball: metadata.yaml plus the layers flattened under
// rootfs/. Written from rigctl's own layers (never through a registry or an OCI import tool), so
// ownership, modes and file capabilities (VFS v2 xattrs, which Incus's idmapped mounts translate for
// the unprivileged container's root) reach the instance exactly as built.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "builder/oci.hpp"
#include "builder/tar_io.hpp"

namespace rig {

// The metadata.yaml Incus reads: architecture (Incus's name, e.g. x86_64), creation date, and the
// properties shown by `incus image list` (rigctl stores its own keys there too).
std::string incus_metadata_yaml(const std::string& incus_arch, int64_t created, const std::map<std::string, std::string>& properties);

// Incus's architecture name for a Debian one ("amd64" -> "x86_64"); "" when Incus has none.
std::string incus_arch_of(const std::string& debian_arch);

// Writes the tarball to `path`. Later layers win: an earlier layer's entry is left out when a later
// layer has the same path, a whiteout for it or an opaque marker above it. Returns the tarball's
// sha256, which is the fingerprint Incus gives the image.
// `created` (seconds since the epoch) is metadata.yaml's creation_date, which Incus requires non-zero.
Result<LayerInfo> write_incus_image(const OciImage& img, int64_t created, const std::map<std::string, std::string>& properties,
                                    const std::filesystem::path& path);

}  // namespace rig
