#include "support/catch.hpp"

#include <sys/stat.h>

#include "builder/oci.hpp"
#include "builder/recipe.hpp"
#include "core/sha256.hpp"
#include "support/test_util.hpp"

namespace rigtest_builder_oci {

using rigtest::json;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;

rig::Recipe oci_recipe(json j = rigtest::full_recipe()) {
  auto r = rig::parse_recipe(j.dump(2), "/nonexistent/oci.json");
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

rig::LayerInfo make_layer(const fs::path& p, const std::string& content) {
  rigtest::write_text(p, content);
  return {p, "sha256:" + rig::sha256_hex(content), content.size()};
}

struct Fixture {
  TempDir t;
  std::vector<rig::LayerInfo> layers;
  Fixture() {
    layers.push_back(make_layer(t / "base.tar", std::string(3000, 'b')));
    layers.push_back(make_layer(t / "recipe.tar", std::string(1500, 'r')));
  }
};

json read_json(const fs::path& p) { return json::parse(rigtest::read_text(p)); }

fs::path blob(const fs::path& dir, const std::string& digest) { return dir / "blobs" / "sha256" / rig::digest_hex(digest); }

}  // namespace

TEST_CASE("oci: digest_hex and rfc3339", "[builder][oci]") {
  CHECK(rig::digest_hex("sha256:abc") == "abc");
  CHECK(rig::digest_hex("abc") == "abc");
  CHECK(rig::rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(rig::rfc3339(kEpoch) == "2024-01-01T00:00:00Z");
  CHECK(rig::rfc3339(1704153845) == "2024-01-02T00:04:05Z");
}

TEST_CASE("oci: image_config describes the recipe", "[builder][oci]") {
  Fixture f;
  auto r = oci_recipe();
  auto cfg = rig::image_config(r, "amd64", f.layers, kEpoch, {"step one", "step two"});
  CHECK(cfg["architecture"] == "amd64");
  CHECK(cfg["os"] == "linux");
  CHECK_FALSE(cfg.contains("variant"));
  CHECK(cfg["created"] == "2024-01-01T00:00:00Z");
  auto& c = cfg["config"];
  CHECK(c["User"] == "1000:1000");
  CHECK(c["Env"] == json{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/home/builder",
                         "LANG=C.UTF-8"});
  CHECK(c["WorkingDir"] == "/workspace");
  CHECK(c["Entrypoint"] == json{"/usr/local/bin/hello"});
  CHECK(c["Cmd"] == json{"sleep", "infinity"});
  CHECK(c["Volumes"] == json{{"/workspace", json::object()}});
  CHECK(c["Labels"] == json{{"org.example.role", "test"},
                            {"io.rigctl.recipe.name", "mini"},
                            {"io.rigctl.recipe.sha256", rig::sha256_hex(r.text)},
                            {"org.opencontainers.image.created", "2024-01-01T00:00:00Z"}});
  CHECK(c["Labels"]["io.rigctl.recipe.sha256"] == rig::sha256_hex(rigtest::full_recipe().dump(2)));
  CHECK(cfg["rootfs"] == json{{"type", "layers"}, {"diff_ids", {f.layers[0].digest, f.layers[1].digest}}});
  CHECK(cfg["history"] == json{{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "step one"}},
                               {{"created", "2024-01-01T00:00:00Z"}, {"created_by", "step two"}}});
}

TEST_CASE("oci: image_config keeps a recipe PATH and omits empty fields", "[builder][oci]") {
  json j = rigtest::minimal_recipe();
  j["env"] = {{"PATH", "/opt/bin:/usr/bin"}};
  auto cfg = rig::image_config(oci_recipe(j), "amd64", {}, kEpoch, {});
  auto& c = cfg["config"];
  CHECK(c["Env"] == json{"PATH=/opt/bin:/usr/bin"});
  CHECK_FALSE(c.contains("User"));
  CHECK_FALSE(c.contains("WorkingDir"));
  CHECK_FALSE(c.contains("Entrypoint"));
  CHECK_FALSE(c.contains("Cmd"));
  CHECK_FALSE(c.contains("Volumes"));
  CHECK(cfg["rootfs"]["diff_ids"] == json::array());
}

TEST_CASE("oci: architectures map to OCI names and variants", "[builder][oci]") {
  auto r = oci_recipe();
  auto arm64 = rig::image_config(r, "arm64", {}, kEpoch, {});
  CHECK(arm64["architecture"] == "arm64");
  CHECK(arm64["variant"] == "v8");
  auto armhf = rig::image_config(r, "armhf", {}, kEpoch, {});
  CHECK(armhf["architecture"] == "arm");
  CHECK(armhf["variant"] == "v7");
  auto armel = rig::image_config(r, "armel", {}, kEpoch, {});
  CHECK(armel["architecture"] == "arm");
  CHECK(armel["variant"] == "v6");
  CHECK(rig::image_config(r, "i386", {}, kEpoch, {})["architecture"] == "386");
  CHECK(rig::image_config(r, "ppc64el", {}, kEpoch, {})["architecture"] == "ppc64le");
  CHECK(rig::image_config(r, "s390x", {}, kEpoch, {})["architecture"] == "s390x");
  CHECK_FALSE(rig::image_config(r, "s390x", {}, kEpoch, {}).contains("variant"));
}

TEST_CASE("oci: write_oci_layout writes content-addressed blobs, manifest and index", "[builder][oci]") {
  Fixture f;
  auto cfg = rig::image_config(oci_recipe(), "amd64", f.layers, kEpoch, {"h"});
  auto out = f.t / "layout";
  fs::create_directories(out);
  auto img = rig::write_oci_layout(out, cfg, f.layers, "rigctl/mini:amd64", kEpoch);
  REQUIRE(img.ok());
  CHECK(img->dir == out);
  CHECK(img->ref == "rigctl/mini:amd64");
  CHECK(img->arch == "amd64");

  // Every blob is named by its content's digest.
  auto names = rigtest::list_dir(out / "blobs/sha256");
  CHECK(names.size() == 4);  // two layers, config, manifest
  for (auto& n : names) {
    INFO(n);
    CHECK(rigtest::sha256_of_file(out / "blobs/sha256" / n) == n);
  }
  CHECK(rigtest::list_dir(out) == std::vector<std::string>{"blobs", "index.json", "oci-layout"});
  CHECK(read_json(out / "oci-layout") == json{{"imageLayoutVersion", "1.0.0"}});

  REQUIRE(img->layers.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(img->layers[i].digest == f.layers[i].digest);
    CHECK(img->layers[i].size == f.layers[i].size);
    CHECK(img->layers[i].path == blob(out, f.layers[i].digest));
    CHECK(rigtest::read_text(img->layers[i].path) == rigtest::read_text(f.layers[i].path));
  }

  auto manifest_text = rigtest::read_text(blob(out, img->manifest_digest));
  CHECK(img->manifest_digest == "sha256:" + rig::sha256_hex(manifest_text));
  auto manifest = json::parse(manifest_text);
  CHECK(manifest["schemaVersion"] == 2);
  CHECK(manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
  auto config_text = rigtest::read_text(blob(out, img->config_digest));
  CHECK(manifest["config"] == json{{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                   {"digest", img->config_digest},
                                   {"size", config_text.size()}});
  CHECK(manifest["layers"] == json{{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                    {"digest", f.layers[0].digest},
                                    {"size", 3000}},
                                   {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                    {"digest", f.layers[1].digest},
                                    {"size", 1500}}});
  CHECK(manifest["annotations"] == json{{"org.opencontainers.image.created", "2024-01-01T00:00:00Z"}});
  CHECK(img->size == 3000 + 1500 + config_text.size());

  // The config blob is the config, compact with sorted keys.
  CHECK(config_text == cfg.dump());
  auto config = json::parse(config_text);
  CHECK(config["rootfs"]["diff_ids"] == json{f.layers[0].digest, f.layers[1].digest});
  CHECK(config["config"]["User"] == "1000:1000");

  auto index = read_json(out / "index.json");
  CHECK(index["schemaVersion"] == 2);
  CHECK(index["mediaType"] == "application/vnd.oci.image.index.v1+json");
  REQUIRE(index["manifests"].size() == 1);
  auto& m = index["manifests"][0];
  CHECK(m["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
  CHECK(m["digest"] == img->manifest_digest);
  CHECK(m["size"] == manifest_text.size());
  CHECK(m["platform"] == json{{"architecture", "amd64"}, {"os", "linux"}});
  CHECK(m["annotations"] == json{{"org.opencontainers.image.ref.name", "rigctl/mini:amd64"}});
}

TEST_CASE("oci: arm64 layout carries variant v8 in config and index", "[builder][oci]") {
  Fixture f;
  auto cfg = rig::image_config(oci_recipe(), "arm64", f.layers, kEpoch, {});
  auto out = f.t / "layout";
  fs::create_directories(out);
  auto img = rig::write_oci_layout(out, cfg, f.layers, "rigctl/mini:arm64", kEpoch);
  REQUIRE(img.ok());
  CHECK(img->arch == "arm64");
  CHECK(json::parse(rigtest::read_text(blob(out, img->config_digest)))["variant"] == "v8");
  CHECK(read_json(out / "index.json")["manifests"][0]["platform"] ==
        json{{"architecture", "arm64"}, {"os", "linux"}, {"variant", "v8"}});
}

TEST_CASE("oci: equal inputs give the same manifest digest", "[builder][oci]") {
  Fixture f;
  auto r = oci_recipe();
  fs::create_directories(f.t / "one");
  fs::create_directories(f.t / "two");
  auto a = rig::write_oci_layout(f.t / "one", rig::image_config(r, "amd64", f.layers, kEpoch, {"h"}), f.layers, "x:1", kEpoch);
  auto b = rig::write_oci_layout(f.t / "two", rig::image_config(r, "amd64", f.layers, kEpoch, {"h"}), f.layers, "x:1", kEpoch);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->manifest_digest == b->manifest_digest);
  CHECK(a->config_digest == b->config_digest);
  CHECK(rigtest::read_text(f.t / "one/index.json") == rigtest::read_text(f.t / "two/index.json"));
  // A different epoch changes the image.
  fs::create_directories(f.t / "three");
  auto c = rig::write_oci_layout(f.t / "three", rig::image_config(r, "amd64", f.layers, kEpoch + 1, {"h"}), f.layers, "x:1",
                                 kEpoch + 1);
  REQUIRE(c.ok());
  CHECK(c->manifest_digest != a->manifest_digest);
}

TEST_CASE("oci: read_oci_layout round-trips write_oci_layout", "[builder][oci]") {
  Fixture f;
  auto out = f.t / "layout";
  fs::create_directories(out);
  auto img = rig::write_oci_layout(out, rig::image_config(oci_recipe(), "arm64", f.layers, kEpoch, {}), f.layers,
                                   "rigctl/mini:arm64", kEpoch);
  REQUIRE(img.ok());
  auto back = rig::read_oci_layout(out);
  REQUIRE(back.ok());
  CHECK(back->dir == img->dir);
  CHECK(back->manifest_digest == img->manifest_digest);
  CHECK(back->config_digest == img->config_digest);
  CHECK(back->arch == img->arch);
  CHECK(back->ref == img->ref);
  CHECK(back->size == img->size);
  REQUIRE(back->layers.size() == img->layers.size());
  for (size_t i = 0; i < img->layers.size(); ++i) {
    CHECK(back->layers[i].path == img->layers[i].path);
    CHECK(back->layers[i].digest == img->layers[i].digest);
    CHECK(back->layers[i].size == img->layers[i].size);
  }
}

TEST_CASE("oci: read_oci_layout errors", "[builder][oci]") {
  TempDir t;
  auto missing = rig::read_oci_layout(t / "none");
  REQUIRE_FALSE(missing.ok());
  rigtest::write_text(t / "bad/index.json", "{\"manifests\": []}");
  auto bad = rig::read_oci_layout(t / "bad");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().category() == rig::Category::Internal);
  CHECK_THAT(bad.error().what(), Catch::StartsWith("'" + (t / "bad").string() + "' is not a valid OCI layout: "));

  // A digest that walks out of blobs/ is refused before anything is read through it.
  rigtest::write_text(t / "escape/index.json", "{\"manifests\": [{\"digest\": \"sha256:../../../../etc/passwd\"}]}");
  auto escape = rig::read_oci_layout(t / "escape");
  REQUIRE_FALSE(escape.ok());
  CHECK_THAT(escape.error().what(), Catch::Contains("manifest digest 'sha256:../../../../etc/passwd' is not sha256:<64 hex>"));

  // A FIFO named index.json is refused, not read forever.
  fs::create_directories(t / "fifo");
  REQUIRE(::mkfifo((t / "fifo" / "index.json").c_str(), 0600) == 0);
  auto fifo = rig::read_oci_layout(t / "fifo");
  REQUIRE_FALSE(fifo.ok());
  CHECK_THAT(fifo.error().what(), Catch::Contains("index.json"));
}

}  // namespace rigtest_builder_oci
