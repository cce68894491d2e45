#include "support/catch.hpp"

#include "builder/oci.hpp"
#include "core/sha256.hpp"
#include "smoke/ablation_record.hpp"
#include "support/test_util.hpp"

namespace rigtest_smoke_ablation_record {

using rigtest::json;
using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kEpoch = 1704067200;

rig::Recipe record_recipe(json j = rigtest::full_recipe()) {
  auto r = rig::parse_recipe(j.dump(2), "/nonexistent/rec.json");
  if (!r.ok()) FAIL("recipe rejected: " << r.error().what());
  return std::move(r).value();
}

// A layout as `rigctl build --out` writes it, for recipe `r`.
rig::OciImage layout_for(const fs::path& dir, const rig::Recipe& r) {
  fs::create_directories(dir);
  std::string layer = std::string(2000, 'l');
  rigtest::write_text(dir.parent_path() / "layer.tar", layer);
  std::vector<rig::LayerInfo> layers{{dir.parent_path() / "layer.tar", "sha256:" + rig::sha256_hex(layer), layer.size()}};
  auto img = rig::write_oci_layout(dir, rig::image_config(r, "amd64", layers, kEpoch, {"h"}), layers, "rigctl/x:amd64", kEpoch);
  if (!img.ok()) FAIL(img.error().what());
  return *img;
}

rig::AblationReport report_for(const rig::OciImage& img) {
  rig::AblationReport rep;
  rep.recipe = "full";
  rep.baseline_passed = true;
  rep.host = {"6.18.0", "docker", "20.10.24", "1.41", "unix:///var/run/docker.sock", "", "amd64", "podman", ""};
  rep.image = {img.manifest_digest, img.config_digest, rig::sha256_hex("{}")};
  rig::CheckResult up;
  up.id = "outer-up";
  up.status = rig::CheckState::Pass;
  rep.baseline = {up};
  rig::ItemResult tun;
  tun.item.id = "tun";
  tun.item.level = "flag";
  tun.item.expect_check = "inner-run";
  tun.item.expect_signature = "no-tun";
  tun.verdict = rig::Verdict::Required;
  tun.observed_check = "inner-run";
  tun.observed_error = "Failed to open() /dev/net/tun";
  rig::ItemResult cap = tun;
  cap.item.id = "cap-kill";
  cap.item.level = "capability";
  cap.verdict = rig::Verdict::NotNeeded;
  cap.observed_check.clear();
  cap.observed_error.clear();
  cap.reason = "the baseline ran without it";
  rep.items = {tun, cap};
  return rep;
}

}  // namespace

TEST_CASE("ablation record: names the image, profile and host, and each item's verdict and failure", "[smoke][ablation]") {
  auto r = record_recipe();
  TempDir t;
  auto img = layout_for(t / "oci", r);
  auto rec = rig::ablation_record(r, report_for(img), {"9.9.9", {}, kEpoch});
  CHECK(rec["schema_version"] == 1);
  CHECK(rec["created"] == "2024-01-01T00:00:00Z");
  CHECK(rec["recipe"]["sha256"] == rig::sha256_hex(r.text));
  CHECK(rec["image"]["manifest_digest"] == img.manifest_digest);
  CHECK(rec["image"]["config_digest"] == img.config_digest);
  CHECK(rec["profile"]["seccomp_digest"] == "sha256:" + rig::sha256_hex("{}"));
  CHECK(rec["host"]["engine_version"] == "20.10.24");
  CHECK(rec["scope"]["complete"] == true);
  CHECK(rec["items"][0]["observed"]["check"] == "inner-run");
  CHECK(rec["items"][0]["observed"]["failure"] == "Failed to open() /dev/net/tun");
  CHECK(rec["items"][1]["observed"].is_null());
  CHECK(rec["verdicts"] == json{{"required", 1}, {"not needed on this host", 1}});
  auto partial = rig::ablation_record(r, report_for(img), {"9.9.9", {"tun"}, kEpoch});
  CHECK(partial["scope"] == json{{"complete", false}, {"only", {"tun"}}});
}

TEST_CASE("ablation record: the profile digest is the launch object's canonical JSON and follows every change", "[smoke][ablation]") {
  auto j = rigtest::full_recipe();
  auto r = record_recipe(j);
  CHECK(rig::launch_profile_digest(r) == "sha256:" + rig::sha256_hex(j["launch"].dump()));
  auto changed = j;
  changed["launch"]["memory_mb"] = 4096;
  CHECK(rig::launch_profile_digest(record_recipe(changed)) != rig::launch_profile_digest(r));
  auto other = j;
  other["description"] = "same launch profile";
  CHECK(rig::launch_profile_digest(record_recipe(other)) == rig::launch_profile_digest(r));
}

TEST_CASE("ablation record: --attach checks the layout before any work", "[smoke][ablation]") {
  auto r = record_recipe();
  TempDir t;
  auto usage = [](const rig::Result<rig::OciImage>& res, const std::string& needle) {
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().category() == rig::Category::Usage);
    CHECK_THAT(res.error().what(), Catch::Contains(needle));
  };
  usage(rig::check_attach_layout(t / "missing", r), "is not a directory");
  fs::create_directories(t / "empty");
  usage(rig::check_attach_layout(t / "empty", r), "has no oci-layout file");
  rigtest::write_text(t / "broken" / "oci-layout", "{}");
  rigtest::write_text(t / "broken" / "index.json", "{\"manifests\": 3}");
  usage(rig::check_attach_layout(t / "broken", r), "is not a readable OCI layout");

  auto other = rigtest::full_recipe();
  other["description"] = "a different recipe file";
  layout_for(t / "stale", record_recipe(other));
  usage(rig::check_attach_layout(t / "stale", r), "was not built from recipe");

  // An image config whose "config" or "Labels" has another type once made json::value() throw.
  for (const char* config : {R"({"config": "x"})", R"({"config": {"Labels": 7}})", R"({"config": {"Labels": {"io.rigctl.recipe.sha256": 1}}})"}) {
    auto odd = layout_for(t / "odd", r);
    rigtest::write_text(t / "odd" / "blobs" / "sha256" / odd.config_digest.substr(7), config);
    usage(rig::check_attach_layout(t / "odd", r), "was not built from recipe");
    fs::remove_all(t / "odd");
  }

  auto img = layout_for(t / "oci", r);
  auto ok = rig::check_attach_layout(t / "oci", r);
  REQUIRE(ok.ok());
  CHECK(ok->manifest_digest == img.manifest_digest);
}

TEST_CASE("ablation record: attached only to the image that was ablated, as an artifact whose subject is it", "[smoke][ablation]") {
  auto r = record_recipe();
  TempDir t;
  auto img = layout_for(t / "oci", r);
  auto index_before = rigtest::read_text(t / "oci" / "index.json");

  auto elsewhere = report_for(img);
  elsewhere.image.config_digest = "sha256:" + std::string(64, 'e');
  auto refused = rig::attach_ablation_record(img, r, elsewhere, {"9.9.9", {}, kEpoch});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().category() == rig::Category::Usage);
  CHECK_THAT(refused.error().what(), Catch::Contains("is not the image the rigs ran"));
  CHECK(rigtest::read_text(t / "oci" / "index.json") == index_before);

  auto digest = rig::attach_ablation_record(img, r, report_for(img), {"9.9.9", {}, kEpoch});
  REQUIRE(digest.ok());
  auto index = json::parse(rigtest::read_text(t / "oci" / "index.json"));
  REQUIRE(index["manifests"].size() == 2);
  CHECK(index["manifests"][0]["digest"] == img.manifest_digest);
  CHECK(index["manifests"][1]["artifactType"] == rig::kMediaAblationRecord);
  auto manifest = json::parse(rigtest::read_text(t / "oci" / "blobs" / "sha256" / rig::digest_hex(*digest)));
  CHECK(manifest["subject"]["digest"] == img.manifest_digest);
  auto blob = json::parse(rigtest::read_text(t / "oci" / "blobs" / "sha256" / rig::digest_hex(manifest["layers"][0]["digest"])));
  CHECK(blob["image"]["config_digest"] == img.config_digest);
  // The layout is still the image first: the cache and skopeo/umoci read it as before.
  auto again = rig::read_oci_layout(t / "oci");
  REQUIRE(again.ok());
  CHECK(again->manifest_digest == img.manifest_digest);
}

}  // namespace rigtest_smoke_ablation_record
