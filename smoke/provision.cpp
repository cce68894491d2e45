#include "smoke/provision.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/docker_archive.hpp"
#include "core/json_reader.hpp"

namespace rig {

namespace {

Status write_archive_file(const OciImage& img, const std::string& ref, const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return internal_error("cannot create '" + path.string() + "': " + std::strerror(errno));
  auto st = write_docker_archive(img, ref, fd);
  ::close(fd);
  return st;
}

}  // namespace

Result<bool> ensure_loaded(Engine& engine, const OciImage& img, const std::string& tag) {
  RIG_TRY(auto info, engine.inspect_image(tag));
  if (info && info->id == img.config_digest) return false;
  RIG_CHECK(load_image(engine, img, tag));
  return true;
}

Result<StoredImage> EngineImageStore::ensure(const OciImage& img, const std::string& tag) {
  RIG_TRY(bool loaded, ensure_loaded(engine_, img, tag));
  return StoredImage{tag, loaded};
}

Result<Provisioned> provision_images(OuterImageStore& store, const Recipe& outer, const ProvisionRequest& req,
                                     CommandRunner& runner, const BuildEvents& ev) {
  Provisioned p;
  BuildRequest br;
  br.arch = req.arch;
  br.mirror = req.mirror;
  RIG_TRY(auto built, build_image(outer, br, runner, ev).context("build outer image"));
  p.outer_manifest_digest = built.image.manifest_digest;
  p.outer_config_digest = built.image.config_digest;
  p.arch = built.image.arch;
  if (!req.pulled_ref.empty()) {
    if (req.pulled_id != built.image.config_digest)
      return usage_error("registry image " + req.pulled_ref + " (config " + req.pulled_id + ") is not the image recipe '" +
                             outer.file.string() + "' builds here (config " + built.image.config_digest + ")",
                         "a rig runs a pulled image only with the launch and seccomp profiles of the recipe it was built "
                         "from: push the image again from this recipe, or run the recipe itself");
    p.outer_ref = req.pulled_ref;
    p.outer_loaded = false;
  } else {
    if (ev.phase) ev.phase("ensure " + built.tag + " is in the engine");
    RIG_TRY(auto stored, store.ensure(built.image, built.tag));
    p.outer_ref = stored.ref;
    p.outer_loaded = stored.loaded;
  }
  {
    RIG_TRY(auto text, read_file(built.image.dir / "blobs" / "sha256" / digest_hex(built.image.config_digest)));
    RIG_TRY(auto cfg, parse_json_document(text));
    if (cfg.is_object() && cfg.contains("config") && cfg["config"].is_object()) p.outer_config = cfg["config"];
  }
  if (auto prof = built.image.dir / kTailoredSeccompFile; std::filesystem::exists(prof)) {
    RIG_TRY(p.seccomp_profile, read_file(prof));
    p.seccomp_profile_path = prof.string();
  }
  if (req.web_recipe.empty()) return p;

  RIG_TRY(auto scratch, ScratchDir::create("rigctl-inner"));
  p.scratch = std::make_shared<ScratchDir>(std::move(scratch));
  struct Inner {
    const std::filesystem::path& recipe;
    std::string& ref;
    std::filesystem::path& archive;
    const char* file;
  } inners[] = {{req.web_recipe, p.web_ref, p.web_archive, "web.tar"}, {req.base_recipe, p.base_ref, p.base_archive, "base.tar"}};
  for (auto& in : inners) {
    RIG_TRY(auto r, load_recipe(in.recipe));
    RIG_TRY(auto img, build_image(r, br, runner, ev).context("build inner image"));
    // Fully qualified: an unqualified name inside the rig could turn into a registry lookup.
    in.ref = "localhost/rigctl/" + r.name + ":" + built.image.arch;
    in.archive = p.scratch->path() / in.file;
    RIG_CHECK(write_archive_file(img.image, in.ref, in.archive));
  }
  return p;
}

namespace {
class BuildingImageSource final : public ImageSource {
 public:
  explicit BuildingImageSource(CommandRunner& runner) : runner_(runner) {}
  Result<Provisioned> provision(OuterImageStore& store, const Recipe& outer, const ProvisionRequest& req,
                                const BuildEvents& ev) override {
    return provision_images(store, outer, req, runner_, ev);
  }

 private:
  CommandRunner& runner_;
};
}  // namespace

std::unique_ptr<ImageSource> make_image_source(CommandRunner& runner) { return std::make_unique<BuildingImageSource>(runner); }

}  // namespace rig
