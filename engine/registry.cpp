#include "engine/registry.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "core/text.hpp"

namespace rig {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A repository path component per the distribution spec: [a-z0-9]+ separated by '.', '_', '__' or
// '-'s (hand-checked, no std::regex).
bool valid_component(const std::string& c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (is_lower_alnum(ch)) continue;
    if (ch != '.' && ch != '_' && ch != '-') return false;
    if (ch == '.' && !is_lower_alnum(c[i + 1])) return false;
    if (ch == '_' && !(is_lower_alnum(c[i + 1]) || (c[i + 1] == '_' && is_lower_alnum(c[i + 2])))) return false;
    if (ch == '_' && c[i + 1] == '_') ++i;
  }
  return true;
}

// The first '/'-separated component of a repository path that is not valid_component, if any.
std::optional<std::string> invalid_component(const std::string& path) {
  size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    std::string comp = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!valid_component(comp)) return comp;
    if (end == std::string::npos) return std::nullopt;
    start = end + 1;
  }
}

bool valid_tag(const std::string& t) {
  if (t.empty() || t.size() > 128) return false;
  if (!(std::isalnum(static_cast<unsigned char>(t[0])) || t[0] == '_')) return false;
  for (char ch : t)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-')) return false;
  return true;
}

bool valid_sha256_digest(const std::string& d) {
  if (!d.starts_with("sha256:") || d.size() != 7 + 64) return false;
  for (size_t i = 7; i < d.size(); ++i)
    if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f'))) return false;
  return true;
}

std::string host_without_port(const std::string& host) {
  if (host.starts_with("[")) {
    auto end = host.find(']');
    return end == std::string::npos ? host : host.substr(1, end - 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

// The attributes of a WWW-Authenticate challenge: `Bearer realm="…",service="…",scope="…"`.
std::map<std::string, std::string> challenge_params(const std::string& s) {
  std::map<std::string, std::string> out;
  size_t i = s.find(' ');
  if (i == std::string::npos) return out;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    size_t eq = s.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = s.substr(i, eq - i);
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    i = eq + 1;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i++];
      }
      ++i;
    } else {
      while (i < s.size() && s[i] != ',') value += s[i++];
    }
    out[std::string(trim(key))] = value;
  }
  return out;
}

std::string scheme_of(const std::string& challenge) {
  return to_lower(challenge.substr(0, challenge.find(' ')));
}

// The registry's error message from a distribution-API error body ({"errors":[{"code","message"}]}).
std::string registry_message(const HttpResponse& r) {
  auto j = parse_json_document(r.body);
  if (j && j->is_object() && j->contains("errors") && (*j)["errors"].is_array()) {
    std::string out;
    for (auto& e : (*j)["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
      std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      if (!out.empty()) out += "; ";
      out += code + (msg.empty() ? "" : ": " + msg);
    }
    if (!out.empty()) return valid_utf8(truncate_utf8(out, 500));
  }
  return valid_utf8(truncate_utf8(trim(r.body), 300));
}

Error status_error(const std::string& what, const HttpResponse& r) {
  std::string msg = registry_message(r);
  return unavailable(what + ": the registry answered HTTP " + std::to_string(r.status) + (msg.empty() ? "" : " (" + msg + ")"));
}

}  // namespace

std::string base64_encode(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(const std::string& in) {
  std::string s(trim(in));
  if (s.size() % 4 != 0) return std::nullopt;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' || ch == '=')) return std::nullopt;
  std::string out(3 * (s.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as decoded zero bytes.
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') ++pad;
  if (s.size() > 1 && s[s.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool is_loopback_registry(const std::string& host) {
  std::string h = host_without_port(host);
  if (h == "localhost" || h == "::1") return true;
  if (!h.starts_with("127.")) return false;
  int dots = 0;
  for (char ch : h) {
    if (ch == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  }
  return dots == 3;
}

bool looks_like_registry_ref(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  std::string first = s.substr(0, slash);
  return first == "localhost" || first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
         first.starts_with("[");
}

Result<RegistryRef> parse_registry_ref(const std::string& s) {
  const std::string expected = "expected HOST[:PORT]/REPOSITORY[:TAG|@sha256:DIGEST], e.g. 127.0.0.1:5000/rigctl/debian-trixie:latest";
  if (s.empty() || s.size() > 512) return usage_error("registry reference " + show_value(s) + ": " + expected);
  if (!looks_like_registry_ref(s))
    return usage_error("registry reference " + show_value(s) + " names no registry host (" + expected + ")");
  RegistryRef r;
  auto slash = s.find('/');
  r.host = s.substr(0, slash);
  std::string rest = s.substr(slash + 1);
  if (!valid_host_port(r.host)) return usage_error("registry reference " + show_value(s) + ": host " + show_value(r.host) + " is not a host[:port]");
  if (auto at = rest.find('@'); at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!valid_sha256_digest(r.digest))
      return usage_error("registry reference " + show_value(s) + ": digest " + show_value(r.digest) +
                         " is not sha256: followed by 64 lower-case hex digits");
  }
  auto last_slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    r.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!valid_tag(r.tag))
      return usage_error("registry reference " + show_value(s) + ": tag " + show_value(r.tag) +
                         " is not 1-128 of [A-Za-z0-9_.-] starting with a letter, digit or '_'");
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  r.repository = rest;
  if (rest.empty() || rest.size() > 255)
    return usage_error("registry reference " + show_value(s) + ": missing repository (" + expected + ")");
  if (auto bad = invalid_component(rest))
    return usage_error("registry reference " + show_value(s) + ": repository component " + show_value(*bad) +
                       " is not lower-case letters and digits separated by '.', '_', '__' or '-'");
  return r;
}

Status check_image_name(const std::string& s) {
  const std::string expected = "expected [HOST[:PORT]/]REPOSITORY[:TAG], e.g. rigctl/debian-trixie:amd64";
  if (s.empty() || s.size() > 512) return usage_error("image name " + show_value(s) + ": " + expected);
  if (looks_like_registry_ref(s)) {
    RIG_TRY(auto r, parse_registry_ref(s));
    if (!r.digest.empty()) return usage_error("image name " + show_value(s) + " has a digest; a tag names what is built (" + expected + ")");
    return ok();
  }
  std::string rest = s;
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    std::string tag = rest.substr(colon + 1);
    if (!valid_tag(tag))
      return usage_error("image name " + show_value(s) + ": tag " + show_value(tag) +
                         " is not 1-128 of [A-Za-z0-9_.-] starting with a letter, digit or '_'");
    rest = rest.substr(0, colon);
  }
  if (rest.empty() || rest.size() > 255) return usage_error("image name " + show_value(s) + ": missing repository (" + expected + ")");
  if (auto bad = invalid_component(rest))
    return usage_error("image name " + show_value(s) + ": component " + show_value(*bad) +
                       " is not lower-case letters and digits separated by '.', '_', '__' or '-' (" + expected + ")");
  return ok();
}

Result<std::optional<RegistryCredentials>> docker_config_credentials(const std::filesystem::path& config_file,
                                                                     const std::string& host) {
  std::error_code ec;
  if (!std::filesystem::exists(config_file, ec)) return std::optional<RegistryCredentials>();
  const std::string where = "Docker config '" + config_file.string() + "'";
  auto doc = read_json_file(config_file.string());
  if (!doc) return std::move(doc).error().add_context(where);
  const json& j = *doc;
  if (!j.is_object()) return usage_error(where + ": expected a JSON object");
  const std::vector<std::string> keys = {host, "https://" + host, "http://" + host, "https://" + host + "/v1/",
                                         "https://" + host + "/v2/"};
  if (j.contains("credHelpers") && j["credHelpers"].is_object())
    for (auto& k : keys)
      if (j["credHelpers"].contains(k))
        return usage_error(where + ": credHelpers." + k + " hands " + host +
                               "'s credentials to a credential helper, which rigctl does not support",
                           "put an `auths` entry with `auth` (base64 of user:password) for " + host +
                               " in a Docker config of its own and point DOCKER_CONFIG at its directory");
  const json* entry = nullptr;
  std::string entry_key;
  if (j.contains("auths")) {
    if (!j["auths"].is_object()) return usage_error(where + ": auths: expected an object of registry hosts");
    for (auto& k : keys)
      if (j["auths"].contains(k)) {
        entry = &j["auths"][k];
        entry_key = k;
        break;
      }
  }
  bool helper = j.contains("credsStore") && j["credsStore"].is_string() && !j["credsStore"].get<std::string>().empty();
  if (!entry || !entry->is_object() || (!entry->contains("auth") && !entry->contains("username"))) {
    if (helper)
      return usage_error(where + ": credsStore " + show_value(j["credsStore"].get<std::string>()) + " keeps " + host +
                             "'s credentials in a credential helper, which rigctl does not support",
                         "put an `auths` entry with `auth` (base64 of user:password) for " + host +
                             " in a Docker config of its own and point DOCKER_CONFIG at its directory");
    if (entry && !entry->is_object()) return usage_error(where + ": auths." + entry_key + ": expected an object");
    return std::optional<RegistryCredentials>();
  }
  const std::string field = "auths." + entry_key;
  RegistryCredentials c;
  if (entry->contains("auth")) {
    if (!(*entry)["auth"].is_string()) return usage_error(where + ": " + field + ".auth: expected a base64 string");
    auto decoded = base64_decode((*entry)["auth"].get<std::string>());
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos || colon == 0)
      return usage_error(where + ": " + field + ".auth: expected base64 of \"user:password\"");
    c.username = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  } else {
    if (!(*entry)["username"].is_string() || !entry->contains("password") || !(*entry)["password"].is_string())
      return usage_error(where + ": " + field + ": expected `auth`, or `username` and `password` strings");
    c.username = (*entry)["username"].get<std::string>();
    c.password = (*entry)["password"].get<std::string>();
  }
  return std::optional<RegistryCredentials>(std::move(c));
}

RegistryTransport make_registry_transport() {
  return [](const std::string& url, const HttpRequest& req) -> Result<HttpResponse> {
    // The request carries the whole URL; the endpoint only names the peer in messages.
    Endpoint ep;
    auto scheme_end = url.find("://");
    auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    ep.display = url.substr(0, path_start);
    ep.noun = "registry";
    ep.probe.clear();
    HttpRequest r = req;
    r.path = url;
    return http_request(ep, r);
  };
}

Result<RegistryClient> RegistryClient::open(const RegistryRef& ref, RegistryOptions o, RegistryTransport t) {
  if (o.insecure && !is_loopback_registry(ref.host))
    return usage_error("--insecure: registry '" + ref.host + "' is not loopback (127.0.0.1, ::1 or localhost)",
                       "a remote registry is reached over verified TLS only; drop --insecure");
  std::string base = (o.insecure ? "http://" : "https://") + ref.host;
  return RegistryClient(ref, std::move(o), std::move(t), std::move(base));
}

std::string RegistryClient::repo_url(const std::string& tail) const { return base_ + "/v2/" + ref_.repository + tail; }

Status RegistryClient::answer_challenge(const std::string& challenge, const std::string& what) {
  const std::string scheme = scheme_of(challenge);
  const std::string who = "registry " + ref_.host;
  if (scheme == "basic") {
    if (!o_.credentials)
      return unavailable(what + ": " + who + " asks for credentials (Basic) and the Docker config has none for it",
                         "add an `auths` entry for " + ref_.host + " (e.g. `docker login " + ref_.host +
                             "`), or set DOCKER_CONFIG to the directory of a config.json that has one");
    authorization_ = "Basic " + base64_encode(o_.credentials->username + ":" + o_.credentials->password);
    return ok();
  }
  if (scheme != "bearer")
    return unavailable(what + ": " + who + " asks for authentication by " + show_value(scheme) +
                       ", which rigctl does not speak (Basic and Bearer only)");
  auto p = challenge_params(challenge);
  const std::string realm = p["realm"];
  if (realm.empty()) return unavailable(what + ": " + who + " sent a Bearer challenge without a realm");
  auto realm_host_start = realm.find("://");
  std::string realm_host = realm_host_start == std::string::npos
                               ? ""
                               : realm.substr(realm_host_start + 3, realm.find('/', realm_host_start + 3) - realm_host_start - 3);
  if (!realm.starts_with("https://") && !(realm.starts_with("http://") && is_loopback_registry(realm_host)))
    return unavailable(what + ": " + who + "'s token realm " + show_value(realm) +
                       " is not https (credentials are never sent in clear to a host that is not loopback)");
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  bool first = true;
  for (const char* k : {"service", "scope"}) {
    if (p[k].empty()) continue;
    url += std::string(first ? "" : "&") + k + "=" + url_escape(p[k]);
    first = false;
  }
  HttpRequest req;
  req.method = "GET";
  req.timeout_ms = 30000;
  if (o_.credentials)
    req.headers.push_back("Authorization: Basic " + base64_encode(o_.credentials->username + ":" + o_.credentials->password));
  RIG_TRY(auto r, t_(url, req));
  if (r.status == 401 || r.status == 403)
    return unavailable(what + ": " + who + "'s token service " + show_value(realm) + " refused " +
                           (o_.credentials ? "the credentials of user '" + o_.credentials->username + "'" : "anonymous access") +
                           " (HTTP " + std::to_string(r.status) + ")",
                       "check the `auths` entry for " + ref_.host + " in the Docker config (DOCKER_CONFIG)");
  if (r.status != 200) return status_error(what + ": token from " + show_value(realm) + "", r);
  auto j = parse_json_document(r.body);
  std::string token;
  if (j && j->is_object())
    for (const char* k : {"token", "access_token"})
      if (j->contains(k) && (*j)[k].is_string() && !(*j)[k].get<std::string>().empty()) {
        token = (*j)[k].get<std::string>();
        break;
      }
  if (token.empty()) return unavailable(what + ": " + who + "'s token service " + show_value(realm) + " answered no token");
  authorization_ = "Bearer " + token;
  return ok();
}

Result<HttpResponse> RegistryClient::send(const std::string& url, HttpRequest req, const std::string& what,
                                          bool replayable) {
  const auto base_headers = req.headers;
  for (int attempt = 0; attempt < 2; ++attempt) {
    req.headers = base_headers;
    if (!authorization_.empty()) req.headers.push_back("Authorization: " + authorization_);
    auto r = t_(url, req);
    if (!r) return std::move(r).error().add_context(what);
    if (r->status == 401 && attempt == 0 && replayable) {
      std::string challenge = r->header("www-authenticate");
      if (challenge.empty()) break;
      const std::string before = authorization_;
      RIG_CHECK(answer_challenge(challenge, what));
      // A challenge answered with what was already sent is refused for good.
      if (authorization_ == before) return r;
      continue;
    }
    return r;
  }
  return unavailable(what + ": registry " + ref_.host + " refused " +
                         (o_.credentials ? "the credentials of user '" + o_.credentials->username + "'" : "anonymous access") +
                         " (HTTP 401)",
                     "check the `auths` entry for " + ref_.host + " in the Docker config (DOCKER_CONFIG)");
}

namespace {
Error refused(const RegistryRef& ref, const std::string& what, const HttpResponse& r, const std::optional<RegistryCredentials>& c) {
  std::string msg = registry_message(r);
  return unavailable(what + ": registry " + ref.host + " refused " +
                         (c ? "the credentials of user '" + c->username + "'" : "anonymous access") + " (HTTP " + std::to_string(r.status) +
                         (msg.empty() ? "" : ": " + msg) + ")",
                     "check the `auths` entry for " + ref.host + " in the Docker config (DOCKER_CONFIG) and its rights on " +
                         ref.repository);
}
}  // namespace

Status RegistryClient::ping() {
  HttpRequest req;
  req.method = "GET";
  req.timeout_ms = 30000;
  const std::string what = "GET " + base_ + "/v2/";
  auto sent = send(base_ + "/v2/", req, what);
  // The usual cause of a TLS failure on a loopback registry is a test registry serving plain http.
  if (!sent && sent.error().category() == Category::Unavailable && !o_.insecure && is_loopback_registry(ref_.host) &&
      sent.error().what().find("TLS") != std::string::npos)
    return unavailable(sent.error().what(), "a loopback registry that serves plain http needs --insecure");
  RIG_TRY(auto r, std::move(sent));
  if (r.status == 401 || r.status == 403) return refused(ref_, what, r, o_.credentials);
  if (r.status != 200)
    return unavailable(what + ": HTTP " + std::to_string(r.status) + ": '" + ref_.host + "' does not answer the OCI distribution API");
  return ok();
}

Result<bool> RegistryClient::blob_exists(const std::string& digest) {
  HttpRequest req;
  req.method = "HEAD";
  req.timeout_ms = 60000;
  const std::string what = "HEAD blob " + digest + " in " + ref_.host + "/" + ref_.repository;
  RIG_TRY(auto r, send(repo_url("/blobs/" + digest), req, what));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  if (r.status == 401 || r.status == 403) return refused(ref_, what, r, o_.credentials);
  return status_error(what, r);
}

Status RegistryClient::upload_blob(const BlobSource& blob, const std::function<void(uint64_t)>& on_bytes) {
  const std::string what = "upload blob " + blob.digest + " (" + std::to_string(blob.size) + " bytes) to " + ref_.host +
                           "/" + ref_.repository;
  HttpRequest start;
  start.method = "POST";
  start.timeout_ms = 60000;
  RIG_TRY(auto s, send(repo_url("/blobs/uploads/"), start, what));
  if (s.status == 401 || s.status == 403) return refused(ref_, what, s, o_.credentials);
  if (s.status != 202) return status_error(what + ": start upload session", s);
  std::string location = s.header("location");
  if (location.empty()) return unavailable(what + ": the registry opened an upload session without a Location");
  if (location.starts_with("/")) location = base_ + location;
  else if (!location.starts_with(base_ + "/"))
    return unavailable(what + ": the upload Location " + show_value(location) + " is not on " + base_);

  int fd = ::open(blob.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error(what + ": cannot open '" + blob.path.string() + "': " + std::strerror(errno));
  HttpRequest put;
  put.method = "PUT";
  put.content_type = "application/octet-stream";
  put.upload_size = static_cast<long long>(blob.size);
  put.stall_ms = 300000;  // big layers take long; a registry that takes no byte for 5 min is stuck
  uint64_t sent = 0;
  put.upload = [&](char* buf, size_t len) -> long {
    for (;;) {
      ssize_t n = ::read(fd, buf, len);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        sent += static_cast<uint64_t>(n);
        if (on_bytes) on_bytes(sent);  // cumulative, as Progress::bytes shows it
      }
      return n < 0 ? -1 : static_cast<long>(n);
    }
  };
  const std::string url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + url_escape(blob.digest);
  auto r = send(url, put, what, false);
  ::close(fd);
  auto cancel = [&] {
    // Best effort, also after SIGINT: the session would otherwise linger until the registry purges it.
    // Nothing refers to it either way: the blob exists only once a PUT with its digest succeeded.
    HttpRequest del;
    del.method = "DELETE";
    del.timeout_ms = 10000;
    del.ignore_interrupt = true;
    if (!authorization_.empty()) del.headers.push_back("Authorization: " + authorization_);
    (void)t_(location, del);
  };
  if (!r) {
    cancel();
    return std::move(r).error();
  }
  if (r->status == 401 || r->status == 403) {
    cancel();
    return refused(ref_, what, *r, o_.credentials);
  }
  if (r->status != 201) {
    cancel();
    std::string msg = registry_message(*r);
    if (msg.find("DIGEST_INVALID") != std::string::npos)
      return Error(Category::Checks, what + ": the registry computed another digest from the bytes sent (" + msg +
                                         "): the blob file '" + blob.path.string() + "' does not match its name");
    return status_error(what, *r);
  }
  if (auto got = r->header("docker-content-digest"); !got.empty() && got != blob.digest)
    return Error(Category::Checks, what + ": the registry stored it as " + show_value(got) + ", expected " + blob.digest);
  if (sent != blob.size)
    return Error(Category::Checks, what + ": sent " + std::to_string(sent) + " bytes, expected " + std::to_string(blob.size));
  return ok();
}

Result<ManifestPut> RegistryClient::put_manifest(const std::string& reference, const std::string& media_type,
                                                  const std::string& body) {
  HttpRequest req;
  req.method = "PUT";
  req.content_type = media_type;
  req.body = body;
  req.timeout_ms = 60000;
  const std::string what = "PUT manifest " + ref_.host + "/" + ref_.repository + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  RIG_TRY(auto r, send(repo_url("/manifests/" + reference), req, what));
  if (r.status == 401 || r.status == 403) return refused(ref_, what, r, o_.credentials);
  if (r.status != 201 && r.status != 200) return status_error(what, r);
  return ManifestPut{r.header("docker-content-digest"), !r.header("oci-subject").empty()};
}

Result<std::optional<std::string>> RegistryClient::manifest_digest(const std::string& reference, const std::string& accept) {
  HttpRequest req;
  req.method = "HEAD";
  req.timeout_ms = 30000;
  req.headers.push_back("Accept: " + accept);
  const std::string what = "HEAD manifest " + ref_.host + "/" + ref_.repository + ":" + reference;
  RIG_TRY(auto r, send(repo_url("/manifests/" + reference), req, what));
  if (r.status == 404) return std::optional<std::string>();
  if (r.status == 401 || r.status == 403) return refused(ref_, what, r, o_.credentials);
  if (r.status != 200) return status_error(what, r);
  return std::optional<std::string>(r.header("docker-content-digest"));
}

Result<std::optional<std::string>> RegistryClient::get_manifest(const std::string& reference, const std::string& accept) {
  HttpRequest req;
  req.method = "GET";
  req.timeout_ms = 30000;
  req.max_body = 4u << 20;  // manifests are small; the distribution spec lets registries refuse over 4 MiB
  req.headers.push_back("Accept: " + accept);
  const std::string what = "GET manifest " + ref_.host + "/" + ref_.repository + ":" + reference;
  RIG_TRY(auto r, send(repo_url("/manifests/" + reference), req, what));
  if (r.status == 404) return std::optional<std::string>();
  if (r.status == 401 || r.status == 403) return refused(ref_, what, r, o_.credentials);
  if (r.status != 200) return status_error(what, r);
  return std::optional<std::string>(std::move(r.body));
}

}  // namespace rig
