#include "support/catch.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/thread.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_thread {

using rig::Category;

// The gate is process-wide: each test sets it and puts it back.
struct ThreadBudget {
  explicit ThreadBudget(int n) { rig::set_thread_gate_for_tests(rig::thread_budget(n)); }
  ~ThreadBudget() { rig::set_thread_gate_for_tests({}); }
};

// A queue of `n` items the workers share, as ablate's and matrix's do; records which threads took them.
struct Queue {
  explicit Queue(size_t n) : size(n) {}
  size_t size;
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  void work() {
    for (size_t k = next++; k < size; k = next++) {
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ++done;
    }
  }
};

TEST_CASE("thread: run_workers spreads a queue over the threads it is given", "[core][thread]") {
  Queue q(40);
  REQUIRE(rig::run_workers(4, "test", [&] { q.work(); }).ok());
  CHECK(q.done == 40);
  CHECK(q.threads.size() >= 2);
  CHECK(q.threads.count(std::this_thread::get_id()) == 0);  // the caller only waits
}

// Measured (2026-12-07): `rigctl smoke` under a cgroup's pids.max 4 aborted (std::thread threw with
// other threads joinable: std::terminate) and left its rig running.
TEST_CASE("thread: refused every thread (a pids limit), run_workers does the whole queue on the calling thread", "[core][thread]") {
  ThreadBudget none(0);
  Queue q(10);
  REQUIRE(rig::run_workers(4, "test", [&] { q.work(); }).ok());
  CHECK(q.done == 10);
  CHECK(q.threads == std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_CASE("thread: refused after the first, the one started carries the queue alone", "[core][thread]") {
  ThreadBudget one(1);
  Queue q(10);
  REQUIRE(rig::run_workers(4, "test", [&] { q.work(); }).ok());
  CHECK(q.done == 10);
  CHECK(q.threads.size() == 1);
  CHECK(q.threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("thread: start_thread refused is an Unavailable error naming the thread and the limits", "[core][thread]") {
  ThreadBudget none(0);
  auto t = rig::start_thread("the port mirror", [] {});
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().category() == Category::Unavailable);
  CHECK(rig::exit_code(t.error().category()) == 3);
  CHECK(t.error().what() == "cannot start a thread for the port mirror: " + std::string(std::strerror(EAGAIN)));
  CHECK(t.error().hint().find("pids.max") != std::string::npos);
  CHECK(t.error().hint().find("ulimit -u") != std::string::npos);
}

TEST_CASE("thread: an exception escaping a worker ends that worker, the others finish, the caller gets a Defect", "[core][thread]") {
  Queue q(20);
  std::atomic<bool> thrown{false};
  auto st = rig::run_workers(3, "ablate", [&] {
    if (!thrown.exchange(true)) throw std::logic_error("boom");
    q.work();
  });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == Category::Defect);
  CHECK(st.error().what() == "ablate: unexpected exception: boom");
  CHECK(q.done == 20);  // the two workers left did the queue
}

TEST_CASE("thread: an exception escaping a start_thread thread never terminates the process", "[core][thread]") {
  std::atomic<bool> ran{false};
  auto t = rig::start_thread("test", [&] {
    ran = true;
    throw std::runtime_error("escaped");
  });
  REQUIRE(t.ok());
  t.value().join();
  CHECK(ran);
}

TEST_CASE("thread: guarded reports the host's refusals as resources (exit 3), other exceptions as defects (70)", "[core][thread][error]") {
  auto oom = rig::guarded("matrix", []() -> rig::Status { throw std::bad_alloc(); });
  CHECK(oom.error().category() == Category::Unavailable);
  CHECK(oom.error().what() == "matrix: " + std::string(std::strerror(ENOMEM)));
  CHECK(oom.error().hint().find("ulimit -v") != std::string::npos);

  auto refused = rig::guarded("smoke", []() -> rig::Status {
    throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again), "thread");
  });
  CHECK(refused.error().category() == Category::Unavailable);
  CHECK(refused.error().hint().find("pids.max") != std::string::npos);

  auto other = rig::guarded("smoke", []() -> rig::Status {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument), "mutex");
  });
  CHECK(other.error().category() == Category::Defect);

  CHECK(rig::resource_error("x", EMFILE).hint().find("ulimit -n") != std::string::npos);
  CHECK(rig::is_resource_errno(EAGAIN));
  CHECK_FALSE(rig::is_resource_errno(ENOENT));
}

// A file size limit: the write fails with EFBIG and is reported, nothing half-written is left, and
// SIGXFSZ (ignored by rigctl's handlers) does not kill the process. In a child: the limit and the
// dispositions are process-wide.
TEST_CASE("thread: under a file size limit write_file_atomic fails with a hint and leaves no staging file", "[core][fs]") {
  rigtest::TempDir dir;
  const auto out = dir / "big.json";
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rig::install_interrupt_handlers();
    struct rlimit lim {1024, 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    auto st = rig::write_file_atomic(out, std::string(4096, 'x'));
    int code = 10;
    if (!st.ok() && st.error().what().find(std::strerror(EFBIG)) != std::string::npos &&
        st.error().hint().find("ulimit -f") != std::string::npos)
      code = 0;
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));  // not killed by SIGXFSZ
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(std::filesystem::exists(out));
  size_t left = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++left;
  CHECK(left == 0);
}

}  // namespace rigtest_core_thread
