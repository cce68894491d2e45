// A client of the OCI distribution API (v2) for pushing an image and its artifacts to a registry,
// over the libcurl transport of engine/http.hpp. The transport is a seam (RegistryTransport): the
// real one speaks HTTP(S); unit tests pass an in-memory registry.
//
// Error categories (docs/errors.md): a registry that cannot be reached, or that refuses the
// credentials, is Unavailable (exit 3, like an engine socket without permission); a pushed manifest
// whose digest the registry reports differently is Checks (exit 1: the push's own verification
// failed); a bad reference, an --insecure registry that is not loopback or a credential helper in the
// Docker config is Usage (exit 2), refused before any request.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "engine/http.hpp"

namespace rig {

// host[:port]/repository[:tag|@sha256:…]. Like Docker, the first component is a registry only when it
// has a '.' or ':' or is "localhost"; a push always names one (no implied Docker Hub).
struct RegistryRef {
  std::string host;        // "127.0.0.1:5000", "[::1]:5000", "registry.example.org"
  std::string repository;  // "rigctl/debian-trixie"
  std::string tag;         // "latest" when neither tag nor digest is given
  std::string digest;      // "sha256:…" when given
  std::string str() const { return host + "/" + repository + (digest.empty() ? ":" + tag : "@" + digest); }
};

// True when `s` names a registry (its first path component is a host), so "rigctl/x:tag" (a local
// engine image) is not one and "127.0.0.1:5000/rigctl/x:tag" is.
bool looks_like_registry_ref(const std::string& s);
// Usage errors name the reference and what was expected.
Result<RegistryRef> parse_registry_ref(const std::string& s);
// An image name as `build --tag` takes it: [HOST[:PORT]/]REPOSITORY[:TAG] with the reference
// grammar's rules (lower-case components, a tag of [A-Za-z0-9_.-]); no digest. Usage error otherwise.
Status check_image_name(const std::string& s);
// 127.0.0.0/8, ::1 or localhost (the port ignored).
bool is_loopback_registry(const std::string& host);

struct RegistryCredentials {
  std::string username;
  std::string password;
};

// The credentials for `host` in a Docker config file (`auths` → base64 "user:password" in `auth`, or
// `username`/`password`). nullopt when the file does not exist or has no entry for the host
// (anonymous). A file that is not JSON, an `auth` that is not base64 "user:password", or a host the
// file hands to a credential helper (`credsStore`, `credHelpers`: not supported) is a usage error
// naming the file and the field.
Result<std::optional<RegistryCredentials>> docker_config_credentials(const std::filesystem::path& config_file,
                                                                     const std::string& host);

// One HTTP exchange with an absolute URL. The real one (make_registry_transport) is http_request.
using RegistryTransport = std::function<Result<HttpResponse>(const std::string& url, const HttpRequest& req)>;
RegistryTransport make_registry_transport();

struct RegistryOptions {
  // Plain http instead of verified https; allowed only for loopback registries (else Usage).
  bool insecure = false;
  std::optional<RegistryCredentials> credentials = {};
};

// A blob in a file: its digest ("sha256:…"), size and where its bytes are.
struct BlobSource {
  std::string digest;
  uint64_t size = 0;
  std::filesystem::path path;
};

struct ManifestPut {
  std::string digest;       // Docker-Content-Digest of the answer ("" if the registry sent none)
  bool oci_subject = false;  // the registry answered OCI-Subject: it keeps the referrers index itself
};

class RegistryClient {
 public:
  // Usage error for an --insecure registry that is not loopback.
  static Result<RegistryClient> open(const RegistryRef& ref, RegistryOptions o, RegistryTransport t);

  const RegistryRef& ref() const { return ref_; }
  std::string base_url() const { return base_; }

  // GET /v2/: reachable and speaking the distribution API (the auth challenge is answered here first).
  Status ping();
  Result<bool> blob_exists(const std::string& digest);
  // POST an upload session, then PUT the whole blob with ?digest= (monolithic): the registry stores it
  // only if the bytes hash to that digest. An interrupted or failed upload is cancelled (DELETE, best
  // effort); the registry never lists a blob it did not verify, so a later push uploads it again.
  Status upload_blob(const BlobSource& blob, const std::function<void(uint64_t)>& on_bytes = {});
  // PUT /v2/<name>/manifests/<reference>.
  Result<ManifestPut> put_manifest(const std::string& reference, const std::string& media_type, const std::string& body);
  // HEAD /v2/<name>/manifests/<reference>: its Docker-Content-Digest, nullopt when there is none.
  Result<std::optional<std::string>> manifest_digest(const std::string& reference, const std::string& accept);
  // GET /v2/<name>/manifests/<reference>: the body, nullopt when there is none.
  Result<std::optional<std::string>> get_manifest(const std::string& reference, const std::string& accept);

 private:
  RegistryClient(RegistryRef ref, RegistryOptions o, RegistryTransport t, std::string base)
      : ref_(std::move(ref)), o_(std::move(o)), t_(std::move(t)), base_(std::move(base)) {}
  // Sends `req` to `url` with the current authorization; answers a 401 challenge (Basic, or Bearer
  // with a token from the realm) once and retries. A second 401 or a 403 is "auth refused".
  // `replayable` false: a request whose streamed body cannot be sent twice (a blob PUT) is not retried;
  // the POST before it already answered the challenge for the same scope.
  Result<HttpResponse> send(const std::string& url, HttpRequest req, const std::string& what, bool replayable = true);
  Status answer_challenge(const std::string& challenge, const std::string& what);
  std::string repo_url(const std::string& tail) const;

  RegistryRef ref_;
  RegistryOptions o_;
  RegistryTransport t_;
  std::string base_;           // "https://host" or "http://host"
  std::string authorization_;  // "Basic …" or "Bearer …", once a challenge was answered
};

// "user:password" <-> base64 (the Docker config's `auth` and HTTP Basic).
std::string base64_encode(const std::string& s);
std::optional<std::string> base64_decode(const std::string& s);

}  // namespace rig
