#include "support/catch.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "core/fs.hpp"
#include "support/test_util.hpp"

namespace rigtest_core_fs {

using rigtest::list_dir;
using rigtest::read_text;
using rigtest::TempDir;
using rigtest::write_text;
namespace fs = std::filesystem;

TEST_CASE("fs: write_file_atomic writes the content and leaves no temp files", "[core][fs]") {
  TempDir t;
  auto st = rig::write_file_atomic(t / "out.txt", "hello\n");
  REQUIRE(st.ok());
  CHECK(read_text(t / "out.txt") == "hello\n");
  CHECK(list_dir(t.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("fs: write_file_atomic replaces an existing file", "[core][fs]") {
  TempDir t;
  write_text(t / "out.txt", "old content that is longer\n");
  REQUIRE(rig::write_file_atomic(t / "out.txt", "new").ok());
  CHECK(read_text(t / "out.txt") == "new");
  CHECK(list_dir(t.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("fs: write_file_atomic creates parent directories and applies the mode", "[core][fs]") {
  TempDir t;
  auto p = t / "a/b/c/secret";
  REQUIRE(rig::write_file_atomic(p, std::string("x\0y", 3), fs::perms(0600)).ok());
  CHECK(read_text(p) == std::string("x\0y", 3));
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(list_dir(t / "a/b/c") == std::vector<std::string>{"secret"});
  REQUIRE(rig::write_file_atomic(t / "plain", "").ok());
  REQUIRE(::stat((t / "plain").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(fs::file_size(t / "plain") == 0);
}

TEST_CASE("fs: write_file_atomic fails as Internal when the destination is a directory", "[core][fs]") {
  TempDir t;
  fs::create_directories(t / "dest/inner");
  auto st = rig::write_file_atomic(t / "dest", "x");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().category() == rig::Category::Internal);
  CHECK_THAT(st.error().what(), Catch::Contains("'" + (t / "dest").string() + "' exists and is not a regular file"));
  // Nothing half-written stays behind.
  CHECK(list_dir(t.path()) == std::vector<std::string>{"dest"});
}

TEST_CASE("fs: read_file_in_root stays inside the root and reads only a bounded regular file", "[core][fs]") {
  // A rig's root owns its rootfs: /etc/passwd may be a link to the host's /dev/zero (an endless read),
  // a link out of the tree, a FIFO (a blocked rigctl) or huge.
  TempDir t;
  const fs::path root = t / "rootfs";
  write_text(root / "etc" / "passwd", "builder:x:1000:1000::/home/builder:/bin/sh\n");
  auto ok = rig::read_file_in_root(root, "etc/passwd", 4096);
  REQUIRE(ok.ok());
  CHECK(*ok == "builder:x:1000:1000::/home/builder:/bin/sh\n");
  CHECK(rig::read_file_in_root(root, "/etc/passwd", 4096).ok());  // an absolute name is taken inside the root

  write_text(t / "host-secret", "secret");
  fs::create_symlink("/dev/zero", root / "etc" / "zero");
  fs::create_symlink("../../host-secret", root / "etc" / "up");
  fs::create_symlink((t / "host-secret").string(), root / "etc" / "abs");
  REQUIRE(::mkfifo((root / "etc" / "fifo").c_str(), 0600) == 0);
  write_text(root / "etc" / "big", std::string(5000, 'x'));
  fs::create_directories(root / "dev");
  for (const char* name : {"etc/zero", "etc/up", "etc/abs", "etc/fifo", "etc/big", "etc", "etc/missing"}) {
    auto r = rig::read_file_in_root(root, name, 4096);
    INFO(name);
    CHECK_FALSE(r.ok());
  }
  // The links resolve inside the root: a file placed where they point there is what they read.
  write_text(root / "host-secret", "inside");
  auto up = rig::read_file_in_root(root, "etc/up", 4096);
  REQUIRE(up.ok());
  CHECK(*up == "inside");
}

TEST_CASE("fs: read_file returns the bytes, or a Usage error naming the path", "[core][fs]") {
  TempDir t;
  write_text(t / "f", std::string("a\0b\n", 4));
  auto r = rig::read_file(t / "f");
  REQUIRE(r.ok());
  CHECK(*r == std::string("a\0b\n", 4));
  auto missing = rig::read_file(t / "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().category() == rig::Category::Usage);
  CHECK(missing.error().what() == "cannot read '" + (t / "nope").string() + "': No such file or directory");
}

TEST_CASE("fs: StagingDir is removed when not committed", "[core][fs]") {
  TempDir t;
  fs::path staged;
  {
    auto s = rig::StagingDir::create(t / "out");
    REQUIRE(s.ok());
    staged = s->path();
    CHECK(staged.parent_path() == t.path());
    CHECK_THAT(staged.filename().string(), Catch::StartsWith("out.tmp-"));
    CHECK(fs::is_directory(staged));
    write_text(staged / "sub/file", "data");
  }
  CHECK_FALSE(fs::exists(staged));
  CHECK_FALSE(fs::exists(t / "out"));
  CHECK(list_dir(t.path()).empty());
}

TEST_CASE("fs: StagingDir commit creates the destination", "[core][fs]") {
  TempDir t;
  {
    auto s = rig::StagingDir::create(t / "deep/out");
    REQUIRE(s.ok());
    write_text(s->path() / "file", "new");
    REQUIRE(s->commit().ok());
  }
  CHECK(read_text(t / "deep/out/file") == "new");
  CHECK(list_dir(t / "deep") == std::vector<std::string>{"out"});
}

TEST_CASE("fs: StagingDir commit replaces an older destination", "[core][fs]") {
  TempDir t;
  write_text(t / "out/old-file", "old");
  write_text(t / "out/shared", "old");
  {
    auto s = rig::StagingDir::create(t / "out");
    REQUIRE(s.ok());
    write_text(s->path() / "shared", "new");
    REQUIRE(s->commit().ok());
  }
  CHECK(list_dir(t / "out") == std::vector<std::string>{"shared"});
  CHECK(read_text(t / "out/shared") == "new");
  // Neither the staging name nor the displaced ".old-" directory stays behind.
  CHECK(list_dir(t.path()) == std::vector<std::string>{"out"});
}

// `render --out ctx`: a bare name has no parent path; the directory synced after the rename is ".".
TEST_CASE("fs: StagingDir and write_file_atomic commit a bare relative name", "[core][fs]") {
  TempDir t;
  auto was = fs::current_path();
  fs::current_path(t.path());
  auto s = rig::StagingDir::create("out");
  REQUIRE(s.ok());
  write_text(s->path() / "file", "new");
  auto committed = s->commit();
  auto written = rig::write_file_atomic("single.txt", "x");
  fs::current_path(was);
  CHECK(committed.ok());
  CHECK(written.ok());
  CHECK(read_text(t / "out/file") == "new");
  CHECK(read_text(t / "single.txt") == "x");
}

TEST_CASE("fs: a moved-from StagingDir does not remove the directory", "[core][fs]") {
  TempDir t;
  fs::path staged;
  {
    auto s = rig::StagingDir::create(t / "out");
    REQUIRE(s.ok());
    rig::StagingDir moved(std::move(s.value()));
    staged = moved.path();
    write_text(staged / "f", "x");
    {
      rig::StagingDir again(std::move(moved));
      CHECK(fs::exists(staged / "f"));
      REQUIRE(again.commit().ok());
    }
  }
  CHECK(read_text(t / "out/f") == "x");
  CHECK(list_dir(t.path()) == std::vector<std::string>{"out"});
}

TEST_CASE("fs: ScratchDir lives under TMPDIR and is removed on destruction", "[core][fs]") {
  TempDir t;
  rigtest::EnvGuard tmpdir("TMPDIR");
  tmpdir.set(t.path().string());
  fs::path p;
  {
    auto s = rig::ScratchDir::create("unit");
    REQUIRE(s.ok());
    p = s->path();
    CHECK(p.parent_path() == t.path());
    CHECK_THAT(p.filename().string(), Catch::StartsWith("unit.tmp-"));
    write_text(p / "x/y", "z");
  }
  CHECK_FALSE(fs::exists(p));
}

TEST_CASE("fs: cache_root follows XDG_CACHE_HOME then HOME", "[core][fs]") {
  rigtest::EnvGuard xdg("XDG_CACHE_HOME");
  rigtest::EnvGuard home("HOME");
  xdg.set("/x/cache");
  home.set("/home/u");
  CHECK(rig::cache_root() == fs::path("/x/cache/rigctl"));
  xdg.set("");
  CHECK(rig::cache_root() == fs::path("/home/u/.cache/rigctl"));
  xdg.unset();
  CHECK(rig::cache_root() == fs::path("/home/u/.cache/rigctl"));
  home.unset();
  CHECK(rig::cache_root() == fs::path("/tmp/rigctl-cache-" + std::to_string(::getuid())));
  // The XDG rule: a relative value is ignored (found by an environment sweep: XDG_CACHE_HOME=relative/c
  // put a cache in whatever directory rigctl was started from).
  xdg.set("relative/c");
  home.set("/home/u");
  CHECK(rig::cache_root() == fs::path("/home/u/.cache/rigctl"));
  home.set("home/u");
  CHECK(rig::cache_root() == fs::path("/tmp/rigctl-cache-" + std::to_string(::getuid())));
}

// Found by a hostile-argument sweep, as root: `rigctl seccomp apparmor --out /dev/null` renamed its
// temporary file over /dev/null, and the machine's /dev/null was a regular file from then on.
TEST_CASE("fs: write_file_atomic never replaces a device or pipe; write_output_file writes into one", "[core][fs]") {
  TempDir t;
  auto fifo = t / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto refused = rig::write_file_atomic(fifo, "x");
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().what(), Catch::Contains("is not a regular file"));
  struct stat st{};
  REQUIRE(::lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(rigtest::list_dir(t.path()) == std::vector<std::string>{"pipe"});  // no temporary left

  // Into the pipe, as `> pipe` would: a reader gets the bytes.
  std::string got;
  std::thread reader([&] {
    std::ifstream in(fifo);
    got.assign(std::istreambuf_iterator<char>(in), {});
  });
  auto wrote = rig::write_output_file(fifo, "report\n");
  reader.join();
  CHECK(wrote.ok());
  CHECK(got == "report\n");

  REQUIRE(rig::write_output_file("/dev/null", "discarded").ok());
  REQUIRE(::lstat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));

  // Through a symbolic link: the file it names gets the content, the link stays.
  write_text(t / "real.json", "old");
  fs::create_symlink("real.json", t / "link.json");
  REQUIRE(rig::write_output_file(t / "link.json", "new").ok());
  CHECK(fs::is_symlink(t / "link.json"));
  CHECK(read_text(t / "real.json") == "new");
  // /dev/stdout and its kin name an open file: appended to even when it is a regular file (a shell's
  // `> log`), never replaced.
  CHECK(rig::names_open_fd("/dev/stdout"));
  CHECK(rig::names_open_fd("/dev/fd/1"));
  CHECK(rig::names_open_fd("/proc/self/fd/12"));
  CHECK(rig::names_open_fd("/proc/1234/fd/3"));
  CHECK_FALSE(rig::names_open_fd("/proc/self/mem"));
  CHECK_FALSE(rig::names_open_fd("/proc/1234/status"));
  CHECK_FALSE(rig::names_open_fd("/proc/x1/fd/3"));
  CHECK_FALSE(rig::names_open_fd("/dev/fd/"));
  CHECK_FALSE(rig::names_open_fd(t / "fd/1"));
  {
    write_text(t / "log.txt", "table\n");
    rig::FdCloser log{::open((t / "log.txt").c_str(), O_WRONLY | O_APPEND)};
    REQUIRE(log.fd >= 0);
    REQUIRE(rig::write_output_file("/proc/self/fd/" + std::to_string(log.fd), "{}\n").ok());
    CHECK(read_text(t / "log.txt") == "table\n{}\n");
  }
  // A new name is written atomically as before.
  REQUIRE(rig::write_output_file(t / "fresh.json", "{}").ok());
  CHECK(read_text(t / "fresh.json") == "{}");
}

TEST_CASE("fs: a relative TMPDIR is ignored for scratch, like a relative XDG directory", "[core][fs]") {
  rigtest::EnvGuard tmpdir("TMPDIR");
  tmpdir.set("scratch");
  CHECK(rig::scratch_root_dir() == fs::path("/tmp"));
  tmpdir.set("/var/tmp");
  CHECK(rig::scratch_root_dir() == fs::path("/var/tmp"));
  tmpdir.set("");
  CHECK(rig::scratch_root_dir() == fs::path("/tmp"));
}

}  // namespace rigtest_core_fs
