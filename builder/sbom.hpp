// The image's software bill of materials: an SPDX 2.3 JSON document listing the Debian packages dpkg
// says are installed (name, version, architecture, source package, the licence where the package's
// machine-readable copyright file states it), read from the image's layers. `rigctl build` attaches it
// to the OCI layout as an artifact whose subject is the image manifest (builder/oci.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/tar_io.hpp"
#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace rig {

struct DebPackage {
  std::string name, version, architecture;
  std::string source;   // the source package ("" = same name); its version when it differs, as dpkg writes it
  std::string license;  // an SPDX licence expression, or "NOASSERTION" when not known
};

// Packages whose Status is "install ok installed", in dpkg's order, from dpkg's status file text.
std::vector<DebPackage> parse_dpkg_status(const std::string& text);

// The licence a Debian copyright file states: every License: short name of a machine-readable
// (DEP-5) file mapped to SPDX ids and joined with AND; "NOASSERTION" for a free-form file or any
// name without a known SPDX id (never a guess).
std::string license_from_copyright(const std::string& text);

// Reads dpkg's status and each installed package's copyright file from the layers (later layers win).
Result<std::vector<DebPackage>> image_packages(const std::vector<LayerInfo>& layers);

struct SbomSubject {
  std::string image_name;       // the image reference (rigctl/debian-trixie:amd64)
  std::string manifest_digest;  // sha256:...
  std::string distro;           // debian | ubuntu (the purl namespace)
  int64_t created = 0;          // SOURCE_DATE_EPOCH: the document is reproducible
};

inline constexpr const char* kMediaSpdxJson = "application/spdx+json";

json spdx_document(const SbomSubject& subject, const std::vector<DebPackage>& packages);

}  // namespace rig
