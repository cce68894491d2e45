#include "cli/registry_options.hpp"

#include <cstdlib>

namespace rig::cli {

std::filesystem::path docker_config_file() {
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return std::filesystem::path(d) / "config.json";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/root") / ".docker" / "config.json";
}

Result<PushTarget> check_push_target(const std::string& ref, bool insecure) {
  PushTarget t;
  RIG_TRY(t.ref, parse_registry_ref(ref));
  if (insecure && !is_loopback_registry(t.ref.host))
    return usage_error("--insecure: registry '" + t.ref.host + "' is not loopback (127.0.0.1, ::1 or localhost)",
                       "a registry on another host is reached over verified TLS only; drop --insecure");
  t.options.insecure = insecure;
  RIG_TRY(t.options.credentials, docker_config_credentials(docker_config_file(), t.ref.host));
  return t;
}

Result<PushResult> push_layout(const std::filesystem::path& dir, const PushTarget& target, Progress& progress) {
  RIG_TRY(auto client, RegistryClient::open(target.ref, target.options, make_registry_transport()));
  PushEvents ev;
  ev.phase = [&](const std::string& p) { progress.phase(p); };
  ev.bytes = [&](uint64_t n) { progress.bytes(n); };
  return push_oci_layout(dir, client, ev).context("push '" + dir.string() + "' to " + target.ref.str());
}

json push_result_json(const PushResult& r) {
  json arts = json::array();
  for (auto& a : r.artifacts) arts.push_back({{"digest", a.digest}, {"artifact_type", a.artifact_type}});
  return {{"ref", r.ref},
          {"digest", r.digest},
          {"blobs_uploaded", r.blobs_uploaded},
          {"blobs_present", r.blobs_present},
          {"bytes_uploaded", r.bytes_uploaded},
          {"artifacts", arts},
          {"referrers", r.referrers}};
}

std::string push_result_line(const PushResult& r) {
  std::string s = "pushed " + r.ref + " " + r.digest + " (" + std::to_string(r.blobs_uploaded) + " blobs uploaded, " +
                  std::to_string(r.blobs_present) + " already there";
  if (!r.artifacts.empty())
    s += "; " + std::to_string(r.artifacts.size()) + " artifact" + (r.artifacts.size() == 1 ? "" : "s") + " via " + r.referrers;
  return s + ")";
}

}  // namespace rig::cli
