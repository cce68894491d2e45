// The record `rigctl ablate --attach` leaves next to the image it proved: which image (by digest),
// under which launch profile, on which host, and for every flag, hardening and capability the verdict
// and the failure that showed it. It is an OCI 1.1 artifact in the image's layout, like the SBOM, so the
// proof travels with the image. Its schema is docs/schemas/ablation-record.schema.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "smoke/ablation.hpp"

namespace rig {

inline constexpr const char* kMediaAblationRecord = "application/vnd.rigctl.ablation-record.v1+json";

struct RecordContext {
  std::string rigctl_version;
  std::vector<std::string> only;  // --only: the record covers just these items (scope.complete = false)
  int64_t created = 0;            // seconds since the epoch
};

// "sha256:" over the resolved launch profile's canonical JSON (Launch::resolved_json: the shared profile
// merged with the recipe's keys, sorted keys, no spaces): a reviewer can recompute it with any JSON tool,
// and any change to a flag, hardening or capability, in the recipe or in the profile file, changes it.
std::string launch_profile_digest(const Recipe& r);

json ablation_record(const Recipe& recipe, const AblationReport& r, const RecordContext& c);

// Before any work: `dir` holds an OCI layout (as `rigctl build --out` writes it) whose image was built
// from `recipe` as it is now (the image's io.rigctl.recipe.sha256 label is the file's hash), and rigctl
// may write there. Errors are Usage, naming the directory and what was expected.
Result<OciImage> check_attach_layout(const std::filesystem::path& dir, const Recipe& recipe);

// After the ablation: the layout's image must be the very image the rigs ran (its config digest is the
// engine's image id), else Usage and nothing is written. Appends the record as an artifact whose
// subject is the image manifest (records from other hosts stay: each names its host). Returns the
// artifact manifest's digest.
Result<std::string> attach_ablation_record(const OciImage& layout, const Recipe& recipe, const AblationReport& r,
                                           const RecordContext& c);

}  // namespace rig
