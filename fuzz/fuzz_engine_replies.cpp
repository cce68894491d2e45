// The engine client (DockerEngine, engine/docker_engine.cpp) on hostile engine replies. The parses
// of /version, /info, /containers/{id}/json, /exec/{id}/json, list and create replies, the load
// stream and error bodies are private to DockerEngine and run only behind HTTP, so the harness is an
// engine: a unix socket served by a thread of this process, answering each request with the next
// scripted reply. libcurl (engine/http.cpp) does the HTTP; the input only scripts statuses and bodies.
//
// Input: byte 0 picks the Engine call; the rest is one reply per request, separated by kSeparator;
// a reply's first byte picks its status (kStatuses), the rest is its body. Requests beyond the
// script get 200 "{}". Properties: every call returns a value or an Internal/Unavailable error (an
// engine that misbehaves is never a crash, an escaped exception or a usage error), and no reply
// changes the shape of a later request line.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/engine.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

constexpr int kStatuses[] = {200, 201, 204, 304, 404, 400, 500, 409};

struct Reply {
  int status = 200;
  std::string body = "{}";
};

std::mutex mu;
std::deque<Reply> script;
std::atomic<bool> bad_request_line{false};
std::string bad_line;
std::string socket_path;

bool read_some(int fd, std::string& buf) {
  char tmp[65536];
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) <= 0) return false;
  ssize_t n = ::read(fd, tmp, sizeof tmp);
  if (n <= 0) return false;
  buf.append(tmp, static_cast<size_t>(n));
  return true;
}

// Reads one request (headers and a Content-Length or chunked body); false if the client went away.
bool read_request(int fd, std::string& head) {
  std::string buf;
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!read_some(fd, buf)) return false;
  head = buf.substr(0, end + 2);
  std::string rest = buf.substr(end + 4);
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("transfer-encoding: chunked") != std::string::npos) {
    // Chunks until the zero-size one and its trailing CRLF.
    size_t pos = 0;
    for (;;) {
      size_t eol;
      while ((eol = rest.find("\r\n", pos)) == std::string::npos)
        if (!read_some(fd, rest)) return false;
      size_t n = std::strtoul(rest.c_str() + pos, nullptr, 16);
      pos = eol + 2;
      while (rest.size() < pos + n + 2)
        if (!read_some(fd, rest)) return false;
      pos += n + 2;
      if (n == 0) return true;
    }
  }
  size_t cl = lower.find("content-length:");
  size_t want = cl == std::string::npos ? 0 : std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
  while (rest.size() < want)
    if (!read_some(fd, rest)) return false;
  return true;
}

// METHOD SP /printable-path SP HTTP/1.1
bool well_formed(const std::string& head) {
  std::string line = head.substr(0, head.find("\r\n"));
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp1 == sp2 || line.substr(sp2) != " HTTP/1.1") return false;
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (path.empty() || path[0] != '/') return false;
  for (unsigned char c : path)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

void serve(int listener) {
  for (;;) {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    std::string head;
    if (read_request(fd, head)) {
      if (!well_formed(head)) {
        std::lock_guard<std::mutex> l(mu);
        bad_line = head.substr(0, head.find("\r\n"));
        bad_request_line = true;
      }
      Reply r;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!script.empty()) {
          r = std::move(script.front());
          script.pop_front();
        }
      }
      std::string out = "HTTP/1.1 " + std::to_string(r.status) + " Scripted\r\nConnection: close\r\n";
      if (r.status == 204 || r.status == 304) {
        out += "\r\n";
      } else {
        out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      }
      size_t off = 0;
      while (off < out.size()) {
        ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }
}

void start_server() {
  socket_path = (rig::fuzz::scratch_dir() / "engine.sock").string();
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (s < 0 || socket_path.size() >= sizeof addr.sun_path) rig::fuzz::finding("cannot create the engine socket");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s, 16) != 0)
    rig::fuzz::finding(std::string("cannot listen on ") + socket_path + ": " + std::strerror(errno));
  std::thread(serve, s).detach();
}

void expect(const rig::Error& e, const char* call) {
  rig::fuzz::expect_category(e, call, {rig::Category::Internal, rig::Category::Unavailable});
}
template <class T>
void check(const rig::Result<T>& r, const char* call) {
  if (!r) expect(r.error(), call);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // As rigctl does (install_interrupt_handlers): a load whose request failed closes the pipe its
  // writer thread still writes to, which must be EPIPE, not a signal.
  ::signal(SIGPIPE, SIG_IGN);
  start_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int op = data[0];
  auto parts = rig::fuzz::split_input(data + 1, size - 1);
  if (parts.size() > 8) return 0;  // no call makes more than four requests
  {
    std::lock_guard<std::mutex> l(mu);
    script.clear();
    for (auto& p : parts) {
      Reply r;
      if (!p.empty()) {
        r.status = kStatuses[static_cast<unsigned char>(p[0]) % std::size(kStatuses)];
        r.body = p.substr(1);
      }
      script.push_back(std::move(r));
    }
  }
  auto ep = rig::parse_endpoint("unix://" + socket_path);
  if (!ep) rig::fuzz::finding("parse_endpoint of the harness socket: " + ep.error().what());
  // No pauses: the exec poll would otherwise sleep 100 ms a retry, most of the harness's time.
  auto engine = rig::make_docker_engine(*ep, [](std::chrono::milliseconds) {});
  switch (op % 16) {
    case 0: {
      auto v = engine->version();
      check(v, "version");
      check(engine->inspect_container("c1"), "inspect_container after version");  // speaks the negotiated level
      break;
    }
    case 1: check(rig::connect_engine("unix://" + socket_path), "connect_engine"); break;
    case 2: check(engine->inspect_image("docker.io/library/debian:trixie"), "inspect_image"); break;
    case 3: check(engine->list_volumes("io.rigctl.managed=true"), "list_volumes"); break;
    case 4: {
      // A well-formed volume whose labels are not the given ones is another's (Engine::create_volume):
      // a usage error by contract, and only then.
      auto r = engine->create_volume("rig-ws", {{"io.rigctl.managed", "true"}});
      if (!r && !(r.error().category() == rig::Category::Usage && r.error().message().find("a volume named 'rig-ws' already exists") == 0))
        expect(r.error(), "create_volume");
      break;
    }
    case 5: check(engine->remove_volume("rig-ws"), "remove_volume"); break;
    case 6: check(engine->create_container("rig", rig::json{{"Image", "x"}}), "create_container"); break;
    case 7: check(engine->start_container("c1"), "start_container"); break;
    case 8: check(engine->restart_container("c1", 1, 10000), "restart_container"); break;
    case 9: check(engine->stop_container("c1", 1), "stop_container"); break;
    case 10: check(engine->remove_container("c1"), "remove_container"); break;
    case 11: check(engine->inspect_container("c1"), "inspect_container"); break;
    case 12: check(engine->list_containers("io.rigctl.managed=true"), "list_containers"); break;
    case 13: check(engine->put_archive("c1", "/tmp", std::string(1024, '\0')), "put_archive"); break;
    case 14: {
      rig::ExecRequest req;
      req.cmd = {"true"};
      req.timeout_ms = 10000;
      check(engine->exec("c1", req), "exec");
      break;
    }
    default: {
      auto r = engine->load_image([](int fd) -> rig::Status {
        std::string tar(2048, '\0');
        if (::write(fd, tar.data(), tar.size()) < 0) return rig::internal_error("write");
        return rig::ok();
      });
      check(r, "load_image");
      break;
    }
  }
  if (bad_request_line) rig::fuzz::finding("an engine reply changed a later request line: " + bad_line);
  return 0;
}
