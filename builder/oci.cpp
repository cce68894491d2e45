#include "builder/oci.hpp"

#include <algorithm>
#include <ctime>

#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

json descriptor(const char* media, const std::string& digest, uint64_t size) {
  return {{"mediaType", media}, {"digest", digest}, {"size", size}};
}

Result<std::string> put_blob(const std::filesystem::path& dir, const std::string& content) {
  std::string digest = "sha256:" + sha256_hex(content);
  RIG_CHECK(write_file_atomic(dir / "blobs" / "sha256" / digest_hex(digest), content));
  return digest;
}

std::string variant_of(const std::string& arch) {
  if (arch == "arm64") return "v8";
  if (arch == "armhf") return "v7";
  if (arch == "armel") return "v6";
  return "";
}

std::string oci_arch(const std::string& arch) {
  if (arch == "armhf" || arch == "armel") return "arm";
  if (arch == "i386") return "386";
  if (arch == "ppc64el") return "ppc64le";
  return arch;
}

}  // namespace

std::string digest_hex(const std::string& digest) {
  auto p = digest.find(':');
  return p == std::string::npos ? digest : digest.substr(p + 1);
}

std::string rfc3339(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json image_config(const Recipe& r, const std::string& arch, const std::vector<LayerInfo>& layers, int64_t epoch,
                  const std::vector<std::string>& history) {
  json cfg = json::object();
  if (!r.config_user.empty()) cfg["User"] = r.config_user;
  json env = json::array();
  if (!r.env.count("PATH")) env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (auto& [k, v] : r.env) env.push_back(k + "=" + v);
  cfg["Env"] = env;
  if (!r.workdir.empty()) cfg["WorkingDir"] = r.workdir;
  if (!r.entrypoint.empty()) cfg["Entrypoint"] = r.entrypoint;
  if (!r.cmd.empty()) cfg["Cmd"] = r.cmd;
  if (!r.volumes.empty()) {
    json vols = json::object();
    for (auto& v : r.volumes) vols[v] = json::object();
    cfg["Volumes"] = vols;
  }
  json labels = json::object();
  for (auto& [k, v] : r.labels) labels[k] = v;
  labels["io.rigctl.recipe.name"] = r.name;
  labels["io.rigctl.recipe.sha256"] = sha256_hex(r.text);
  labels["org.opencontainers.image.created"] = rfc3339(epoch);
  cfg["Labels"] = labels;

  json diff_ids = json::array();
  for (auto& l : layers) diff_ids.push_back(l.digest);
  json hist = json::array();
  for (auto& h : history) hist.push_back({{"created", rfc3339(epoch)}, {"created_by", h}});
  json out = {{"architecture", oci_arch(arch)},
              {"os", "linux"},
              {"created", rfc3339(epoch)},
              {"config", cfg},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
              {"history", hist}};
  if (auto v = variant_of(arch); !v.empty()) out["variant"] = v;
  return out;
}

Result<OciImage> write_oci_layout(const std::filesystem::path& dir, const json& config,
                                  const std::vector<LayerInfo>& layers, const std::string& ref, int64_t epoch) {
  namespace fs = std::filesystem;
  OciImage img;
  img.dir = dir;
  img.ref = ref;
  img.arch = str_member(config, "architecture");
  std::error_code ec;
  fs::create_directories(dir / "blobs" / "sha256", ec);
  if (ec) return internal_error("cannot create '" + (dir / "blobs").string() + "': " + ec.message());

  json manifest_layers = json::array();
  for (auto& l : layers) {
    fs::path dest = dir / "blobs" / "sha256" / digest_hex(l.digest);
    if (!fs::exists(dest)) {
      fs::create_hard_link(l.path, dest, ec);
      if (ec) {
        ec.clear();
        fs::copy_file(l.path, dest, ec);
      }
      if (ec) return internal_error("cannot place layer '" + l.path.string() + "' into '" + dest.string() + "': " + ec.message());
    }
    img.layers.push_back({dest, l.digest, l.size});
    img.size += l.size;
    manifest_layers.push_back(descriptor(kMediaLayer, l.digest, l.size));
  }
  std::string config_text = json_text(config);
  RIG_TRY(img.config_digest, put_blob(dir, config_text));
  img.size += config_text.size();

  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kMediaManifest},
                   {"config", descriptor(kMediaConfig, img.config_digest, config_text.size())},
                   {"layers", manifest_layers},
                   {"annotations", {{"org.opencontainers.image.created", rfc3339(epoch)}}}};
  std::string manifest_text = json_text(manifest);
  RIG_TRY(img.manifest_digest, put_blob(dir, manifest_text));

  json platform = {{"architecture", str_member(config, "architecture")}, {"os", "linux"}};
  if (config.contains("variant")) platform["variant"] = config["variant"];
  json entry = descriptor(kMediaManifest, img.manifest_digest, manifest_text.size());
  entry["platform"] = platform;
  entry["annotations"] = {{"org.opencontainers.image.ref.name", ref}};
  json index = {{"schemaVersion", 2}, {"mediaType", kMediaIndex}, {"manifests", json::array({entry})}};
  RIG_CHECK(write_file_atomic(dir / "index.json", json_text(index)));
  RIG_CHECK(write_file_atomic(dir / "oci-layout", json{{"imageLayoutVersion", "1.0.0"}}.dump()));
  return img;
}

Result<std::string> attach_artifact(const OciImage& image, const std::string& artifact_type, const std::string& media_type,
                                    const std::string& content, const json& annotations) {
  namespace fs = std::filesystem;
  const fs::path& dir = image.dir;
  std::error_code ec;
  auto subject_size = fs::file_size(dir / "blobs" / "sha256" / digest_hex(image.manifest_digest), ec);
  if (ec) return internal_error("cannot read the image manifest in '" + dir.string() + "': " + ec.message());
  const std::string empty = "{}";
  RIG_TRY(auto empty_digest, put_blob(dir, empty));
  RIG_TRY(auto content_digest, put_blob(dir, content));
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kMediaManifest},
                   {"artifactType", artifact_type},
                   {"config", descriptor(kMediaEmpty, empty_digest, empty.size())},
                   {"layers", json::array({descriptor(media_type.c_str(), content_digest, content.size())})},
                   {"subject", descriptor(kMediaManifest, image.manifest_digest, subject_size)},
                   {"annotations", annotations}};
  std::string manifest_text = json_text(manifest);
  RIG_TRY(auto manifest_digest, put_blob(dir, manifest_text));
  RIG_TRY(auto index_text, read_file(dir / "index.json"));
  json index;
  try {
    index = json::parse(index_text);
  } catch (const json::exception& e) {
    return internal_error("'" + (dir / "index.json").string() + "' is not JSON: " + e.what());
  }
  json entry = descriptor(kMediaManifest, manifest_digest, manifest_text.size());
  entry["artifactType"] = artifact_type;
  auto& list = index["manifests"];
  // Attaching the same artifact twice leaves one entry.
  for (auto& m : list)
    if (str_member(m, "digest") == manifest_digest) return manifest_digest;
  list.push_back(entry);
  RIG_CHECK(write_file_atomic(dir / "index.json", json_text(index)));
  return manifest_digest;
}

namespace {

// A digest names a file under blobs/sha256: anything but 64 lowercase hex digits (a "../") could name a
// file outside the layout.
bool is_sha256_digest(const std::string& d) {
  return d.size() == 71 && d.rfind("sha256:", 0) == 0 &&
         std::all_of(d.begin() + 7, d.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Result<OciImage> read_oci_layout(const std::filesystem::path& dir) {
  auto bad = [&](const std::string& why) { return internal_error("'" + dir.string() + "' is not a valid OCI layout: " + why); };
  auto blob = [&](const std::string& digest) { return dir / "blobs" / "sha256" / digest_hex(digest); };
  // A layout a user names may hold anything: read_json_file takes only bounded regular files (a FIFO
  // named index.json would otherwise block rigctl before any work).
  RIG_TRY(auto index, read_json_file((dir / "index.json").string()));
  try {
    auto& m = index.at("manifests").at(0);
    OciImage img;
    img.dir = dir;
    img.manifest_digest = m.at("digest").get<std::string>();
    img.ref = str_member(member_or_null(m, "annotations"), "org.opencontainers.image.ref.name");
    img.arch = str_member(member_or_null(m, "platform"), "architecture");
    if (!is_sha256_digest(img.manifest_digest)) return bad("manifest digest '" + valid_utf8(img.manifest_digest) + "' is not sha256:<64 hex>");
    RIG_TRY(auto manifest, read_json_file(blob(img.manifest_digest).string()));
    img.config_digest = manifest.at("config").at("digest").get<std::string>();
    img.size = manifest.at("config").at("size").get<uint64_t>();
    if (!is_sha256_digest(img.config_digest)) return bad("config digest '" + valid_utf8(img.config_digest) + "' is not sha256:<64 hex>");
    for (auto& l : manifest.at("layers")) {
      auto d = l.at("digest").get<std::string>();
      if (!is_sha256_digest(d)) return bad("layer digest '" + valid_utf8(d) + "' is not sha256:<64 hex>");
      auto size = l.at("size").get<uint64_t>();
      img.layers.push_back({blob(d), d, size});
      img.size += size;
    }
    return img;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

}  // namespace rig
