#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <thread>

#include "core/json_reader.hpp"
#include "engine/engine.hpp"

namespace rig {

namespace {

std::string api(const std::string& path) { return std::string("/v") + kApiVersion + path; }

// Docker answers errors as {"message": "..."}.
Error api_error(const std::string& what, const HttpResponse& r) {
  std::string msg = r.body;
  try {
    msg = json::parse(r.body).value("message", r.body);
  } catch (...) {
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  return internal_error(what + ": engine answered " + std::to_string(r.status) + ": " + msg);
}

bool version_less(const std::string& a, const std::string& b) {
  int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
  char dot;
  std::istringstream(a) >> a1 >> dot >> a2;
  std::istringstream(b) >> b1 >> dot >> b2;
  return a1 < b1 || (a1 == b1 && a2 < b2);
}

class DockerEngine final : public Engine {
 public:
  explicit DockerEngine(Endpoint ep) : ep_(std::move(ep)) {}

  Result<EngineVersion> version() override {
    HttpRequest req;
    req.path = "/version";
    req.timeout_ms = 10000;
    RIG_TRY(auto r, http_request(ep_, req));
    if (r.status != 200) return api_error("GET /version", r);
    try {
      auto j = json::parse(r.body);
      EngineVersion v;
      v.version = j.value("Version", "");
      v.api_version = j.value("ApiVersion", "");
      v.os = j.value("Os", "");
      v.arch = j.value("Arch", "");
      v.kernel = j.value("KernelVersion", "");
      for (auto& c : j.value("Components", json::array()))
        if (c.value("Name", "").find("Podman") != std::string::npos) v.podman = true;
      return v;
    } catch (const json::exception& e) {
      return unavailable("engine at '" + ep_.display + "' did not answer /version with JSON: " + e.what());
    }
  }

  Result<std::string> load_image(const std::function<Status(int fd)>& produce) override {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return internal_error(std::string("pipe: ") + std::strerror(errno));
    Status produced = ok();
    std::thread writer([&] {
      produced = produce(fds[1]);
      ::close(fds[1]);
    });
    HttpRequest req;
    req.method = "POST";
    req.path = api("/images/load?quiet=1");
    req.content_type = "application/x-tar";
    req.upload = [&](char* buf, size_t len) -> long {
      for (;;) {
        ssize_t n = ::read(fds[0], buf, len);
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -1 : static_cast<long>(n);
      }
    };
    auto r = http_request(ep_, req);
    ::close(fds[0]);  // a writer still blocked on the pipe now fails with EPIPE and ends
    writer.join();
    if (!r) return std::move(r).error().add_context("load image");
    if (!produced.ok()) return std::move(produced).error().add_context("load image");
    if (r->status != 200) return api_error("POST /images/load", *r);
    // The body is a stream of JSON messages; an errorDetail among them means the load failed.
    std::istringstream lines(r->body);
    std::string line, loaded;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      try {
        auto j = json::parse(line);
        if (j.contains("errorDetail") || j.contains("error"))
          return internal_error("load image: " + j.value("error", j["errorDetail"].dump()));
        if (j.contains("stream")) loaded = j["stream"].get<std::string>();
      } catch (const json::exception&) {
        loaded = line;  // podman may answer plain text
      }
    }
    while (!loaded.empty() && (loaded.back() == '\n')) loaded.pop_back();
    return loaded;
  }

 private:
  Endpoint ep_;
};

}  // namespace

std::unique_ptr<Engine> make_docker_engine(Endpoint ep) { return std::make_unique<DockerEngine>(std::move(ep)); }

Result<std::unique_ptr<Engine>> connect_engine(const std::string& flag_value) {
  RIG_TRY(auto ep, default_endpoint(flag_value));
  auto engine = make_docker_engine(ep);
  RIG_TRY(auto v, engine->version());
  if (!v.api_version.empty() && version_less(v.api_version, kApiVersion))
    return unavailable("engine at '" + ep.display + "' speaks API " + v.api_version + ", older than the " + kApiVersion +
                           " rigctl needs",
                       "upgrade the engine (Debian 12's docker.io 20.10 is enough)");
  return engine;
}

}  // namespace rig
