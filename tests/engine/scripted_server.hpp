// A tiny engine stand-in for HTTP-level tests: a unix socket that answers each request with the
// canned raw bytes of the first route whose key ("METHOD /path...") prefixes the request line,
// then closes the connection (one request per connection, as rigctl's client does). Unmatched
// requests get a 404. Requests are recorded.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/catch.hpp"

namespace rigtest {

// An HTTP/1.1 response with a body and its length.
inline std::string http_reply(int status, const std::string& body, const std::string& type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// An exec start answer: the raw stream follows the headers until the connection closes.
inline std::string http_stream(const std::string& raw) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: close\r\n\r\n" + raw;
}

// One multiplexed-stream frame.
inline std::string exec_frame(char stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = stream;
  auto n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

class ScriptedServer {
 public:
  ScriptedServer(const std::string& path, std::vector<std::pair<std::string, std::string>> routes) : routes_(std::move(routes)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof a.sun_path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  // The request lines seen so far ("POST /v1.41/containers/create?name=x").
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Their bodies, in the same order.
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req = read_request(c);
      std::string line = req.substr(0, req.find(" HTTP/1.1"));
      {
        std::lock_guard lock(mu_);
        requests_.push_back(line);
        auto head_end = req.find("\r\n\r\n");
        bodies_.push_back(head_end == std::string::npos ? std::string() : req.substr(head_end + 4));
      }
      std::string answer = http_reply(404, "{\"message\":\"no route\"}");
      for (auto& [key, raw] : routes_)
        if (line.rfind(key, 0) == 0) {
          answer = raw;
          break;
        }
      size_t off = 0;
      while (off < answer.size()) {
        ssize_t n = ::send(c, answer.data() + off, answer.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::close(c);
    }
  }

  // The head and the body (Content-Length, or chunked up to its last chunk).
  static std::string read_request(int c) {
    std::string req;
    char buf[65536];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      auto head_end = req.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string head = req.substr(0, head_end);
        if (head.find("Transfer-Encoding: chunked") != std::string::npos) {
          if (req.find("\r\n0\r\n\r\n", head_end) != std::string::npos) break;
        } else {
          size_t want = 0;
          if (auto cl = head.find("Content-Length: "); cl != std::string::npos) want = std::stoul(head.substr(cl + 16));
          if (req.size() >= head_end + 4 + want) break;
        }
      }
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    return req;
  }

  int fd_ = -1;
  std::vector<std::pair<std::string, std::string>> routes_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<std::string> bodies_;
};

}  // namespace rigtest
