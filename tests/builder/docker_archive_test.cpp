#include "support/catch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "builder/docker_archive.hpp"
#include "builder/oci.hpp"
#include "core/sha256.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_docker_archive {

using rigtest::json;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

rig::LayerInfo make_layer(const fs::path& p, const std::string& content) {
  rigtest::write_text(p, content);
  return {p, "sha256:" + rig::sha256_hex(content), content.size()};
}

}  // namespace

TEST_CASE("docker_archive: manifest.json, config and layers", "[builder][docker_archive]") {
  TempDir t;
  std::string base(70000, '\0');
  for (size_t i = 0; i < base.size(); ++i) base[i] = static_cast<char>(i % 251);
  std::vector<rig::LayerInfo> layers = {make_layer(t / "base.tar", base), make_layer(t / "recipe.tar", "recipe layer")};
  json config = {{"architecture", "amd64"}, {"os", "linux"}, {"rootfs", {{"type", "layers"}}}};
  fs::create_directories(t / "layout");
  auto img = rig::write_oci_layout(t / "layout", config, layers, "rigctl/x:amd64", 1704067200);
  REQUIRE(img.ok());

  int fd = ::open((t / "image.tar").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  auto st = rig::write_docker_archive(*img, "rigctl/x:test", fd);
  ::close(fd);
  REQUIRE(st.ok());

  auto entries = rigtest::read_tar(t / "image.tar");
  const std::string config_name = rig::digest_hex(img->config_digest) + ".json";
  const std::string l0 = rig::digest_hex(layers[0].digest) + "/layer.tar";
  const std::string l1 = rig::digest_hex(layers[1].digest) + "/layer.tar";
  CHECK(rigtest::tar_paths(entries) == std::vector<std::string>{config_name, l0, l1, "manifest.json"});
  auto by = rigtest::tar_by_path(entries);

  auto manifest = json::parse(by.at("manifest.json").content);
  CHECK(manifest == json::array({{{"Config", config_name}, {"RepoTags", {"rigctl/x:test"}}, {"Layers", {l0, l1}}}}));

  CHECK(by.at(config_name).content == config.dump());
  CHECK(by.at(config_name).size == static_cast<int64_t>(config.dump().size()));
  CHECK(by.at(l0).size == 70000);
  CHECK(by.at(l0).content == base);
  CHECK(by.at(l1).size == static_cast<int64_t>(std::string("recipe layer").size()));
  CHECK(by.at(l1).content == "recipe layer");
  for (auto& e : entries) {
    CHECK(e.type == AE_IFREG);
    CHECK(e.perm == 0644);
  }
}

TEST_CASE("docker_archive: a missing layer blob is an Internal error", "[builder][docker_archive]") {
  TempDir t;
  std::vector<rig::LayerInfo> layers = {make_layer(t / "l.tar", "layer")};
  fs::create_directories(t / "layout");
  auto img = rig::write_oci_layout(t / "layout", json{{"architecture", "amd64"}}, layers, "r", 0);
  REQUIRE(img.ok());
  fs::remove(img->layers[0].path);
  int fd = ::open((t / "image.tar").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  auto st = rig::write_docker_archive(*img, "r:t", fd);
  ::close(fd);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Internal);
  CHECK_THAT(st.error().what(), Catch::StartsWith("docker-archive: open '" + img->layers[0].path.string() + "'"));
}

TEST_CASE("docker_archive: a layer that no longer matches its digest fails the stream", "[builder][docker_archive]") {
  TempDir t;
  std::vector<rig::LayerInfo> layers = {make_layer(t / "l.tar", "layer bytes")};
  fs::create_directories(t / "layout");
  auto img = rig::write_oci_layout(t / "layout", json{{"architecture", "amd64"}}, layers, "r", 0);
  REQUIRE(img.ok());
  // Same size, other bytes: only a hash can tell.
  fs::remove(img->layers[0].path);
  rigtest::write_text(img->layers[0].path, "LAYER BYTES");
  int fd = ::open((t / "image.tar").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  auto st = rig::write_docker_archive(*img, "r:t", fd);
  ::close(fd);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Internal);
  CHECK(st.error().what() == "docker-archive: '" + img->layers[0].path.string() + "' no longer matches " + layers[0].digest +
                                 " (11 bytes, expected 11)");
  CHECK_THAT(st.error().hint(), Catch::Contains("--no-cache"));
}

}  // namespace rigtest_builder_docker_archive
