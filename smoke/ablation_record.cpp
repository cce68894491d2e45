#include "smoke/ablation_record.hpp"

#include <unistd.h>

#include "core/fs.hpp"
#include "core/sha256.hpp"

namespace rig {

namespace {

json observed(const ItemResult& i) {
  // Not applicable and not-needed items have no failure; a required one always names its check.
  if (i.observed_check.empty()) return nullptr;
  return {{"check", i.observed_check}, {"failure", i.observed_error}};
}

}  // namespace

std::string launch_profile_digest(const Recipe& r) {
  return "sha256:" + sha256_hex(r.launch ? r.launch->resolved_json : "null");
}

json ablation_record(const Recipe& recipe, const AblationReport& r, const RecordContext& c) {
  json baseline = json::array();
  for (auto& ch : r.baseline) baseline.push_back({{"id", ch.id}, {"status", check_state_name(ch.status)}});
  json items = json::array();
  json counts = json::object();
  for (auto& i : r.items) {
    items.push_back({{"id", i.item.id},
                     {"level", i.item.level},
                     {"what", i.item.what},
                     {"expected", {{"check", i.item.expect_check}, {"signature", i.item.expect_signature}}},
                     {"verdict", verdict_name(i.verdict)},
                     {"observed", observed(i)},
                     {"reason", i.reason}});
    counts[verdict_name(i.verdict)] = counts.value(verdict_name(i.verdict), 0) + 1;
  }
  return {{"schema_version", 1},
          {"media_type", kMediaAblationRecord},
          {"created", rfc3339(c.created)},
          {"rigctl_version", c.rigctl_version},
          {"recipe", {{"name", recipe.name}, {"sha256", sha256_hex(recipe.text)}}},
          {"image",
           {{"manifest_digest", r.image.manifest_digest}, {"config_digest", r.image.config_digest}, {"arch", r.host.arch}}},
          {"profile",
           {{"digest", launch_profile_digest(recipe)},
            {"seccomp_digest", r.image.seccomp_sha256.empty() ? json(nullptr) : json("sha256:" + r.image.seccomp_sha256)}}},
          {"host",
           {{"kernel", r.host.kernel},
            {"engine", r.host.engine},
            {"engine_version", r.host.engine_version},
            {"api_version", r.host.api_version},
            {"arch", r.host.arch}}},
          {"scope", {{"complete", c.only.empty()}, {"only", c.only}}},
          {"baseline", {{"passed", r.baseline_passed}, {"checks", baseline}}},
          {"items", items},
          {"verdicts", counts}};
}

Result<OciImage> check_attach_layout(const std::filesystem::path& dir, const Recipe& recipe) {
  const std::string where = "--attach '" + dir.string() + "'";
  const std::string expected = "expected an OCI image layout written by `rigctl build " + recipe.name + " --out DIR`";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return usage_error("'" + dir.string() + "' is not a directory (" + expected + ")").add_context(where);
  if (!std::filesystem::is_regular_file(dir / "oci-layout", ec))
    return usage_error("'" + dir.string() + "' has no oci-layout file (" + expected + ")").add_context(where);
  auto layout = read_oci_layout(dir);
  if (!layout) return usage_error("'" + dir.string() + "' is not a readable OCI layout: " + layout.error().what() + " (" + expected + ")").add_context(where);
  auto config_doc = read_json_file((dir / "blobs" / "sha256" / digest_hex(layout->config_digest)).string());
  if (!config_doc) return usage_error("the image config in '" + dir.string() + "' cannot be read: " + config_doc.error().what()).add_context(where);
  const json& config = *config_doc;
  std::string label = str_member(member_or_null(member_or_null(config, "config"), "Labels"), "io.rigctl.recipe.sha256");
  if (label != sha256_hex(recipe.text))
    return usage_error("the image in '" + dir.string() + "' was not built from recipe '" + recipe.file.string() +
                           "' as it is now (its io.rigctl.recipe.sha256 label is '" + label + "', the file hashes to " +
                           sha256_hex(recipe.text) + ")",
                       "rebuild it: rigctl build " + recipe.file.string() + " --out " + dir.string())
        .add_context(where);
  for (auto& d : {dir, dir / "blobs" / "sha256"})
    if (::access(d.c_str(), W_OK) != 0) return usage_error("'" + d.string() + "' is not writable").add_context(where);
  return layout;
}

Result<std::string> attach_ablation_record(const OciImage& layout, const Recipe& recipe, const AblationReport& r,
                                           const RecordContext& c) {
  if (layout.config_digest != r.image.config_digest)
    return usage_error("the image in '" + layout.dir.string() + "' (config " + layout.config_digest +
                           ") is not the image the rigs ran (" + r.image.config_digest + "), so the record would prove nothing about it",
                       "build the layout from the same cache: rigctl build " + recipe.file.string() + " --out DIR")
        .add_context("--attach '" + layout.dir.string() + "'");
  json annotations = {{"org.opencontainers.image.created", rfc3339(c.created)},
                      {"io.rigctl.ablation.host", r.host.engine + " " + r.host.engine_version + ", kernel " + r.host.kernel}};
  return attach_artifact(layout, kMediaAblationRecord, kMediaAblationRecord, json_text(ablation_record(recipe, r, c), 2) + "\n",
                         annotations)
      .context("attach the ablation record to '" + layout.dir.string() + "'");
}

}  // namespace rig
