// Staging names carry the process lease, so a sweep tells a live build's staging (however long it
// has been growing) from a killed one's at once; commits exchange into place and are synced.
#include "support/catch.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/lock.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_fs_staging {

using rigtest::TempDir;
namespace fs = std::filesystem;

TEST_CASE("fs: staging names carry this process's lease", "[core][fs]") {
  TempDir t;
  auto s = rig::StagingDir::create(t / "entry");
  REQUIRE(s.ok());
  auto name = s->path().filename().string();
  const auto& lease = rig::process_lease();
  if (lease.empty()) {
    CHECK(rig::staging_lease(name).empty());
  } else {
    CHECK(rig::staging_lease(name) == lease);
    CHECK_THAT(name, Catch::StartsWith("entry.tmp-" + lease + "-"));
  }
  CHECK(rig::staging_lease("x.tmp-abcdefgh") == "");                    // an older rigctl's name
  CHECK(rig::staging_lease("x.tmp-0123456789abcdef-abcdefgh") == "0123456789abcdef");
  CHECK(rig::staging_lease("x.old-0123456789abcdef-abcdefgh") == "0123456789abcdef");
  CHECK(rig::staging_lease("x.tmp-0123456789ABCDEF-abcdefgh") == "");
  CHECK(rig::staging_lease("plain") == "");
}

TEST_CASE("fs: remove_stale_staging keeps a live lease's staging and removes a dead one's at once", "[core][fs]") {
  TempDir t;
  const auto& lease = rig::process_lease();
  if (lease.empty()) {
    WARN("no usable runtime dir: " << rig::runtime_dir());
    return;
  }
  // A live build's staging, its directory's mtime long past (a layer.tar growing inside does not
  // touch it): kept.
  auto live = t / ("base/k1.tmp-" + lease + "-aaaaaaaa");
  rigtest::write_text(live / "layer.tar", "growing");
  fs::last_write_time(live, fs::file_time_type::clock::now() - std::chrono::hours(5));
  // A killed build's staging, seconds old: its lease was never held by anyone alive.
  auto dead = t / "base/k2.tmp-ffffffffffffffff-bbbbbbbb";
  rigtest::write_text(dead / "layer.tar", "half");
  auto dead_old = t / "images/k3.old-ffffffffffffffff-cccccccc";
  fs::create_directories(dead_old);
  // An older rigctl's name, young: kept until it is an hour old.
  auto legacy = t / "base/k4.tmp-dddddddd";
  fs::create_directories(legacy);
  auto removed = rig::remove_stale_staging(t.path(), std::chrono::hours(1));
  std::set<fs::path> got(removed.begin(), removed.end());
  CHECK(got == std::set<fs::path>{dead, dead_old});
  CHECK(fs::exists(live / "layer.tar"));
  CHECK(fs::exists(legacy));
}

// Found by review: a SIGKILLed smoke left /tmp/rigctl-inner-XXXXXX (its inner image archives) and no
// gc removed it. ScratchDirs carry the lease now; gc sweeps $TMPDIR's own rigctl entries by it.
TEST_CASE("fs: remove_stale_scratch removes a killed rigctl's scratch dirs under TMPDIR, nothing else", "[core][fs]") {
  TempDir t;
  const auto& lease = rig::process_lease();
  if (lease.empty()) {
    WARN("no usable runtime dir: " << rig::runtime_dir());
    return;
  }
  rigtest::EnvGuard tmpdir("TMPDIR");
  tmpdir.set(t.path().string());
  {
    auto mine = rig::ScratchDir::create("rigctl-inner");
    REQUIRE(mine.ok());
    CHECK(rig::staging_lease(mine->path().filename().string()) == lease);
    auto dead = t / "rigctl-inner.tmp-ffffffffffffffff-abcdef";
    fs::create_directories(dead / "images");
    auto legacy = t / "rigctl-inner-abcdef";  // no lease: whose it is cannot be told
    fs::create_directories(legacy);
    auto foreign = t / "other.tmp-ffffffffffffffff-abcdef";  // not rigctl's
    fs::create_directories(foreign);
    // Another user's live scratch (found in CI: root's gc removed a rootless build's): its lease is
    // not in this runtime dir, but it holds the directory's flock.
    auto others = t / "rigctl-mmdebstrap.tmp-eeeeeeeeeeeeeeee-abcdef";
    fs::create_directories(others);
    int held = ::open(others.c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);
    auto removed = rig::remove_stale_scratch();
    CHECK(removed == std::vector<fs::path>{dead});
    CHECK(fs::exists(others));
    ::close(held);
    CHECK(rig::remove_stale_scratch() == std::vector<fs::path>{others});  // its holder is gone
    CHECK(mine->path().filename().string().starts_with("rigctl-inner.tmp-" + lease + "-"));
    CHECK(fs::exists(mine->path()));  // this process is alive
    CHECK(fs::exists(legacy));
    CHECK(fs::exists(foreign));
  }
}

// Found in CI: a root-mode mmdebstrap killed with its rigctl left /proc mounted in its chroot under
// /dev/shm, and every later unshare-mode bootstrap failed there. Its scratch carries the lease now
// (rigctl-mmdebstrap.tmp-<lease>-*), and gc detaches what is mounted inside before removing it.
TEST_CASE("fs: a killed build's scratch in another root is swept with the mounts left in it", "[core][fs]") {
  if (::geteuid() != 0) {
    WARN("needs root (mount)");
    return;
  }
  TempDir tmp, shm;
  rigtest::EnvGuard tmpdir("TMPDIR");
  tmpdir.set(tmp.path().string());
  // Whatever a failing check leaves mounted is detached before the temporary directories go.
  struct Unmount {
    fs::path root;
    ~Unmount() {
      for (auto& m : rig::mounts_below(root)) ::umount2(m.c_str(), MNT_DETACH);
    }
  } unmount{shm.path()};
  auto dead = shm / "rigctl-mmdebstrap.tmp-ffffffffffffffff-abcdef";
  auto proc = dead / "mmdebstrap.X" / "proc";
  auto spaced = dead / "mmdebstrap.X" / "dev" / "a b";  // mountinfo writes the space as \040
  fs::create_directories(proc);
  fs::create_directories(spaced);
  REQUIRE(::mount("tmpfs", proc.c_str(), "tmpfs", 0, "size=1m") == 0);
  REQUIRE(::mount("tmpfs", spaced.c_str(), "tmpfs", 0, "size=1m") == 0);
  rigtest::write_text(proc / "inside", "x");
  auto nested = proc / "deeper";
  fs::create_directories(nested);
  REQUIRE(::mount("tmpfs", nested.c_str(), "tmpfs", 0, "size=1m") == 0);
  CHECK(rig::mounts_below(dead) == std::vector<fs::path>{nested, spaced, proc});  // deepest (longest) first
  CHECK(rig::mounts_below(dead / "mmdebstrap.X" / "proc").size() == 1);  // below, not the mount itself
  auto removed = rig::remove_stale_scratch({shm.path(), tmp.path()});
  CHECK(removed == std::vector<fs::path>{dead});
  CHECK_FALSE(fs::exists(dead));
  CHECK(rig::mounts_below(shm.path()).empty());
}

TEST_CASE("fs: StagingDir commit over an existing entry leaves only the new one", "[core][fs]") {
  TempDir t;
  rigtest::write_text(t / "e/a", "old");
  rigtest::write_text(t / "e/sub/b", "old");
  auto s = rig::StagingDir::create(t / "e");
  REQUIRE(s.ok());
  rigtest::write_text(s->path() / "a", "new");
  REQUIRE(s->commit().ok());
  CHECK(rigtest::read_text(t / "e/a") == "new");
  CHECK_FALSE(fs::exists(t / "e/sub"));
  CHECK(rigtest::list_dir(t.path()) == std::vector<std::string>{"e"});
}

// Found by review: a SIGKILLed `rigctl matrix` left "matrix-results.tmp-<lease>-…" in the user's
// directory for good (gc sweeps only rigctl's own cache and scratch roots, never a user's --out).
// The next StagingDir or write_output_file of the same destination removes what the dead left.
TEST_CASE("fs: a new staging of a destination removes a killed rigctl's siblings, nothing live", "[core][fs]") {
  TempDir t;
  const auto& lease = rig::process_lease();
  if (lease.empty()) {
    WARN("no usable runtime dir: " << rig::runtime_dir());
    return;
  }
  auto dead_dir = t / "out.tmp-ffffffffffffffff-abcdefgh";
  rigtest::write_text(dead_dir / "cells" / "x" / "cell.json", "{}");
  auto dead_old = t / "out.old-ffffffffffffffff-abcdefgh";
  fs::create_directories(dead_old);
  auto dead_file = t / "report.json.tmp-ffffffffffffffff-abcdefgh";
  rigtest::write_text(dead_file, "{\"half");
  // Live: this process's own lease; another runtime dir's rigctl, holding the flock; an older
  // rigctl's name (no lease); a name that only starts like it.
  auto live = t / ("out.tmp-" + lease + "-abcdefgh");
  fs::create_directories(live);
  auto held = t / "out.tmp-eeeeeeeeeeeeeeee-abcdefgh";
  fs::create_directories(held);
  int fd = ::open(held.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  auto legacy = t / "out.tmp-abcdefgh";
  fs::create_directories(legacy);
  auto other = t / "outer.tmp-ffffffffffffffff-abcdefgh";
  fs::create_directories(other);

  auto s = rig::StagingDir::create(t / "out");
  REQUIRE(s.ok());
  CHECK_FALSE(fs::exists(dead_dir));
  CHECK_FALSE(fs::exists(dead_old));
  CHECK(fs::exists(live));
  CHECK(fs::exists(held));
  CHECK(fs::exists(legacy));
  CHECK(fs::exists(other));
  CHECK(fs::exists(dead_file));  // another destination's
  // A live StagingDir is locked: a rigctl with another runtime dir (which cannot see this lease) keeps it.
  {
    int probe = ::open(s->path().c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(probe >= 0);
    CHECK(::flock(probe, LOCK_EX | LOCK_NB) != 0);
    ::close(probe);
  }
  CHECK(rig::remove_dead_siblings(t / "out").empty());
  CHECK(fs::exists(s->path()));

  REQUIRE(rig::write_output_file(t / "report.json", "{}").ok());
  CHECK_FALSE(fs::exists(dead_file));
  ::close(fd);
  CHECK(rig::remove_dead_siblings(t / "out") == std::vector<fs::path>{held});  // its holder is gone
  REQUIRE(s->commit().ok());
  CHECK(fs::exists(t / "out"));
}

TEST_CASE("fs: clone_or_copy_file gives an independent copy with the mode asked", "[core][fs]") {
  TempDir t;
  std::string big(300000, 'q');
  big[12345] = 'Z';
  rigtest::write_text(t / "src", big);
  ::chmod((t / "src").c_str(), 0444);
  REQUIRE(rig::clone_or_copy_file(t / "src", t / "dst", fs::perms(0644)).ok());
  CHECK(rigtest::read_text(t / "dst") == big);
  struct stat a {}, b {};
  REQUIRE(::stat((t / "src").c_str(), &a) == 0);
  REQUIRE(::stat((t / "dst").c_str(), &b) == 0);
  CHECK(a.st_ino != b.st_ino);
  CHECK(b.st_nlink == 1);
  CHECK((b.st_mode & 07777) == 0644);
  // Writing the copy leaves the source alone.
  rigtest::write_text(t / "dst", "changed");
  CHECK(rigtest::read_text(t / "src") == big);
  auto exists = rig::clone_or_copy_file(t / "src", t / "dst");
  REQUIRE_FALSE(exists.ok());
  CHECK_THAT(exists.error().what(), Catch::StartsWith("cannot create '" + (t / "dst").string() + "': File exists"));
  auto missing = rig::clone_or_copy_file(t / "nope", t / "dst2");
  REQUIRE_FALSE(missing.ok());
  CHECK_FALSE(fs::exists(t / "dst2"));
}

TEST_CASE("fs: random_token is [a-z0-9] and differs between threads", "[core][fs]") {
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        auto s = rig::random_token(12);
        std::lock_guard lock(mu);
        seen.insert(s);
      }
    });
  for (auto& th : threads) th.join();
  CHECK(seen.size() == 1600);
  for (auto& s : seen) CHECK(s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
  CHECK(rig::random_token(3).size() == 3);
}

TEST_CASE("fs: fsync_tree syncs a tree and reports a missing root", "[core][fs]") {
  TempDir t;
  rigtest::write_text(t / "a/b/c", "x");
  CHECK(rig::fsync_tree(t.path()).ok());
  auto st = rig::fsync_tree(t / "missing");
  CHECK_FALSE(st.ok());
}

}  // namespace rigtest_core_fs_staging
