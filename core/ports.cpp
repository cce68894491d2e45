#include "core/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <set>

namespace rig {

namespace fs = std::filesystem;

namespace {

std::mutex g_ports_mu;
std::set<uint32_t> g_ports_held;  // ports this process has handed out (named apart from lock.cpp's: unity batches)

// 0 when 127.0.0.1:port can be bound, else the errno of the socket or the bind.
int port_bind_errno(uint32_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  // As docker-proxy binds: SO_REUSEADDR, so a port in TIME_WAIT counts as free, as it is for it.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int err = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// Why [base, base + count) cannot be had, or "" with `locks` holding every port. An error when the
// host refused a descriptor (ulimit -n): every window would look taken, and the hint to choose another
// range would send the user the wrong way.
Result<std::string> try_window(const fs::path& dir, uint32_t base, uint32_t count, std::vector<FileLock>& locks) {
  for (uint32_t p = base; p < base + count; ++p)
    if (g_ports_held.count(p)) return "port " + std::to_string(p) + " is reserved by another rig of this rigctl";
  for (uint32_t p = base; p < base + count; ++p) {
    auto path = dir / (std::to_string(p) + ".lock");
    auto got = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
    if (!got && got.error().category() == Category::Unavailable) return std::move(got).error();
    if (!got) return got.error().what();
    if (!*got) {
      auto who = lock_holder(path);
      return "port " + std::to_string(p) + " is reserved by another rigctl" + (who.empty() ? "" : " (" + who + ")");
    }
    locks.push_back(std::move(**got));
  }
  for (uint32_t p = base; p < base + count; ++p) {
    int err = port_bind_errno(p);
    if (is_resource_errno(err)) return resource_error("cannot probe loopback port " + std::to_string(p), err);
    if (err) return "port " + std::to_string(p) + " is in use on 127.0.0.1";
  }
  return std::string();
}

}  // namespace

struct PortReserver {
  // The window, or nullptr with `why` when it is taken; an error only when the host refused a resource.
  static Result<std::shared_ptr<PortWindow>> at(const fs::path& dir, uint32_t base, uint32_t count, std::string& why) {
    std::lock_guard lock(g_ports_mu);
    std::vector<FileLock> locks;
    RIG_TRY(why, try_window(dir, base, count, locks));
    if (!why.empty()) return std::shared_ptr<PortWindow>();
    for (uint32_t p = base; p < base + count; ++p) g_ports_held.insert(p);
    for (auto& l : locks) l.describe("pid " + std::to_string(::getpid()) + "\n");
    return std::shared_ptr<PortWindow>(new PortWindow(base, count, std::move(locks)));
  }
};

PortWindow::~PortWindow() {
  std::lock_guard lock(g_ports_mu);
  for (uint32_t p = base_; p < base_ + count_; ++p) g_ports_held.erase(p);
  locks_.clear();  // under the mutex: a thread that sees the ports free in g_ports_held finds the flocks free too
}

bool loopback_port_free(uint32_t port) { return port != 0 && port <= 65535 && port_bind_errno(port) == 0; }

Result<std::shared_ptr<PortWindow>> reserve_ports_at_in(const fs::path& dir, uint32_t base, uint32_t count) {
  if (count == 0 || base == 0 || base + count - 1 > 65535)
    return usage_error("ports " + std::to_string(base) + "-" + std::to_string(base + count - 1) + " are not a valid port range");
  std::string why;
  RIG_TRY(auto w, PortReserver::at(dir, base, count, why));
  if (!w)
    return unavailable("loopback ports " + std::to_string(base) + "-" + std::to_string(base + count - 1) + " cannot be reserved: " + why,
                       "choose another range with --port-base");
  return w;
}

Result<std::shared_ptr<PortWindow>> reserve_port_window_in(const fs::path& dir, uint32_t from, uint32_t count, uint32_t end) {
  if (count == 0 || from == 0) return usage_error("an empty port window at " + std::to_string(from));
  end = std::min<uint32_t>(end, 65536);
  std::string last;
  for (uint32_t base = from; base + count <= end; base += count) {
    std::string why;
    RIG_TRY(auto w, PortReserver::at(dir, base, count, why));
    if (w) return w;
    last = why;
  }
  return unavailable("no free window of " + std::to_string(count) + " loopback ports between " + std::to_string(from) + " and " +
                         std::to_string(end - 1) + (last.empty() ? "" : " (last: " + last + ")"),
                     "other rigctl runs hold them (" + (runtime_dir() / "ports").string() +
                         ") or other programs listen there; wait for them, or choose another base port");
}

Result<std::shared_ptr<PortWindow>> reserve_ports_at(uint32_t base, uint32_t count) {
  return reserve_ports_at_in(runtime_dir() / "ports", base, count);
}

Result<std::shared_ptr<PortWindow>> reserve_port_window(uint32_t from, uint32_t count, uint32_t end) {
  return reserve_port_window_in(runtime_dir() / "ports", from, count, end);
}

}  // namespace rig
