#include "engine/registry_push.hpp"

#include <map>
#include <set>

#include "core/fs.hpp"
#include "core/json_reader.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

bool is_digest(const json& d) {
  if (!d.is_string()) return false;
  const auto& s = d.get_ref<const std::string&>();
  if (!s.starts_with("sha256:") || s.size() != 71) return false;
  for (size_t i = 7; i < s.size(); ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

struct LayoutManifest {
  std::string digest;
  std::string media_type;
  std::string artifact_type;  // "" for the image
  std::string body;           // the exact bytes (the digest is over them)
  json annotations;           // the manifest's own (the referrers index repeats them)
  std::vector<BlobSource> blobs;  // config, then layers
};

struct Layout {
  LayoutManifest image;
  std::vector<LayoutManifest> artifacts;
};

Result<Layout> read_layout(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const std::string where = "OCI layout '" + dir.string() + "'";
  auto bad = [&](const std::string& why) {
    return usage_error(where + ": " + why, "give a directory written by `rigctl build --out DIR`, or a recipe");
  };
  auto blob_path = [&](const std::string& d) { return dir / "blobs" / "sha256" / d.substr(7); };
  auto index = read_json_file((dir / "index.json").string());
  if (!index) return std::move(index).error().add_context(where);
  if (!index->is_object() || !index->contains("manifests") || !(*index)["manifests"].is_array())
    return bad("index.json: manifests: expected an array");
  Layout out;
  bool have_image = false;
  size_t i = 0;
  for (const auto& m : (*index)["manifests"]) {
    const std::string field = "index.json: manifests[" + std::to_string(i++) + "]";
    if (!m.is_object() || !m.contains("digest") || !is_digest(m["digest"]))
      return bad(field + ".digest: expected sha256: followed by 64 lower-case hex digits");
    LayoutManifest lm;
    lm.digest = m["digest"].get<std::string>();
    const json& media_type = member_or_null(m, "mediaType");
    if (!media_type.is_null() && media_type != kOciManifestType)
      return bad(field + ".mediaType: expected \"" + kOciManifestType + "\", got " +
                 (media_type.is_string() ? show_value(media_type.get<std::string>()) : std::string(json_type_name(media_type))));
    lm.media_type = kOciManifestType;
    lm.artifact_type = str_member(m, "artifactType");
    auto text = read_file(blob_path(lm.digest));
    if (!text) return bad(field + ": its manifest blob is missing or unreadable (" + text.error().message() + ")");
    if ("sha256:" + sha256_hex(*text) != lm.digest)
      return bad(field + ": the manifest blob's bytes hash to sha256:" + sha256_hex(*text) + ", expected " + lm.digest);
    lm.body = std::move(*text);
    auto mj = parse_json_document(lm.body);
    if (!mj || !mj->is_object()) return bad("manifest " + lm.digest + ": not a JSON object");
    std::vector<json> descs;
    if (mj->contains("config")) descs.push_back((*mj)["config"]);
    if (mj->contains("layers") && (*mj)["layers"].is_array())
      for (auto& l : (*mj)["layers"]) descs.push_back(l);
    if (mj->contains("annotations") && (*mj)["annotations"].is_object()) lm.annotations = (*mj)["annotations"];
    if (descs.empty() || !mj->contains("config")) return bad("manifest " + lm.digest + ": config: missing");
    for (auto& d : descs) {
      if (!d.is_object() || !is_digest(member_or_null(d, "digest")) || !d.contains("size") || !d["size"].is_number_unsigned())
        return bad("manifest " + lm.digest + ": a config or layer descriptor without a sha256 digest and a size");
      BlobSource b{d["digest"].get<std::string>(), d["size"].get<uint64_t>(), blob_path(d["digest"].get<std::string>())};
      std::error_code ec;
      auto size = fs::file_size(b.path, ec);
      if (ec) return bad("blob " + b.digest + " (named by manifest " + lm.digest + ") is missing: " + ec.message());
      if (size != b.size)
        return bad("blob " + b.digest + " has " + std::to_string(size) + " bytes, its descriptor says " + std::to_string(b.size));
      lm.blobs.push_back(std::move(b));
    }
    if (lm.artifact_type.empty()) {
      if (have_image) continue;  // a layout rigctl writes has one image; further ones are not pushed
      have_image = true;
      out.image = std::move(lm);
    } else {
      out.artifacts.push_back(std::move(lm));
    }
  }
  if (!have_image) return bad("index.json names no image manifest (only artifacts)");
  return out;
}

Error digest_mismatch(const RegistryRef& ref, const std::string& when, const std::string& got, const std::string& expected) {
  return Error(Category::Checks,
               "digest mismatch after push to " + ref.str() + ": " + when + " reports " +
                   (got.empty() ? std::string("no digest") : show_value(got)) + ", expected the layout's " + expected,
               "something between rigctl and the registry changed the manifest, or the tag was pushed to concurrently; "
               "push again and compare with `skopeo inspect`");
}

}  // namespace

Result<PushResult> push_oci_layout(const std::filesystem::path& dir, RegistryClient& client, const PushEvents& ev) {
  RIG_TRY(auto layout, read_layout(dir));
  const RegistryRef& ref = client.ref();
  if (!ref.digest.empty() && ref.digest != layout.image.digest)
    return usage_error("registry reference " + ref.str() + " names digest " + ref.digest + ", but the image in '" +
                       dir.string() + "' is " + layout.image.digest);
  auto phase = [&](const std::string& p) {
    if (ev.phase) ev.phase(p);
  };
  PushResult res;
  res.ref = ref.str();
  phase("contact registry " + client.base_url());
  RIG_CHECK(client.ping());

  // Every blob once, in order: the image's, then the artifacts'.
  std::vector<const BlobSource*> blobs;
  std::set<std::string> seen;
  auto collect = [&](const LayoutManifest& m) {
    for (auto& b : m.blobs)
      if (seen.insert(b.digest).second) blobs.push_back(&b);
  };
  collect(layout.image);
  for (auto& a : layout.artifacts) collect(a);
  for (auto* b : blobs) {
    RIG_TRY(bool present, client.blob_exists(b->digest));
    if (present) {
      ++res.blobs_present;
      continue;
    }
    phase("upload blob " + b->digest.substr(0, 19) + " (" + std::to_string(b->size / 1000000) + " MB)");
    RIG_CHECK(client.upload_blob(*b, ev.bytes));
    ++res.blobs_uploaded;
    res.bytes_uploaded += b->size;
  }

  // The tag last: it appears only once everything it names is in the registry.
  const std::string reference = ref.digest.empty() ? ref.tag : ref.digest;
  phase("put manifest " + ref.str());
  RIG_TRY(auto put, client.put_manifest(reference, layout.image.media_type, layout.image.body));
  if (!put.digest.empty() && put.digest != layout.image.digest)
    return digest_mismatch(ref, "the manifest PUT", put.digest, layout.image.digest);
  RIG_TRY(auto head, client.manifest_digest(reference, layout.image.media_type));
  if (!head) return digest_mismatch(ref, "HEAD " + reference + " (not found after the push)", "", layout.image.digest);
  if (*head != layout.image.digest) return digest_mismatch(ref, "HEAD " + reference, *head, layout.image.digest);
  res.digest = *head;

  // Artifacts by digest; where the registry keeps no referrers index itself (no OCI-Subject in its
  // answer: distribution 2.8 has no referrers API), the index goes under the referrers tag schema's
  // tag sha256-<subject hex>, merged with what is there already.
  bool all_api = true;
  for (auto& a : layout.artifacts) {
    phase("put artifact " + a.artifact_type + " " + a.digest.substr(0, 19));
    RIG_TRY(auto ap, client.put_manifest(a.digest, a.media_type, a.body));
    if (!ap.digest.empty() && ap.digest != a.digest)
      return digest_mismatch(ref, "the PUT of artifact " + a.artifact_type, ap.digest, a.digest);
    all_api = all_api && ap.oci_subject;
    res.artifacts.push_back({a.digest, a.artifact_type});
  }
  if (layout.artifacts.empty()) return res;
  if (all_api) {
    res.referrers = "referrers API";
    return res;
  }
  const std::string tag = "sha256-" + layout.image.digest.substr(7);
  phase("put referrers index " + tag);
  json index = {{"schemaVersion", 2}, {"mediaType", kOciIndexType}, {"manifests", json::array()}};
  RIG_TRY(auto existing, client.get_manifest(tag, kOciIndexType));
  if (existing) {
    auto j = parse_json_document(*existing);
    if (j && j->is_object() && j->contains("manifests") && (*j)["manifests"].is_array())
      for (auto& m : (*j)["manifests"])
        if (m.is_object() && is_digest(member_or_null(m, "digest"))) index["manifests"].push_back(m);
  }
  for (auto& a : layout.artifacts) {
    bool listed = false;
    for (auto& m : index["manifests"]) listed = listed || m["digest"] == a.digest;
    if (listed) continue;
    json d = {{"mediaType", a.media_type}, {"digest", a.digest}, {"size", a.body.size()}, {"artifactType", a.artifact_type}};
    if (a.annotations.is_object()) d["annotations"] = a.annotations;
    index["manifests"].push_back(d);
  }
  const std::string body = index.dump();
  RIG_TRY(auto ip, client.put_manifest(tag, kOciIndexType, body));
  if (!ip.digest.empty() && ip.digest != "sha256:" + sha256_hex(body))
    return digest_mismatch(ref, "the PUT of the referrers index " + tag, ip.digest, "sha256:" + sha256_hex(body));
  res.referrers = "tag " + tag;
  return res;
}

}  // namespace rig
