#include "vmhost/port_mirror.hpp"

#include "core/json_reader.hpp"
#include "core/text.hpp"
#include "core/thread.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>


namespace rig {

namespace {

constexpr const char* kNetdev = "n0";  // qemu_command.cpp names the user-mode netdev so

// The next QMP message that is not an asynchronous event, within the deadline. QMP sends one JSON
// object per line.
Result<json> read_reply(int fd, std::string& buf, int timeout_ms) {
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      auto line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      auto j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object() && !j.contains("event")) return j;
    }
    int left = timeout_ms - static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    if (left <= 0) return internal_error("qemu monitor: no answer within " + std::to_string(timeout_ms) + " ms");
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return internal_error("qemu monitor closed the connection");
    buf.append(chunk, static_cast<size_t>(n));
  }
}

Status send_line(int fd, const json& j) {
  std::string line = j.dump() + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return internal_error("qemu monitor: write failed");
  return ok();
}

}  // namespace

std::set<uint16_t> loopback_tcp_ports(const json& containers) {
  std::set<uint16_t> out;
  if (!containers.is_array()) return out;
  // The VM's engine is not trusted to send the documented shape: anything else is skipped, never thrown.
  for (auto& c : containers) {
    const json& ports = member_or_null(c, "Ports");
    if (!ports.is_array()) continue;
    for (auto& p : ports) {
      const json& port = member_or_null(p, "PublicPort");
      if (str_member(p, "IP") == "127.0.0.1" && str_member(p, "Type") == "tcp" && port.is_number_unsigned() &&
          port.get<uint64_t>() > 0 && port.get<uint64_t>() <= 65535)
        out.insert(static_cast<uint16_t>(port.get<uint64_t>()));
    }
  }
  return out;
}

std::string hostfwd_add_command(uint16_t port) {
  auto p = std::to_string(port);
  return std::string("hostfwd_add ") + kNetdev + " tcp:127.0.0.1:" + p + "-:" + p;
}

std::string hostfwd_remove_command(uint16_t port) {
  return std::string("hostfwd_remove ") + kNetdev + " tcp:127.0.0.1:" + std::to_string(port);
}

Result<std::string> monitor_command(const std::filesystem::path& socket, const std::string& command) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return internal_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, socket.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return internal_error("cannot connect to the qemu monitor " + socket.string() + ": " + e);
  }
  // QMP: greeting, capabilities handshake, then the HMP command wrapped in human-monitor-command,
  // whose "return" is HMP's output (empty on success).
  auto talk = [&]() -> Result<std::string> {
    std::string buf;
    RIG_TRY(auto greeting, read_reply(fd, buf, 5000));
    (void)greeting;
    RIG_CHECK(send_line(fd, {{"execute", "qmp_capabilities"}}));
    RIG_TRY(auto caps, read_reply(fd, buf, 5000));
    (void)caps;
    RIG_CHECK(send_line(fd, {{"execute", "human-monitor-command"}, {"arguments", {{"command-line", command}}}}));
    RIG_TRY(auto r, read_reply(fd, buf, 5000));
    if (!member_or_null(r, "error").is_null())
      return internal_error("qemu monitor: " + str_member(member_or_null(r, "error"), "desc", valid_utf8(truncate_utf8(r.dump(), 2000))));
    return str_member(r, "return");
  };
  auto reply = talk();
  ::close(fd);
  return reply;
}

PortMirror::PortMirror(std::function<Result<json>()> list, std::filesystem::path monitor, std::function<void(const std::string&)> log)
    : list_(std::move(list)), monitor_(std::move(monitor)), log_(std::move(log)) {}

Status PortMirror::start() {
  RIG_TRY(thread_, start_thread("the port mirror", [this] { loop(); }));
  return ok();
}

PortMirror::~PortMirror() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void PortMirror::loop() {
  while (!stop_) {
    if (auto listing = list_()) {
      std::set<uint16_t> want;
      try {
        want = loopback_tcp_ports(*listing);
      } catch (const json::exception&) {
      }
      for (auto p : want)
        if (!forwarded_.count(p)) {
          auto reply = monitor_command(monitor_, hostfwd_add_command(p));
          // qemu answers an empty line on success, an explanation otherwise (the port is taken here).
          bool ok = reply && reply->find_first_not_of("\r\n ") == std::string::npos;
          if (ok) forwarded_.insert(p);
          if (log_) log_(ok ? "mirror 127.0.0.1:" + std::to_string(p) + " from the VM"
                            : "cannot mirror 127.0.0.1:" + std::to_string(p) + ": " + (reply ? *reply : reply.error().what()));
          if (!ok) forwarded_.insert(p);  // said once; not retried every poll
        }
      for (auto it = forwarded_.begin(); it != forwarded_.end();)
        if (!want.count(*it)) {
          (void)monitor_command(monitor_, hostfwd_remove_command(*it));
          it = forwarded_.erase(it);
        } else {
          ++it;
        }
    }
    for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace rig
