// Port reservations (core/ports.hpp): no window is handed out twice, by threads of one rigctl or by
// two rigctl processes, a port something listens on is skipped, and running out is an error.
#include "support/catch.hpp"

#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <thread>

#include "core/ports.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_ports {

using rigtest::TempDir;
namespace fs = std::filesystem;

namespace {

// A port nothing listens on now, from the kernel's ephemeral range, with `n` ports after it free too.
uint32_t free_run(uint32_t n) {
  for (uint32_t base = 42000; base + n < 60000; base += 97) {
    bool all = true;
    for (uint32_t p = base; p < base + n && all; ++p) all = rig::loopback_port_free(p);
    if (all) return base;
  }
  FAIL("no free run of " << n << " ports");
  return 0;
}

struct Listener {
  int fd = -1;
  explicit Listener(uint32_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 1) == 0);
  }
  ~Listener() { ::close(fd); }
};

}  // namespace

TEST_CASE("ports: windows handed out in one process never overlap, and come back when released", "[core][ports]") {
  TempDir t;
  uint32_t base = free_run(40);
  auto a = rig::reserve_port_window_in(t.path(), base, 10, base + 40);
  auto b = rig::reserve_port_window_in(t.path(), base, 10, base + 40);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->base() == base);
  CHECK((*b)->base() == base + 10);
  // The exact window is taken.
  auto exact = rig::reserve_ports_at_in(t.path(), base + 5, 3);
  REQUIRE_FALSE(exact.ok());
  CHECK(exact.error().category() == rig::Category::Unavailable);
  CHECK(exact.error().what() == "loopback ports " + std::to_string(base + 5) + "-" + std::to_string(base + 7) +
                                    " cannot be reserved: port " + std::to_string(base + 5) +
                                    " is reserved by another rig of this rigctl");
  a->reset();
  auto again = rig::reserve_port_window_in(t.path(), base, 10, base + 40);
  REQUIRE(again.ok());
  CHECK((*again)->base() == base);
}

TEST_CASE("ports: threads racing for windows each get their own", "[core][ports]") {
  TempDir t;
  uint32_t base = free_run(80);
  std::mutex mu;
  std::set<uint32_t> bases;
  std::vector<std::shared_ptr<rig::PortWindow>> keep;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto w = rig::reserve_port_window_in(t.path(), base, 10, base + 80);
      std::lock_guard lock(mu);
      if (w.ok()) {
        bases.insert((*w)->base());
        keep.push_back(*w);
      }
    });
  for (auto& th : threads) th.join();
  CHECK(bases.size() == 8);
  CHECK(keep.size() == 8);
}

TEST_CASE("ports: a window another process holds is skipped; the holder's death frees it", "[core][ports]") {
  TempDir t;
  uint32_t base = free_run(20);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto path = t / (std::to_string(base + 3) + ".lock");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
    (void)!::write(fd, "pid other\n", 10);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  auto w = rig::reserve_port_window_in(t.path(), base, 10, base + 20);
  REQUIRE(w.ok());
  CHECK((*w)->base() == base + 10);
  auto exact = rig::reserve_ports_at_in(t.path(), base, 10);
  REQUIRE_FALSE(exact.ok());
  CHECK_THAT(exact.error().what(), Catch::EndsWith("port " + std::to_string(base + 3) + " is reserved by another rigctl (pid other)"));
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
  auto freed = rig::reserve_ports_at_in(t.path(), base, 10);
  CHECK(freed.ok());
}

TEST_CASE("ports: a port something listens on is skipped", "[core][ports]") {
  TempDir t;
  uint32_t base = free_run(20);
  Listener busy(base + 9);
  auto w = rig::reserve_port_window_in(t.path(), base, 10, base + 20);
  REQUIRE(w.ok());
  CHECK((*w)->base() == base + 10);
  auto exact = rig::reserve_ports_at_in(t.path(), base, 10);
  REQUIRE_FALSE(exact.ok());
  CHECK_THAT(exact.error().what(), Catch::EndsWith("port " + std::to_string(base + 9) + " is in use on 127.0.0.1"));
}

TEST_CASE("ports: running out is an Unavailable error, never port 0", "[core][ports]") {
  TempDir t;
  uint32_t base = free_run(10);
  Listener busy(base + 4);
  auto w = rig::reserve_port_window_in(t.path(), base, 10, base + 10);
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().category() == rig::Category::Unavailable);
  CHECK(rig::exit_code(w.error().category()) == 3);
  CHECK_THAT(w.error().what(), Catch::StartsWith("no free window of 10 loopback ports between " + std::to_string(base) + " and " +
                                                 std::to_string(base + 9)));
  CHECK_THAT(w.error().what(), Catch::Contains("is in use on 127.0.0.1"));
  CHECK_FALSE(w.error().hint().empty());
}

TEST_CASE("ports: ranges outside 1-65535 are refused", "[core][ports]") {
  TempDir t;
  auto high = rig::reserve_ports_at_in(t.path(), 65530, 10);
  REQUIRE_FALSE(high.ok());
  CHECK(high.error().category() == rig::Category::Usage);
  CHECK(high.error().what() == "ports 65530-65539 are not a valid port range");
  auto zero = rig::reserve_ports_at_in(t.path(), 0, 10);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().category() == rig::Category::Usage);
  auto none = rig::reserve_port_window_in(t.path(), 65530, 10, 65536);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().category() == rig::Category::Unavailable);
  CHECK_FALSE(rig::loopback_port_free(0));
  CHECK_FALSE(rig::loopback_port_free(70000));
}

}  // namespace rigtest_core_ports
