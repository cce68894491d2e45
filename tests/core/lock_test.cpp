// Locks and leases (core/lock.hpp): flock semantics between threads and processes, and a lease's
// life and death as `rigctl gc` sees them.
#include "support/catch.hpp"

#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/fs.hpp"
#include "core/interrupt.hpp"
#include "core/lock.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_lock {

using rig::FileLock;
using rigtest::TempDir;
namespace fs = std::filesystem;
namespace ld = rig::lease_detail;

namespace {

// A child process that flocks `path` exclusively, signals readiness on a pipe, and sleeps until
// killed: another process holding a lock, and dying with it.
pid_t hold_in_child(const fs::path& path) {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  return pid;
}

void kill_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
}

}  // namespace

TEST_CASE("lock: an exclusive lock excludes others until it is released", "[core][lock]") {
  TempDir t;
  auto path = t / "locks/a.lock";
  auto first = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  auto second = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(second.ok());
  CHECK_FALSE(second->has_value());
  auto shared = FileLock::try_acquire(path, FileLock::Mode::Shared);
  REQUIRE(shared.ok());
  CHECK_FALSE(shared->has_value());
  first->reset();
  auto third = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(third.ok());
  CHECK(third->has_value());
}

TEST_CASE("lock: shared locks coexist and keep a writer out; downgrade lets readers in", "[core][lock]") {
  TempDir t;
  auto path = t / "s.lock";
  auto a = FileLock::try_acquire(path, FileLock::Mode::Shared);
  auto b = FileLock::try_acquire(path, FileLock::Mode::Shared);
  REQUIRE((a.ok() && a->has_value() && b.ok() && b->has_value()));
  auto w = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(w.ok());
  CHECK_FALSE(w->has_value());
  a->reset();
  b->reset();
  auto x = FileLock::acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(x.ok());
  auto r = FileLock::try_acquire(path, FileLock::Mode::Shared);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  REQUIRE(x->downgrade().ok());
  auto r2 = FileLock::try_acquire(path, FileLock::Mode::Shared);
  REQUIRE(r2.ok());
  CHECK(r2->has_value());
}

TEST_CASE("lock: acquire waits for another thread's lock, telling once that it waits", "[core][lock]") {
  TempDir t;
  auto path = t / "w.lock";
  auto held = FileLock::acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(held.ok());
  std::atomic<int> told{0};
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto l = FileLock::acquire(path, FileLock::Mode::Exclusive, [&] { ++told; });
    got = l.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(got.load());
  { auto drop = std::move(held.value()); }
  waiter.join();
  CHECK(got.load());
  CHECK(told.load() == 1);
}

TEST_CASE("lock: a lock held by a process that dies is free at once", "[core][lock]") {
  TempDir t;
  auto path = t / "p.lock";
  pid_t pid = hold_in_child(path);
  auto busy = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(busy.ok());
  CHECK_FALSE(busy->has_value());
  kill_child(pid);
  auto free = FileLock::try_acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(free.ok());
  CHECK(free->has_value());
}

TEST_CASE("lock: waiting for a lock ends with Interrupted on SIGINT", "[core][lock]") {
  TempDir t;
  auto path = t / "i.lock";
  auto held = FileLock::acquire(path, FileLock::Mode::Exclusive);
  REQUIRE(held.ok());
  rig::simulate_interrupt_for_tests();
  auto r = FileLock::acquire(path, FileLock::Mode::Exclusive);
  rig::reset_interrupted_for_tests();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().category() == rig::Category::Interrupted);
}

TEST_CASE("lock: a lock file that cannot be created is an error naming it", "[core][lock]") {
  TempDir t;
  rigtest::write_text(t / "file", "x");
  auto r = FileLock::try_acquire(t / "file/sub.lock", FileLock::Mode::Exclusive);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().what(), Catch::StartsWith("cannot open lock file '" + (t / "file/sub.lock").string() + "'"));
}

TEST_CASE("lock: describe writes who holds the lock, lock_holder reads it", "[core][lock]") {
  TempDir t;
  auto l = FileLock::acquire(t / "d.lock", FileLock::Mode::Exclusive);
  REQUIRE(l.ok());
  l->describe("pid 1: a much longer description first\n");
  l->describe("pid 2: build x\n");
  CHECK(rig::lock_holder(t / "d.lock") == "pid 2: build x");
  CHECK(rig::lock_holder(t / "missing.lock") == "");
}

TEST_CASE("lease: live while held, dead once released; runs follow their lease", "[core][lock][lease]") {
  TempDir t;
  auto lease = ld::acquire_lease(t.path(), "rigctl unit");
  REQUIRE(lease.ok());
  CHECK(lease->id.size() == 16);
  CHECK(fs::exists(t / ("leases/" + lease->id + ".lock")));
  CHECK_THAT(rigtest::read_text(t / ("leases/" + lease->id + ".lock")),
             Catch::StartsWith("pid " + std::to_string(::getpid()) + " start ") && Catch::Contains("(rigctl unit)"));
  CHECK(ld::lease_live_in(t.path(), lease->id));
  REQUIRE(ld::register_run_in(t.path(), lease->id, "run1").ok());
  auto live = ld::snapshot_runs_in(t.path());
  CHECK(live.live_runs == std::set<std::string>{"run1"});
  CHECK(live.dead_runs.empty());
  // Nothing of a live lease is removed.
  CHECK(ld::remove_dead_leases_in(t.path()) == 0);

  ld::release_lease(*lease);
  CHECK_FALSE(ld::lease_live_in(t.path(), lease->id));
  auto dead = ld::snapshot_runs_in(t.path());
  CHECK(dead.live_runs.empty());
  CHECK(dead.dead_runs == std::set<std::string>{"run1"});
  CHECK(ld::remove_dead_leases_in(t.path()) == 2);  // the run registration and the lease file
  CHECK(rigtest::list_dir(t / "runs").empty());
  CHECK(rigtest::list_dir(t / "leases").empty());
}

TEST_CASE("lease: a lease whose process was killed is dead", "[core][lock][lease]") {
  TempDir t;
  fs::create_directories(t / "leases");
  // What acquire_lease leaves: <id>.lock, flocked by its holder.
  pid_t pid = hold_in_child(t / "leases/0123456789abcdef.lock");
  REQUIRE(ld::register_run_in(t.path(), "0123456789abcdef", "killed").ok());
  CHECK(ld::lease_live_in(t.path(), "0123456789abcdef"));
  CHECK(ld::snapshot_runs_in(t.path()).live_runs.count("killed"));
  kill_child(pid);
  CHECK_FALSE(ld::lease_live_in(t.path(), "0123456789abcdef"));
  CHECK(ld::snapshot_runs_in(t.path()).dead_runs.count("killed"));
}

TEST_CASE("lease: hostile ids are neither registered nor looked up", "[core][lock][lease]") {
  TempDir t;
  auto lease = ld::acquire_lease(t.path(), "rigctl unit");
  REQUIRE(lease.ok());
  for (const std::string& bad : std::vector<std::string>{"../escape", "", "a/b", ".hidden", std::string(65, 'a'), "UPPER"}) {
    auto st = ld::register_run_in(t.path(), lease->id, bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().what() == "run id '" + bad + "' is not a plain name");
  }
  CHECK_FALSE(ld::lease_live_in(t.path(), "../leases/x"));
  auto none = ld::register_run_in(t.path(), "", "run");
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().what(), Catch::StartsWith("no lease under"));
  // A registration naming a lease that never existed is a dead run.
  rigtest::write_text(t / "runs/orphan", "ffffffffffffffff\n");
  CHECK(ld::snapshot_runs_in(t.path()).dead_runs.count("orphan"));
  ld::release_lease(*lease);
}

TEST_CASE("lease: the process lease lives in RIGCTL_RUNTIME_DIR and registers runs", "[core][lock][lease]") {
  // process_lease() is taken once per process; only check it is consistent with runtime_dir().
  const auto& id = rig::process_lease();
  if (id.empty()) {
    WARN("no usable runtime dir here: " << rig::runtime_dir());
    return;
  }
  CHECK(rig::lease_live(id));
  REQUIRE(rig::register_run("unitrun" + rig::random_token(6)).ok());
}

TEST_CASE("lease: runtime_dir follows RIGCTL_RUNTIME_DIR", "[core][lock]") {
  rigtest::EnvGuard env("RIGCTL_RUNTIME_DIR");
  env.set("/some/where");
  CHECK(rig::runtime_dir() == fs::path("/some/where"));
  env.unset();
  if (::geteuid() == 0) CHECK(rig::runtime_dir() == fs::path("/run/rigctl"));
}

TEST_CASE("lock: a thread waiting for a lock it holds itself is told, not left hanging", "[core][lock]") {
  TempDir t;
  auto path = t / "self.lock";
  auto shared = FileLock::acquire(path, FileLock::Mode::Shared);
  REQUIRE(shared.ok());
  auto again = FileLock::acquire(path, FileLock::Mode::Exclusive);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().what() == "'" + path.string() + "' is held by this same rigctl thread: waiting for it would never end");
  // Another thread still waits, and gets it once the holder lets go.
  std::atomic<bool> got{false};
  std::thread other([&] { got = FileLock::acquire(path, FileLock::Mode::Exclusive).ok(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(got.load());
  { auto drop = std::move(shared.value()); }
  other.join();
  CHECK(got.load());
}

}  // namespace rigtest_core_lock
