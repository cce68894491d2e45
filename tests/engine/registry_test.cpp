// The registry client and the layout push against an in-memory registry behind the transport seam:
// references, Docker config credentials, the Basic and Bearer challenges, a registry that cannot be
// reached, refused credentials, a digest that comes back different, blobs already present, and an
// upload cut in the middle (nothing the next push trusts, and the next push completes it).
#include "support/catch.hpp"

#include <map>
#include <set>

#include "core/json_reader.hpp"
#include "core/sha256.hpp"
#include "engine/registry.hpp"
#include "engine/registry_push.hpp"
#include "support/test_util.hpp"

namespace rigtest_engine_registry {

using rig::json;
using rigtest::TempDir;
using rigtest::write_text;

namespace {

std::string digest_of(const std::string& s) { return "sha256:" + rig::sha256_hex(s); }

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && i + 2 <= s.size() - 1) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A layout as rigctl build writes it: one image (config + two layers) and one artifact (an SBOM)
// whose subject is the image.
struct Layout {
  TempDir dir{"rigctl-registry"};
  std::string image_digest, artifact_digest, layer_digest;
  Layout() {
    auto blob = [&](const std::string& content) {
      auto d = digest_of(content);
      write_text(dir / ("blobs/sha256/" + d.substr(7)), content);
      return d;
    };
    auto desc = [](const char* type, const std::string& d, size_t size) {
      return json{{"mediaType", type}, {"digest", d}, {"size", size}};
    };
    const std::string config = R"({"architecture":"amd64","os":"linux"})";
    const std::string layer1(300000, 'a');
    const std::string layer2 = "second layer";
    auto cd = blob(config);
    layer_digest = blob(layer1);
    auto l2 = blob(layer2);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", rig::kOciManifestType},
                     {"config", desc("application/vnd.oci.image.config.v1+json", cd, config.size())},
                     {"layers", json::array({desc("application/vnd.oci.image.layer.v1.tar", layer_digest, layer1.size()),
                                             desc("application/vnd.oci.image.layer.v1.tar", l2, layer2.size())})}};
    const std::string mtext = manifest.dump();
    image_digest = blob(mtext);
    const std::string sbom = R"({"spdxVersion":"SPDX-2.3"})";
    auto ed = blob("{}");
    auto sd = blob(sbom);
    json art = {{"schemaVersion", 2},
                {"mediaType", rig::kOciManifestType},
                {"artifactType", "application/spdx+json"},
                {"config", desc("application/vnd.oci.empty.v1+json", ed, 2)},
                {"layers", json::array({desc("application/spdx+json", sd, sbom.size())})},
                {"subject", desc(rig::kOciManifestType, image_digest, mtext.size())},
                {"annotations", {{"org.opencontainers.image.created", "2024-01-01T00:00:00Z"}}}};
    const std::string atext = art.dump();
    artifact_digest = blob(atext);
    json a_entry = desc(rig::kOciManifestType, artifact_digest, atext.size());
    a_entry["artifactType"] = "application/spdx+json";
    json i_entry = desc(rig::kOciManifestType, image_digest, mtext.size());
    i_entry["annotations"] = {{"org.opencontainers.image.ref.name", "rigctl/test:amd64"}};
    write_text(dir / "index.json", json{{"schemaVersion", 2}, {"manifests", json::array({i_entry, a_entry})}}.dump());
    write_text(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }
};

// An in-memory distribution-API registry at http://127.0.0.1:5000, as the transport seam sees it.
struct FakeRegistry {
  std::string auth;  // "" (anonymous), "basic" or "bearer"
  std::string user = "rig", password = "s3cret", token = "tok-123";
  std::string head_digest_override;  // answers HEAD manifests with this digest (a registry that changed it)
  long cut_upload_of_size = -1;      // the PUT of the blob of this size breaks off half-way
  bool unreachable = false;

  std::map<std::string, std::string> blobs;
  std::map<std::string, std::pair<std::string, std::string>> manifests;  // reference -> (type, body)
  std::set<std::string> sessions;
  std::vector<std::string> log;  // "METHOD path" in order
  std::vector<std::string> authorizations;
  int next_session = 0;

  rig::RegistryTransport transport() {
    return [this](const std::string& url, const rig::HttpRequest& req) { return handle(url, req); };
  }

  static rig::HttpResponse reply(long status, std::string body = "", std::map<std::string, std::string> headers = {}) {
    rig::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }

  bool authorized(const rig::HttpRequest& req) const {
    if (auth.empty()) return true;
    const std::string want = auth == "basic" ? "Authorization: Basic " + rig::base64_encode(user + ":" + password)
                                              : "Authorization: Bearer " + token;
    for (auto& h : req.headers)
      if (h == want) return true;
    return false;
  }

  rig::Result<rig::HttpResponse> handle(const std::string& url, const rig::HttpRequest& req) {
    if (unreachable)
      return rig::unavailable("registry at 'http://127.0.0.1:5000' is unreachable (Couldn't connect to server)");
    const std::string base = "http://127.0.0.1:5000";
    REQUIRE(url.starts_with(base));
    std::string path = url.substr(base.size());
    log.push_back(req.method + " " + path);
    for (auto& h : req.headers)
      if (h.starts_with("Authorization:")) authorizations.push_back(h);
    if (path.starts_with("/token?")) {
      CHECK(path.find("scope=repository%3Arigctl%2Ftest%3Apull%2Cpush") != std::string::npos);
      for (auto& h : req.headers)
        if (h == "Authorization: Basic " + rig::base64_encode(user + ":" + password))
          return reply(200, json{{"token", token}}.dump());
      return reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"bad user"}]})");
    }
    if (!authorized(req)) {
      std::string challenge = auth == "basic" ? R"(Basic realm="registry")"
                                              : R"(Bearer realm="http://127.0.0.1:5000/token",service="reg",scope="repository:rigctl/test:pull,push")";
      return reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                   {{"www-authenticate", challenge}});
    }
    if (path == "/v2/") return reply(200, "{}");
    const std::string repo = "/v2/rigctl/test";
    REQUIRE(path.starts_with(repo));
    path = path.substr(repo.size());
    if (path.starts_with("/blobs/uploads/")) {
      auto q = path.find('?');
      std::string session = path.substr(15, q == std::string::npos ? std::string::npos : q - 15);
      if (req.method == "POST") {
        std::string id = "s" + std::to_string(++next_session);
        sessions.insert(id);
        return reply(202, "", {{"location", "/v2/rigctl/test/blobs/uploads/" + id}});
      }
      if (req.method == "DELETE") {
        sessions.erase(session);
        return reply(204);
      }
      REQUIRE(req.method == "PUT");
      REQUIRE(sessions.count(session));
      std::string digest = unescape(path.substr(path.find("digest=") + 7));
      std::string body;
      char buf[65536];
      for (;;) {
        long n = req.upload(buf, sizeof buf);
        REQUIRE(n >= 0);
        if (n == 0) break;
        body.append(buf, static_cast<size_t>(n));
        if (cut_upload_of_size >= 0 && req.upload_size == cut_upload_of_size && body.size() > static_cast<size_t>(cut_upload_of_size) / 2)
          return rig::unavailable("registry at 'http://127.0.0.1:5000': PUT: the connection broke while the request was sent");
      }
      CHECK(static_cast<long long>(body.size()) == req.upload_size);
      if (digest_of(body) != digest) return reply(400, R"({"errors":[{"code":"DIGEST_INVALID","message":"digest did not match"}]})");
      blobs[digest] = body;
      sessions.erase(session);
      return reply(201, "", {{"docker-content-digest", digest}});
    }
    if (path.starts_with("/blobs/")) {
      REQUIRE(req.method == "HEAD");
      return reply(blobs.count(path.substr(7)) ? 200 : 404);
    }
    if (path.starts_with("/manifests/")) {
      std::string reference = path.substr(11);
      if (req.method == "PUT") {
        auto j = json::parse(req.body);
        if (j.contains("config") && !blobs.count(j["config"]["digest"].get<std::string>()))
          return reply(400, R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN"}]})");
        manifests[reference] = {req.content_type, req.body};
        manifests[digest_of(req.body)] = {req.content_type, req.body};
        return reply(201, "", {{"docker-content-digest", digest_of(req.body)}});
      }
      auto it = manifests.find(reference);
      if (it == manifests.end()) return reply(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})");
      std::string d = head_digest_override.empty() ? digest_of(it->second.second) : head_digest_override;
      return reply(200, req.method == "GET" ? it->second.second : "", {{"docker-content-digest", d}});
    }
    FAIL("unexpected request " + req.method + " " + url);
    return reply(500);
  }

  size_t count(const std::string& prefix) const {
    size_t n = 0;
    for (auto& l : log) n += l.starts_with(prefix);
    return n;
  }
};

rig::RegistryRef test_ref() { return rig::parse_registry_ref("127.0.0.1:5000/rigctl/test:v1").value(); }

rig::Result<rig::PushResult> push(const Layout& l, FakeRegistry& reg, std::optional<rig::RegistryCredentials> creds = {}) {
  rig::RegistryOptions o;
  o.insecure = true;
  o.credentials = std::move(creds);
  auto client = rig::RegistryClient::open(test_ref(), o, reg.transport());
  REQUIRE(client);
  return rig::push_oci_layout(l.dir.path(), *client);
}

}  // namespace

TEST_CASE("registry: references name a host, a repository and a tag or digest", "[engine][registry]") {
  auto r = rig::parse_registry_ref("127.0.0.1:5000/rigctl/debian-trixie:amd64");
  REQUIRE(r);
  CHECK(r->host == "127.0.0.1:5000");
  CHECK(r->repository == "rigctl/debian-trixie");
  CHECK(r->tag == "amd64");
  CHECK(rig::parse_registry_ref("localhost/x").value().tag == "latest");
  CHECK(rig::parse_registry_ref("[::1]:5000/a/b:c").value().host == "[::1]:5000");
  auto d = rig::parse_registry_ref("reg.example.org/a@sha256:" + std::string(64, 'a'));
  REQUIRE(d);
  CHECK(d->digest == "sha256:" + std::string(64, 'a'));

  CHECK(rig::looks_like_registry_ref("127.0.0.1:5000/x"));
  CHECK_FALSE(rig::looks_like_registry_ref("rigctl/debian-trixie:amd64"));  // a local engine image
  CHECK_FALSE(rig::looks_like_registry_ref("debian-trixie"));
  for (const char* bad : {"rigctl/x:latest", "127.0.0.1:5000/", "127.0.0.1:5000/UPPER", "127.0.0.1:5000/a:b:c/d",
                          "127.0.0.1:5000/a:-bad", "127.0.0.1:5000/a@sha256:short", "127.0.0.1:5000/a..b", "h.o$t/a", ""}) {
    auto e = rig::parse_registry_ref(bad);
    INFO(bad);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
  }
  CHECK(rig::is_loopback_registry("127.0.0.1:5000"));
  CHECK(rig::is_loopback_registry("localhost"));
  CHECK(rig::is_loopback_registry("[::1]:5000"));
  CHECK_FALSE(rig::is_loopback_registry("127.0.0.1.example.org"));
  CHECK_FALSE(rig::is_loopback_registry("registry.example.org:443"));
}

TEST_CASE("registry: --insecure only for a loopback registry", "[engine][registry]") {
  FakeRegistry reg;
  rig::RegistryOptions o;
  o.insecure = true;
  auto remote = rig::RegistryClient::open(rig::parse_registry_ref("registry.example.org/a:b").value(), o, reg.transport());
  REQUIRE_FALSE(remote);
  CHECK(remote.error().category() == rig::Category::Usage);
  CHECK_THAT(remote.error().what(), Catch::Contains("registry.example.org"));
  auto local = rig::RegistryClient::open(test_ref(), o, reg.transport());
  REQUIRE(local);
  CHECK(local->base_url() == "http://127.0.0.1:5000");
  o.insecure = false;
  CHECK(rig::RegistryClient::open(test_ref(), o, reg.transport())->base_url() == "https://127.0.0.1:5000");
}

TEST_CASE("registry: credentials from a Docker config file", "[engine][registry]") {
  TempDir d;
  auto cfg = d / "config.json";
  CHECK_FALSE(rig::docker_config_credentials(cfg, "h:1").value());  // no file: anonymous
  write_text(cfg, json{{"auths", {{"h:1", {{"auth", rig::base64_encode("me:pa:ss")}}}}}}.dump());
  auto c = rig::docker_config_credentials(cfg, "h:1");
  REQUIRE(c);
  REQUIRE(*c);
  CHECK((*c)->username == "me");
  CHECK((*c)->password == "pa:ss");
  CHECK_FALSE(rig::docker_config_credentials(cfg, "other:1").value());
  write_text(cfg, json{{"auths", {{"https://h:1", {{"username", "u"}, {"password", "p"}}}}}}.dump());
  CHECK(rig::docker_config_credentials(cfg, "h:1").value()->username == "u");

  auto usage = [&](const std::string& text, const std::string& part) {
    write_text(cfg, text);
    auto e = rig::docker_config_credentials(cfg, "h:1");
    INFO(text);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
    CHECK_THAT(e.error().what(), Catch::Contains(part));
    CHECK_THAT(e.error().what(), Catch::Contains(cfg.string()));
  };
  usage(R"({"auths":{"h:1":{"auth":"not base64!"}}})", "auths.h:1.auth");
  usage(R"({"auths":{"h:1":{"auth":")" + rig::base64_encode("nocolon") + R"("}}})", "user:password");
  usage(R"({"credsStore":"desktop"})", "credential helper");
  usage(R"({"credHelpers":{"h:1":"ecr-login"}})", "credHelpers.h:1");
  usage(R"({"auths": [1]})", "auths");
  usage("{not json", "config");
}

TEST_CASE("registry: a push uploads every blob, then the tag, then the artifacts under the referrers tag", "[engine][registry]") {
  Layout l;
  FakeRegistry reg;
  auto r = push(l, reg);
  REQUIRE(r);
  CHECK(r->digest == l.image_digest);
  CHECK(r->ref == "127.0.0.1:5000/rigctl/test:v1");
  CHECK(r->blobs_uploaded == 5);  // config, 2 layers, empty config, SBOM
  CHECK(r->blobs_present == 0);
  REQUIRE(r->artifacts.size() == 1);
  CHECK(r->artifacts[0].digest == l.artifact_digest);
  CHECK(r->referrers == "tag sha256-" + l.image_digest.substr(7));
  // The tag names exactly the layout's manifest, and comes after every blob.
  CHECK(digest_of(reg.manifests.at("v1").second) == l.image_digest);
  size_t last_blob = 0, tag_put = 0;
  for (size_t i = 0; i < reg.log.size(); ++i) {
    if (reg.log[i].starts_with("PUT /v2/rigctl/test/blobs/")) last_blob = i;
    if (reg.log[i] == "PUT /v2/rigctl/test/manifests/v1") tag_put = i;
  }
  CHECK(tag_put > last_blob);
  // The referrers index lists the SBOM with its type and annotations.
  auto idx = json::parse(reg.manifests.at("sha256-" + l.image_digest.substr(7)).second);
  REQUIRE(idx["manifests"].size() == 1);
  CHECK(idx["manifests"][0]["digest"] == l.artifact_digest);
  CHECK(idx["manifests"][0]["artifactType"] == "application/spdx+json");
  CHECK(idx["manifests"][0]["annotations"]["org.opencontainers.image.created"] == "2024-01-01T00:00:00Z");

  // Again: every blob is there already, nothing is uploaded, the index keeps one entry.
  reg.log.clear();
  auto again = push(l, reg);
  REQUIRE(again);
  CHECK(again->blobs_uploaded == 0);
  CHECK(again->blobs_present == 5);
  CHECK(reg.count("POST") == 0);
  CHECK(json::parse(reg.manifests.at("sha256-" + l.image_digest.substr(7)).second)["manifests"].size() == 1);
}

TEST_CASE("registry: Basic and Bearer challenges are answered with the config's credentials", "[engine][registry]") {
  Layout l;
  rig::RegistryCredentials good{"rig", "s3cret"};
  for (const char* scheme : {"basic", "bearer"}) {
    INFO(scheme);
    FakeRegistry reg;
    reg.auth = scheme;
    auto r = push(l, reg, good);
    REQUIRE(r);
    CHECK(r->digest == l.image_digest);
    if (std::string(scheme) == "bearer") CHECK(reg.count("GET /token?") == 1);  // one token for the whole push

    FakeRegistry anon;
    anon.auth = scheme;
    auto e = push(l, anon);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Unavailable);
    CHECK(anon.manifests.empty());

    FakeRegistry wrong;
    wrong.auth = scheme;
    auto w = push(l, wrong, rig::RegistryCredentials{"rig", "wrong"});
    REQUIRE_FALSE(w);
    INFO(w.error().what());
    CHECK(w.error().category() == rig::Category::Unavailable);
    CHECK_THAT(w.error().what(), Catch::Contains("refused the credentials of user 'rig'"));
    CHECK_THAT(w.error().hint(), Catch::Contains("Docker config"));
    CHECK(wrong.blobs.empty());
  }
  FakeRegistry basic;
  basic.auth = "basic";
  auto e = push(l, basic);
  CHECK_THAT(e.error().what(), Catch::Contains("asks for credentials (Basic) and the Docker config has none"));
}

TEST_CASE("registry: an unreachable registry is exit 3 naming it", "[engine][registry]") {
  Layout l;
  FakeRegistry reg;
  reg.unreachable = true;
  auto e = push(l, reg);
  REQUIRE_FALSE(e);
  CHECK(e.error().category() == rig::Category::Unavailable);
  CHECK(rig::exit_code(e.error().category()) == 3);
  CHECK_THAT(e.error().what(), Catch::Contains("http://127.0.0.1:5000"));
}

TEST_CASE("registry: a digest that comes back different is a failed push (exit 1)", "[engine][registry]") {
  Layout l;
  FakeRegistry reg;
  reg.head_digest_override = "sha256:" + std::string(64, 'f');
  auto e = push(l, reg);
  REQUIRE_FALSE(e);
  INFO(e.error().what());
  CHECK(e.error().category() == rig::Category::Checks);
  CHECK(rig::exit_code(e.error().category()) == 1);
  CHECK_THAT(e.error().what(), Catch::Contains("digest mismatch after push to 127.0.0.1:5000/rigctl/test:v1"));
  CHECK_THAT(e.error().what(), Catch::Contains(std::string(64, 'f')));
  CHECK_THAT(e.error().what(), Catch::Contains("expected the layout's " + l.image_digest));
}

TEST_CASE("registry: an upload cut off leaves no tag, and the next push completes it", "[engine][registry]") {
  Layout l;
  FakeRegistry reg;
  reg.cut_upload_of_size = 300000;
  auto e = push(l, reg);
  REQUIRE_FALSE(e);
  CHECK(e.error().category() == rig::Category::Unavailable);
  CHECK_THAT(e.error().what(), Catch::Contains("upload blob " + l.layer_digest));
  CHECK(reg.manifests.empty());        // no tag names a missing blob
  CHECK_FALSE(reg.blobs.count(l.layer_digest));
  CHECK(reg.sessions.empty());         // the cut session was cancelled
  CHECK(reg.count("DELETE /v2/rigctl/test/blobs/uploads/") == 1);
  const size_t before = reg.blobs.size();

  reg.cut_upload_of_size = -1;
  auto r = push(l, reg);
  REQUIRE(r);
  CHECK(r->blobs_present == before);
  CHECK(r->blobs_uploaded == 5 - before);
  CHECK(reg.blobs.count(l.layer_digest));
  CHECK(digest_of(reg.manifests.at("v1").second) == l.image_digest);
}

TEST_CASE("registry: a broken layout is refused before any request", "[engine][registry]") {
  FakeRegistry reg;
  {
    Layout l;
    std::filesystem::remove(l.dir / ("blobs/sha256/" + l.layer_digest.substr(7)));
    auto e = push(l, reg);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
    CHECK_THAT(e.error().what(), Catch::Contains(l.layer_digest));
  }
  {
    Layout l;
    write_text(l.dir / ("blobs/sha256/" + l.image_digest.substr(7)), "{}");
    auto e = push(l, reg);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
    CHECK_THAT(e.error().what(), Catch::Contains("hash to"));
  }
  {
    Layout l;
    auto ref = rig::parse_registry_ref("127.0.0.1:5000/rigctl/test@sha256:" + std::string(64, '0')).value();
    rig::RegistryOptions o;
    o.insecure = true;
    auto client = rig::RegistryClient::open(ref, o, reg.transport());
    auto e = rig::push_oci_layout(l.dir.path(), *client);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
  }
  for (const char* media_type : {"7", "{\"a\":1}", "\"text/plain\""}) {
    // A mediaType of another type once made json::value() throw out of the push.
    Layout l;
    auto index = rig::read_json_file((l.dir / "index.json").string()).value();
    index["manifests"][0]["mediaType"] = json::parse(media_type);
    write_text(l.dir / "index.json", index.dump());
    auto e = push(l, reg);
    REQUIRE_FALSE(e);
    CHECK(e.error().category() == rig::Category::Usage);
    CHECK_THAT(e.error().what(), Catch::Contains("manifests[0].mediaType: expected"));
  }
  CHECK(reg.log.empty());
}

}  // namespace rigtest_engine_registry
