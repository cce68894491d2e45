// Filesystem helpers with the "nothing half-written" rule: outputs are written under a temporary
// name next to their destination and renamed into place only when complete.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>
#include <string>

#include "core/error.hpp"

namespace rig {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path);
// A file inside a tree that someone else controls (a running rig's rootfs, whose root may be hostile):
// `rel` is resolved with `root` as "/" (openat2 RESOLVE_IN_ROOT, no magic links), so a symbolic link
// cannot lead out to the host's /dev/zero or /etc/shadow; it must be a regular file (a FIFO would block
// rigctl) of at most `max_bytes`. Anything else is an error, never a hang or an unbounded read.
Result<std::string> read_file_in_root(const fs::path& root, const fs::path& rel, size_t max_bytes);
// Written under a temporary sibling name, fsynced, renamed into place, and the directory fsynced:
// after a crash the path holds either the old content or the new, never a torn mix.
Status write_file_atomic(const fs::path& path, std::string_view content, fs::perms mode = fs::perms(0644));

// A file the user named (--json-file, --out of a profile): a new or regular file is written with
// write_file_atomic (through a symbolic link, its target, keeping the link); a character device or a
// pipe that exists (/dev/null, /dev/stdout, a FIFO) is written into as a redirection would; anything
// else is a usage error. check_output_file (cli) refuses the rest before any work.
Status write_output_file(const fs::path& path, std::string_view content);
// /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N, /proc/<pid>/fd/N: a name for a file already
// open, which write_output_file appends to whatever it is (a regular file included).
bool names_open_fd(const fs::path& path);

// `n` random characters [a-z0-9] from getrandom(2): no shared generator state between threads.
std::string random_token(size_t n = 8);

// "out/" and "out//" -> "out"; any other path as it is. A directory given with its trailing slash
// (shell completion adds one) is the same destination.
fs::path without_trailing_slash(const fs::path& p);

// The longest suffix a staging name adds to its destination's name (".tmp-" or ".new-", a 16-character
// lease, "-", 8 random characters).
inline constexpr size_t kStagingSuffixLength = 30;

// The suffix of a staging name: ".tmp-<lease>-<random>" with this process's lease (core/lock.hpp),
// so a sweep can tell a live build's staging from a dead one's without looking at times.
std::string staging_suffix(const char* kind = ".tmp-");

// fsync of a file or directory (a directory's fsync makes its entries - renames - durable).
Status fsync_path(const fs::path& path);
// fsync of every file and directory under `root`, and `root` itself.
Status fsync_tree(const fs::path& root);

// A copy of `from` at `to` that shares no writable name with it: a reflink (FICLONE) where the
// filesystem has them, else a byte copy. `to` must not exist.
Status clone_or_copy_file(const fs::path& from, const fs::path& to, fs::perms mode = fs::perms(0644));

// Closes the descriptor it holds when it goes out of scope (fds opened for one call's duration).
struct FdCloser {
  int fd;
  explicit FdCloser(int held) : fd(held) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser();
};

// A directory built in place of `dest` under a temporary sibling name; commit() fsyncs it and
// renames it over `dest` (an older one is exchanged atomically - renameat2 RENAME_EXCHANGE - so a
// reader sees the old or the new, never neither, then removed). Destroyed uncommitted, it removes
// everything it held. Two committers of one `dest` must hold a lock (builder/cache.hpp does).
class StagingDir {
 public:
  static Result<StagingDir> create(const fs::path& dest);
  StagingDir(StagingDir&& o) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir();

  const fs::path& path() const { return tmp_; }
  Status commit();

 private:
  StagingDir(fs::path dest, fs::path tmp, int lock_fd) : dest_(std::move(dest)), tmp_(std::move(tmp)), lock_fd_(lock_fd) {}
  Status commit_without_exchange();
  fs::path dest_;
  fs::path tmp_;
  bool done_ = false;
  int lock_fd_ = -1;  // flock on tmp_ while it lives (remove_dead_siblings)
};

// The environment variable `name` when it holds an absolute path, else nullptr (unset, empty or
// relative: the XDG Base Directory rule, applied to TMPDIR and HOME too).
const char* absolute_env(const char* name);

// $TMPDIR, or /tmp.
fs::path scratch_root_dir();

// A private scratch directory under $TMPDIR (or `root`), removed with everything in it on
// destruction -- after anything mounted below it is unmounted (remove_tree).
// It holds flock(2) on the directory itself for its whole life: that, not the lease in its name, is what
// tells a live scratch from a killed rigctl's, for any user's rigctl and any runtime directory (a scratch
// under the shared /dev/shm or /tmp may be another user's, whose lease root's gc cannot see).
class ScratchDir {
 public:
  static Result<ScratchDir> create(const std::string& prefix);
  static Result<ScratchDir> create_in(const fs::path& root, const std::string& prefix);
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)), lock_fd_(o.lock_fd_) {
    o.path_.clear();
    o.lock_fd_ = -1;
  }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const fs::path& path() const { return path_; }

 private:
  ScratchDir(fs::path p, int lock_fd) : path_(std::move(p)), lock_fd_(lock_fd) {}
  fs::path path_;
  int lock_fd_ = -1;
};

// Staging leftovers ("*.tmp-*", "*.old-*") under `root` whose process is gone: what a killed
// (SIGKILL, power loss) build could not clean up itself. A name carrying a lease is removed once
// that lease is dead, at once; a name without one (an older rigctl's, or written when no lease could
// be taken) only when untouched for `min_age`. Returns what was removed.
std::vector<fs::path> remove_stale_staging(const fs::path& root, std::chrono::seconds min_age);
// The staging siblings of `dest` ("<dest>.tmp-<lease>-…", "<dest>.old-<lease>-…") a killed rigctl of
// this user left: lease dead, nobody holding their flock. StagingDir::create and write_output_file call
// it, so `matrix --out DIR` or a report file run again after a SIGKILL leaves no litter beside DIR.
std::vector<fs::path> remove_dead_siblings(const fs::path& dest);
// ScratchDirs ("rigctl-*.tmp-<lease>-*" directly under $TMPDIR and each of `more_roots`) whose
// rigctl is gone (SIGKILL): nobody holds the directory's flock. Removed with remove_tree.
std::vector<fs::path> remove_stale_scratch(const std::vector<fs::path>& more_roots = {});

// The mount points strictly below `dir` (from /proc/self/mountinfo), deepest first.
std::vector<fs::path> mounts_below(const fs::path& dir);
// Removes `dir` and everything in it. A process killed while it had something mounted in there
// (mmdebstrap's /proc and /dev in a root-mode chroot) leaves those mounts behind: they are detached
// first (which needs the privilege that made them), and a tree that still has a mount inside is left
// alone -- removing it would reach through the mount into what it shows. False if anything is left.
bool remove_tree(const fs::path& dir);
// The lease id in a staging name, or "" (see staging_suffix).
std::string staging_lease(const std::string& filename);

// $XDG_CACHE_HOME/rigctl, or ~/.cache/rigctl.
fs::path cache_root();

}  // namespace rig
