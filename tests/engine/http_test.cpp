#include "support/catch.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "engine/engine.hpp"
#include "engine/http.hpp"
#include "support/test_util.hpp"

namespace rigtest_engine_http {

using rigtest::TempDir;

namespace {

int unix_socket_at(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// Serves one HTTP request on a unix socket with a canned response; keeps the request it read.
class OneShotServer {
 public:
  OneShotServer(const std::string& path, std::string response) : fd_(unix_socket_at(path)) {
    REQUIRE(::listen(fd_, 1) == 0);
    thread_ = std::thread([this, response = std::move(response)] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      for (;;) {
        auto head_end = req.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          size_t want = 0;
          auto cl = req.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) want = std::stoul(req.substr(cl + 16));
          if (req.size() >= head_end + 4 + want) break;
        }
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      request_ = req;
      (void)!::write(c, response.data(), response.size());
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  int fd_;
  std::thread thread_;
  std::string request_;
};

}  // namespace

TEST_CASE("http: parse_endpoint unix:// URL", "[engine][http]") {
  auto ep = rig::parse_endpoint("unix:///x");
  REQUIRE(ep.ok());
  CHECK(ep->unix_path == "/x");
  CHECK(ep->base_url == "http://localhost");
  CHECK(ep->display == "unix:///x");
}

TEST_CASE("http: parse_endpoint bare socket path", "[engine][http]") {
  auto ep = rig::parse_endpoint("/x");
  REQUIRE(ep.ok());
  CHECK(ep->unix_path == "/x");
  CHECK(ep->base_url == "http://localhost");
  CHECK(ep->display == "/x");
}

TEST_CASE("http: parse_endpoint tcp:// address", "[engine][http]") {
  auto ep = rig::parse_endpoint("tcp://h:1");
  REQUIRE(ep.ok());
  CHECK(ep->unix_path.empty());
  CHECK(ep->base_url == "http://h:1");
  CHECK(ep->display == "tcp://h:1");
  auto slash = rig::parse_endpoint("tcp://127.0.0.1:2375/");
  REQUIRE(slash.ok());
  CHECK(slash->base_url == "http://127.0.0.1:2375");
}

TEST_CASE("http: parse_endpoint rejects other schemes and empty addresses", "[engine][http]") {
  for (auto spec : {"http://h:1", "ssh://user@host", "", "x.sock"}) {
    auto ep = rig::parse_endpoint(spec);
    INFO("spec '" << spec << "'");
    REQUIRE_FALSE(ep.ok());
    CHECK(ep.error().category() == rig::Category::Usage);
    CHECK(ep.error().what() == "engine '" + std::string(spec) + "': expected unix:///path/to.sock or tcp://host:port");
  }
}

// "tcp://" must not become base_url "http:" (the trailing-'/' trim once ate the scheme's slashes).
TEST_CASE("http: parse_endpoint rejects tcp:// without an address", "[engine][http]") {
  for (auto spec : {"tcp://", "tcp:///"}) {
    INFO("spec '" << spec << "'");
    auto ep = rig::parse_endpoint(spec);
    INFO("accepted with base_url '" << (ep.ok() ? ep->base_url : std::string("(rejected)")) << "'");
    REQUIRE_FALSE(ep.ok());
    CHECK(ep.error().category() == rig::Category::Usage);
    CHECK_THAT(ep.error().what(), Catch::StartsWith("engine '" + std::string(spec) + "': missing address"));
  }
}

// "unix://" with no path must not become an endpoint with neither a socket nor a host (requests
// would go over TCP to http://localhost:80).
TEST_CASE("http: parse_endpoint rejects unix:// without a path", "[engine][http]") {
  auto ep = rig::parse_endpoint("unix://");
  REQUIRE_FALSE(ep.ok());
  CHECK(ep.error().category() == rig::Category::Usage);
  CHECK_THAT(ep.error().what(), Catch::StartsWith("engine 'unix://': missing address"));
}

TEST_CASE("http: default_endpoint prefers the flag, then DOCKER_HOST", "[engine][http]") {
  rigtest::EnvGuard docker_host("DOCKER_HOST");
  docker_host.unset();
  auto def = rig::default_endpoint("");
  REQUIRE(def.ok());
  CHECK(def->unix_path == "/var/run/docker.sock");
  docker_host.set("tcp://10.0.0.1:2375");
  CHECK(rig::default_endpoint("")->base_url == "http://10.0.0.1:2375");
  CHECK(rig::default_endpoint("unix:///run/podman/podman.sock")->unix_path == "/run/podman/podman.sock");
  docker_host.set("bogus://x");
  auto bad = rig::default_endpoint("");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().category() == rig::Category::Usage);
  CHECK(bad.error().what() == "DOCKER_HOST: engine 'bogus://x': expected unix:///path/to.sock or tcp://host:port");
}

TEST_CASE("http: request to a missing unix socket is Unavailable", "[engine][http]") {
  TempDir t;
  auto path = (t / "nope.sock").string();
  auto ep = rig::parse_endpoint("unix://" + path);
  REQUIRE(ep.ok());
  rig::HttpRequest req;
  req.path = "/_ping";
  auto r = rig::http_request(*ep, req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Unavailable);
  CHECK(rig::exit_code(r.error().category()) == 3);
  CHECK_THAT(r.error().what(), Catch::StartsWith("engine socket '" + path + "' does not exist"));
  CHECK_THAT(r.error().what(), Catch::Contains("does not exist"));
  CHECK_THAT(r.error().hint(), Catch::Contains("DOCKER_HOST"));
}

TEST_CASE("http: a missing Incus socket is named as Incus's, with Incus's hint", "[engine][http]") {
  TempDir t;
  auto path = (t / "unix.socket").string();
  auto c = rig::connect_engine("incus:" + path);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().category() == rig::Category::Unavailable);
  CHECK(c.error().what() == "connect to Incus: Incus socket '" + path + "' does not exist");
  CHECK_THAT(c.error().hint(), Catch::Contains("start Incus") && !Catch::Contains("dockerd"));
}

TEST_CASE("http: request to a socket nobody listens on is Unavailable", "[engine][http]") {
  TempDir t;
  auto path = (t / "dead.sock").string();
  int fd = unix_socket_at(path);  // bound, never listening: connect is refused
  auto ep = rig::parse_endpoint(path);
  REQUIRE(ep.ok());
  rig::HttpRequest req;
  req.path = "/_ping";
  auto r = rig::http_request(*ep, req);
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Unavailable);
  if (::geteuid() != 0) {
    CHECK_THAT(r.error().what(), Catch::Contains("permission denied") || Catch::Contains("does not answer"));
  } else {
    CHECK_THAT(r.error().what(), Catch::StartsWith("engine at '" + path + "' does not answer"));
    // Not libcurl's placeholder URL host ("Failed to connect to localhost port 80"): rigctl dialled the socket.
    CHECK_THAT(r.error().what(), !Catch::Contains("localhost port 80"));
  }
}

TEST_CASE("http: GET and POST over a unix socket", "[engine][http]") {
  TempDir t;
  auto path = (t / "engine.sock").string();
  auto ep = rig::parse_endpoint("unix://" + path);
  REQUIRE(ep.ok());

  SECTION("GET returns status and body") {
    OneShotServer server(path, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK");
    rig::HttpRequest req;
    req.path = "/v1.41/_ping";
    auto r = rig::http_request(*ep, req);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "OK");
    CHECK_THAT(server.request(), Catch::StartsWith("GET /v1.41/_ping HTTP/1.1\r\n"));
  }
  SECTION("POST sends the body with its content type") {
    OneShotServer server(path, "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"Id\":\"c1\"}");
    rig::HttpRequest req;
    req.method = "POST";
    req.path = "/v1.41/containers/create?name=x";
    req.body = "{\"Image\":\"i\"}";
    std::string streamed;
    req.on_data = [&](const char* d, size_t n) {
      streamed.append(d, n);
      return true;
    };
    auto r = rig::http_request(*ep, req);
    REQUIRE(r.ok());
    CHECK(r->status == 201);
    CHECK(r->body.empty());  // went to on_data instead
    CHECK(streamed == "{\"Id\":\"c1\"}");
    auto& sent = server.request();
    CHECK_THAT(sent, Catch::StartsWith("POST /v1.41/containers/create?name=x HTTP/1.1\r\n"));
    CHECK_THAT(sent, Catch::Contains("Content-Type: application/json\r\n"));
    CHECK_THAT(sent, Catch::EndsWith("\r\n\r\n{\"Image\":\"i\"}"));
  }
}

TEST_CASE("engine: API version negotiation speaks 1.41 where allowed, else the engine's oldest", "[engine][api]") {
  CHECK(rig::negotiate_api_version("1.12", "1.41") == "1.41");  // Debian's docker.io 20.10
  CHECK(rig::negotiate_api_version("", "1.41") == "1.41");      // podman's service says no minimum
  CHECK(rig::negotiate_api_version("1.24", "1.47") == "1.41");  // Docker 27
  CHECK(rig::negotiate_api_version("1.44", "1.52") == "1.44");  // Docker 29 refuses below 1.44
  CHECK(rig::negotiate_api_version("1.41", "1.52") == "1.41");  // Docker 29 with DOCKER_MIN_API_VERSION=1.41
  CHECK(rig::negotiate_api_version("1.12", "1.40").empty());   // older than rigctl: refused by connect_engine
  CHECK(rig::version_less("1.9", "1.41"));
  CHECK_FALSE(rig::version_less("1.44", "1.41"));
}

}  // namespace rigtest_engine_http
