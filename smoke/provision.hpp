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
  // Set when the engine pulled the outer image from a registry: the rig runs `pulled_ref` when its id
  // (config digest) is what the recipe builds here -- the launch profile and the tailored seccomp profile
  // are the recipe's -- and a different image is a usage error, never silently replaced by the local build.
  std::string pulled_ref = {};
  std::string pulled_id = {};
};

// Where the outer image goes: a Docker-API engine (loaded as a docker-archive) or another outer
// runtime (Incus imports its own image format). `ensure` puts it there unless it is there already.
struct StoredImage {
  std::string ref;      // what a launch names it by there
  bool loaded = false;  // false: it was there already
};
class OuterImageStore {
 public:
  virtual ~OuterImageStore() = default;
  virtual Result<StoredImage> ensure(const OciImage& img, const std::string& tag) = 0;
};
// A Docker-API engine's image store (ensure_loaded).
class EngineImageStore final : public OuterImageStore {
 public:
  explicit EngineImageStore(Engine& engine) : engine_(engine) {}
  Result<StoredImage> ensure(const OciImage& img, const std::string& tag) override;

 private:
  Engine& engine_;
};

struct Provisioned {
  std::string outer_ref;
  json outer_config;  // the OCI image config's "config" object (User, Env, Entrypoint, Cmd, WorkingDir)
  std::string outer_manifest_digest, outer_config_digest;  // the image the rig runs (config digest = engine image id)
  std::string seccomp_profile;  // tailored profile JSON text ("" if the image has no stock profile)
  std::string seccomp_profile_path;
  bool outer_loaded = false;    // false: the engine already had it
  std::string arch;
  std::string web_ref, base_ref;  // names inside the rig after podman load
  std::filesystem::path web_archive, base_archive;
  std::shared_ptr<ScratchDir> scratch;  // holds the archives
};

Result<Provisioned> provision_images(OuterImageStore& store, const Recipe& outer, const ProvisionRequest& req,
                                     CommandRunner& runner, const BuildEvents& ev);

// The seam at the image border: where a rig's images come from. The real one builds (through the
// cache) with a CommandRunner and loads; unit tests of the orchestrators pass a fake that hands out
// made-up references without building anything.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual Result<Provisioned> provision(OuterImageStore& store, const Recipe& outer, const ProvisionRequest& req,
                                        const BuildEvents& ev) = 0;
};
std::unique_ptr<ImageSource> make_image_source(CommandRunner& runner);  // provision_images

// Loads unless the engine has an image with this tag whose id is the config digest.
Result<bool> ensure_loaded(Engine& engine, const OciImage& img, const std::string& tag);

}  // namespace rig
