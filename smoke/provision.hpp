// Getting a rig's images where they are needed, offline: the outer image built (through the cache)
// and loaded into the engine unless the engine already has exactly that image; the inner images
// built and written as docker-archives for `podman load` inside the rig. No registry anywhere.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "builder/build.hpp"
#include "core/fs.hpp"
#include "engine/engine.hpp"

namespace rig {

struct ProvisionRequest {
  std::filesystem::path web_recipe;   // empty: skip the inner images
  std::filesystem::path base_recipe;
  std::string arch;
  std::string mirror;
};

struct Provisioned {
  std::string outer_ref;
  std::string outer_manifest_digest, outer_config_digest;  // the image the rig runs (config digest = engine image id)
  std::string seccomp_profile;  // tailored profile JSON text ("" if the image has no stock profile)
  std::string seccomp_profile_path;
  bool outer_loaded = false;    // false: the engine already had it
  std::string arch;
  std::string web_ref, base_ref;  // names inside the rig after podman load
  std::filesystem::path web_archive, base_archive;
  std::shared_ptr<ScratchDir> scratch;  // holds the archives
};

Result<Provisioned> provision_images(Engine& engine, const Recipe& outer, const ProvisionRequest& req,
                                     CommandRunner& runner, const BuildEvents& ev);

// The seam at the image border: where a rig's images come from. The real one builds (through the
// cache) with a CommandRunner and loads; unit tests of the orchestrators pass a fake that hands out
// made-up references without building anything.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual Result<Provisioned> provision(Engine& engine, const Recipe& outer, const ProvisionRequest& req,
                                        const BuildEvents& ev) = 0;
};
std::unique_ptr<ImageSource> make_image_source(CommandRunner& runner);  // provision_images

// Loads unless the engine has an image with this tag whose id is the config digest.
Result<bool> ensure_loaded(Engine& engine, const OciImage& img, const std::string& tag);

}  // namespace rig
