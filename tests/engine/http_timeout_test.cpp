#include "support/catch.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "engine/http.hpp"
#include "support/test_util.hpp"

namespace rigtest_engine_http_timeout {

namespace {

// Answers one request with headers and the start of a body, then stalls (like an exec whose command
// never ends) until released.
class StallingServer {
 public:
  explicit StallingServer(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      (void)!::read(c, buf, sizeof buf);
      std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\npartial";
      (void)!::write(c, head.data(), head.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      ::close(c);
    });
  }
  ~StallingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }

 private:
  int fd_ = -1;
  std::thread thread_;
};

rig::HttpRequest stalled_request(std::string& seen) {
  rig::HttpRequest req;
  req.method = "POST";
  req.path = "/v1.41/exec/x/start";
  req.timeout_ms = 300;
  req.on_data = [&seen](const char* d, size_t n) {
    seen.append(d, n);
    return true;
  };
  return req;
}

}  // namespace

TEST_CASE("http: a deadline that is part of the request's meaning is a result, not an error", "[engine][http]") {
  rigtest::TempDir t;
  auto path = (t / "engine.sock").string();
  auto ep = rig::parse_endpoint("unix://" + path);
  REQUIRE(ep.ok());
  {
    StallingServer server(path);
    std::string seen;
    auto req = stalled_request(seen);
    req.timeout_is_result = true;
    auto r = rig::http_request(*ep, req);
    REQUIRE(r.ok());
    CHECK(r->timed_out);
    CHECK(seen == "partial");
  }
  ::unlink(path.c_str());
  {
    StallingServer server(path);
    std::string seen;
    auto r = rig::http_request(*ep, stalled_request(seen));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().category() == rig::Category::Unavailable);
    CHECK_THAT(r.error().what(), Catch::Contains("timed out"));
  }
}

}  // namespace rigtest_engine_http_timeout
