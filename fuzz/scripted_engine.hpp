// The fake engine of the reply harnesses (engine_replies, incus_replies): a unix socket served by a
// thread of the harness process, answering each request with the next scripted reply and noting a
// request line that is not well formed (a reply must never change the shape of a later request).
// An input scripts the replies: one per request, separated by kSeparator; a reply's first byte picks
// its status (kStatuses), the rest is its body. Requests beyond the script get 200 "{}".
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstring>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/http.hpp"
#include "fuzz/fuzz_support.hpp"

namespace rig::fuzz::scripted {

inline constexpr int kStatuses[] = {200, 201, 204, 304, 404, 400, 500, 409};

struct Reply {
  int status = 200;
  std::string body = "{}";
};

inline std::mutex mu;
inline std::deque<Reply> script;
inline std::atomic<bool> bad_request_line{false};
inline std::string bad_line;
inline std::string socket_path;

inline bool read_some(int fd, std::string& buf) {
  char tmp[65536];
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10000) <= 0) return false;
  ssize_t n = ::read(fd, tmp, sizeof tmp);
  if (n <= 0) return false;
  buf.append(tmp, static_cast<size_t>(n));
  return true;
}

// Reads one request (headers and a Content-Length or chunked body); false if the client went away.
inline bool read_request(int fd, std::string& head) {
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
inline bool well_formed(const std::string& head) {
  std::string line = head.substr(0, head.find("\r\n"));
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp1 == sp2 || line.substr(sp2) != " HTTP/1.1") return false;
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (path.empty() || path[0] != '/') return false;
  for (unsigned char c : path)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

inline void serve(int listener) {
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

inline void start_server() {
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

// The next call's replies, from the input after its first byte (the harness's choice of call).
inline void load_script(const std::vector<std::string>& parts) {
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

// One input: its replies loaded, and the call it picks (byte 0); nothing for an input to skip (empty,
// or more replies than any call of the harness makes).
inline std::optional<int> begin_input(const uint8_t* data, size_t size, size_t max_replies) {
  if (size == 0) return std::nullopt;
  auto parts = split_input(data + 1, size - 1);
  if (parts.size() > max_replies) return std::nullopt;
  load_script(parts);
  return static_cast<int>(data[0]);
}

// The fake engine's socket as a client reaches it.
inline rig::Endpoint endpoint() {
  auto ep = rig::parse_endpoint("unix://" + socket_path);
  if (!ep) finding("parse_endpoint of the harness socket: " + ep.error().what());
  return *ep;
}

// An engine that misbehaves is never a crash, an escaped exception or a usage error: a call's error
// is Internal or Unavailable (a harness checks its documented usage errors itself).
inline void expect_engine_error(const rig::Error& e, const char* call) {
  expect_category(e, call, {rig::Category::Internal, rig::Category::Unavailable});
}
template <class T>
void check(const rig::Result<T>& r, const char* call) {
  if (!r) expect_engine_error(r.error(), call);
}

// LLVMFuzzerInitialize of both harnesses: rigctl ignores SIGPIPE (install_interrupt_handlers), so a
// reply cut short, or a request body the fake engine did not read, is EPIPE, not a signal.
inline void init_harness() {
  ::signal(SIGPIPE, SIG_IGN);
  start_server();
}

inline void check_request_lines() {
  if (bad_request_line) finding("an engine reply changed a later request line: " + bad_line);
}

}  // namespace rig::fuzz::scripted
