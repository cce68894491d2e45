#include "core/fs.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/lock.hpp"

namespace rig {

namespace {

Error io_error(const std::string& what, int err) {
  // Out of descriptors or memory is the host's limit (exit 3); EAGAIN is not: on a file it is no limit.
  if (err == EMFILE || err == ENFILE || err == ENOMEM) return resource_error(what, err);
  const std::string message = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return internal_error(message, "free space there (df -h) and run again");
  // A file size limit (ulimit -f): rigctl ignores SIGXFSZ, so the write fails here instead of the
  // signal killing the run halfway with its staging files left (core/interrupt.cpp).
  if (err == EFBIG) return internal_error(message, "the file size limit is reached (ulimit -f): raise it and run again");
  return internal_error(message);
}

}  // namespace

std::string random_token(size_t n) {
  static const char* chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(bytes.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(chars[static_cast<unsigned char>(bytes[i]) % 36]);
  return s;
}

std::string staging_suffix(const char* kind) {
  const std::string& lease = process_lease();
  return std::string(kind) + (lease.empty() ? "" : lease + "-") + random_token(8);
}

fs::path without_trailing_slash(const fs::path& p) {
  fs::path out = p;
  while (!out.has_filename() && out.has_relative_path()) out = out.parent_path();
  return out;
}

std::string staging_lease(const std::string& filename) {
  for (const char* kind : {".tmp-", ".old-"}) {
    auto pos = filename.rfind(kind);
    if (pos == std::string::npos) continue;
    auto rest = filename.substr(pos + 5);
    auto dash = rest.find('-');
    if (dash != 16) return "";
    auto id = rest.substr(0, 16);
    if (id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) return "";
    return id;
  }
  return "";
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    if (is_resource_errno(e)) return resource_error("cannot read '" + path.string() + "'", e);
    return usage_error("cannot read '" + path.string() + "': " + std::strerror(e));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> read_file_in_root(const fs::path& root, const fs::path& rel, size_t max_bytes) {
  const std::string what = "'" + rel.string() + "' in '" + root.string() + "'";
  FdCloser dir{::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (int e = errno; dir.fd < 0) return io_error("cannot open '" + root.string() + "'", e);
  open_how how{};
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  FdCloser f{static_cast<int>(::syscall(SYS_openat2, dir.fd, rel.relative_path().c_str(), &how, sizeof how))};
  if (int e = errno; f.fd < 0) return io_error("cannot open " + what, e);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    int e = errno;
    return io_error("cannot stat " + what, e);
  }
  if (!S_ISREG(st.st_mode)) return usage_error(what + " is not a regular file");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      return io_error("cannot read " + what, e);
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      return usage_error(what + " is larger than " + std::to_string(max_bytes) + " bytes");
    out.append(buf, static_cast<size_t>(n));
  }
}

// The directory a rename into `path` changes: "." for a bare name ("out", not "dir/out").
static fs::path parent_or_dot(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

Status fsync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open '" + path.string() + "' to sync it", errno);
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync '" + path.string() + "'", e);
  return ok();
}

Status fsync_tree(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_regular_file(st) || fs::is_directory(st)) RIG_CHECK(fsync_path(it->path()));
  }
  if (ec) return internal_error("cannot walk '" + root.string() + "': " + ec.message());
  return fsync_path(root);
}

namespace {
Status write_all(int fd, std::string_view content, const fs::path& path) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write '" + path.string() + "'", errno);
    off += static_cast<size_t>(n);
  }
  return ok();
}
}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content, fs::perms mode) {
  std::error_code ec;
  // A rename replaces whatever has the name: never a device, pipe or socket (`--out /dev/null` as root
  // once replaced the machine's /dev/null with a regular file). write_output_file writes into those.
  if (struct stat st{}; ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
    return internal_error("'" + path.string() + "' exists and is not a regular file; rigctl replaces only regular files");
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += staging_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create '" + tmp.string() + "'", errno);
  // Locked while it is written: a sweep by another rigctl (another runtime dir, so it cannot see this
  // lease) leaves it alone (remove_dead_siblings).
  (void)::flock(fd, LOCK_EX | LOCK_NB);
  auto fail = [&](const std::string& what, int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(what, e);
  };
  if (Status w = write_all(fd, content, tmp); !w.ok()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return w;
  }
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("cannot chmod '" + tmp.string() + "'", errno);
  if (::fsync(fd) != 0) return fail("cannot sync '" + tmp.string() + "'", errno);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot write '" + tmp.string() + "'", e);
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    return internal_error("cannot rename into '" + path.string() + "': " + ec.message());
  }
  return fsync_path(parent_or_dot(path));
}

Status clone_or_copy_file(const fs::path& from, const fs::path& to, fs::perms mode) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io_error("cannot open '" + from.string() + "'", errno);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    int e = errno;
    ::close(in);
    return io_error("cannot create '" + to.string() + "'", e);
  }
  auto fail = [&](const std::string& what, int e) {
    ::close(in);
    ::close(out);
    ::unlink(to.c_str());
    return io_error(what, e);
  };
  if (::ioctl(out, FICLONE, in) != 0) {
    // No reflinks here (ext4, tmpfs, across filesystems): copy, in the kernel where it can.
    struct stat st {};
    if (::fstat(in, &st) != 0) return fail("cannot stat '" + from.string() + "'", errno);
    off_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(left), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        char buf[1 << 16];
        ssize_t r = ::read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return fail("cannot read '" + from.string() + "'", errno);
        if (r == 0) break;
        for (ssize_t off = 0; off < r;) {
          ssize_t w = ::write(out, buf + off, static_cast<size_t>(r - off));
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return fail("cannot write '" + to.string() + "'", errno);
          off += w;
        }
        left -= r;
        continue;
      }
      if (n < 0) return fail("cannot copy '" + from.string() + "' to '" + to.string() + "'", errno);
      if (n == 0) break;
      left -= n;
    }
  }
  if (::fchmod(out, static_cast<mode_t>(mode)) != 0) return fail("cannot chmod '" + to.string() + "'", errno);
  ::close(in);
  if (::close(out) != 0) {
    int e = errno;
    ::unlink(to.c_str());
    return io_error("cannot write '" + to.string() + "'", e);
  }
  return ok();
}

bool names_open_fd(const fs::path& path) {
  const std::string s = path.lexically_normal().string();
  if (s == "/dev/stdout" || s == "/dev/stderr") return true;
  auto digits_after = [&](const std::string& prefix) {
    return s.size() > prefix.size() && s.starts_with(prefix) && s.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
  };
  if (digits_after("/dev/fd/") || digits_after("/proc/self/fd/") || digits_after("/proc/thread-self/fd/")) return true;
  if (!s.starts_with("/proc/")) return false;
  auto slash = s.find('/', 6);  // "/proc/<pid>/fd/<n>"
  return slash != std::string::npos && s.find_first_not_of("0123456789", 6) == slash && digits_after(s.substr(0, slash) + "/fd/");
}

Status write_output_file(const fs::path& path, std::string_view content) {
  struct stat st{};
  // A killed rigctl's half-written sibling of this file goes first. Here, not in write_file_atomic: that
  // one also writes the cache's many small files, whose leftovers gc sweeps.
  remove_dead_siblings(path);
  if (::stat(path.c_str(), &st) != 0) return write_file_atomic(path, content);  // new (or a dangling link: replaced)
  // /dev/stdout and its kin name a file already open (a pipe, a terminal, the file a shell redirected
  // stdout to): appended to, never replaced -- the table already written there stays.
  const bool open_fd = names_open_fd(path);
  if (S_ISREG(st.st_mode) && !open_fd) {
    // Through a symbolic link, the file it names is replaced and the link kept.
    std::error_code ec;
    fs::path target = fs::is_symlink(path, ec) ? fs::canonical(path, ec) : path;
    if (ec) return io_error("cannot resolve '" + path.string() + "'", ec.value());
    return write_file_atomic(target, content);
  }
  if (!open_fd && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
    return usage_error("'" + path.string() + "' is not a regular file, a character device or a pipe");
  // /dev/null, /dev/stdout, a named pipe: written into, as a shell's `>>` would.
  FdCloser out{::open(path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC)};
  if (out.fd < 0) return io_error("cannot open '" + path.string() + "'", errno);
  return write_all(out.fd, content, path);
}

Result<StagingDir> StagingDir::create(const fs::path& given) {
  const fs::path dest = without_trailing_slash(given);
  std::error_code ec;
  if (dest.has_parent_path()) fs::create_directories(dest.parent_path(), ec);
  remove_dead_siblings(dest);
  // Locked before it gets its sweepable name, as a ScratchDir is: made as "<dest>.new-…" (which no
  // sweep looks at), flocked, renamed to "<dest>.tmp-<lease>-…".
  const std::string suffix = staging_suffix();
  fs::path fresh = dest, tmp = dest;
  fresh += ".new-" + suffix.substr(5);
  tmp += suffix;
  if (::mkdir(fresh.c_str(), 0755) != 0) return io_error("cannot create '" + fresh.string() + "'", errno);
  int fd = ::open(fresh.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0 || ::rename(fresh.c_str(), tmp.c_str()) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    ::rmdir(fresh.c_str());
    return io_error("cannot create '" + tmp.string() + "'", e);
  }
  return StagingDir(dest, tmp, fd);
}

StagingDir::StagingDir(StagingDir&& o) noexcept
    : dest_(std::move(o.dest_)), tmp_(std::move(o.tmp_)), done_(o.done_), lock_fd_(o.lock_fd_) {
  o.done_ = true;
  o.lock_fd_ = -1;
}

StagingDir::~StagingDir() {
  if (!done_) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status StagingDir::commit() {
  RIG_CHECK(fsync_tree(tmp_));
  // Into place in one step: a plain rename when `dest` is new, an exchange when it is replaced (a
  // rename cannot replace a non-empty directory, and two renames would leave a moment without one).
  if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dest_.c_str(), RENAME_NOREPLACE) != 0) {
    int e = errno;
    if (e == EINVAL || e == ENOSYS) return commit_without_exchange();  // a filesystem without renameat2 flags (NFS)
    if (e != EEXIST && e != ENOTEMPTY) return io_error("cannot move '" + tmp_.string() + "' to '" + dest_.string() + "'", e);
    if (::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, dest_.c_str(), RENAME_EXCHANGE) != 0)
      return io_error("cannot replace '" + dest_.string() + "' with '" + tmp_.string() + "'", errno);
    // tmp_ now holds the old entry, under this process's staging name: a kill before it is gone
    // leaves it to the next sweep.
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
  done_ = true;
  return fsync_path(parent_or_dot(dest_));
}

// Two renames: the old entry aside, the new one in. A reader can find neither for a moment, which
// the cache's lock keeps away from its own readers.
Status StagingDir::commit_without_exchange() {
  std::error_code ec;
  fs::path old = dest_;
  old += staging_suffix(".old-");
  bool had_old = fs::exists(dest_, ec);
  if (had_old) fs::rename(dest_, old, ec);
  if (ec) return internal_error("cannot move '" + dest_.string() + "' aside: " + ec.message());
  fs::rename(tmp_, dest_, ec);
  if (ec) return internal_error("cannot move '" + tmp_.string() + "' to '" + dest_.string() + "': " + ec.message());
  if (had_old) fs::remove_all(old, ec);
  done_ = true;
  return fsync_path(parent_or_dot(dest_));
}

std::vector<fs::path> mounts_below(const fs::path& dir) {
  std::vector<fs::path> out;
  const std::string prefix = dir.lexically_normal().string() + "/";
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    // "id parent major:minor root mount-point options ..."; the kernel writes space, tab, newline
    // and backslash in a path as \ooo.
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    std::string point;
    for (size_t i = 0; i < field.size(); ++i) {
      auto octal = [&](size_t k) { return field[k] >= '0' && field[k] <= '7'; };
      // Only a full \ooo is decoded; anything else is taken as it is (std::stoi threw on "\9").
      if (field[i] == '\\' && i + 3 < field.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
        point += static_cast<char>(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
        i += 3;
      } else {
        point += field[i];
      }
    }
    if (point.starts_with(prefix)) out.emplace_back(point);
  }
  // Deepest first: a mount inside another is detached before the one holding it.
  std::stable_sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.string().size() > b.string().size(); });
  return out;
}

bool remove_tree(const fs::path& dir) {
  for (auto& m : mounts_below(dir)) (void)::umount2(m.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  if (!mounts_below(dir).empty()) return false;
  std::error_code ec;
  fs::remove_all(dir, ec);
  return !ec;
}

const char* absolute_env(const char* name) {
  const char* v = std::getenv(name);
  return v && v[0] == '/' ? v : nullptr;
}

// A relative TMPDIR is ignored like a relative XDG_* directory: a scratch must be where gc, started
// from any directory, looks for it.
fs::path scratch_root_dir() {
  const char* t = absolute_env("TMPDIR");
  return t ? fs::path(t) : fs::path("/tmp");
}

Result<ScratchDir> ScratchDir::create(const std::string& prefix) { return create_in(scratch_root_dir(), prefix); }

Result<ScratchDir> ScratchDir::create_in(const fs::path& root, const std::string& prefix) {
  // "<prefix>.tmp-<lease>-XXXXXX", locked before it gets that name: made as "<prefix>.new-…" (which
  // gc never looks at), flocked, then renamed, so gc can never see it unlocked while it lives.
  const std::string suffix = staging_suffix();  // ".tmp-<lease>-" + 8 random characters
  const std::string stem = suffix.substr(5, suffix.size() - 5 - 8);  // "<lease>-"
  std::string templ = (root / prefix).string() + ".new-" + stem + "XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr)
    return internal_error("cannot create a scratch directory '" + templ + "': " + std::strerror(errno));
  int fd = ::open(templ.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::rmdir(templ.c_str());
    return internal_error("cannot lock the scratch directory '" + templ + "': " + std::strerror(err));
  }
  std::string final_name = (root / prefix).string() + ".tmp-" + stem + templ.substr(templ.size() - 6);
  if (::rename(templ.c_str(), final_name.c_str()) != 0) {
    int err = errno;
    ::close(fd);
    ::rmdir(templ.c_str());
    return internal_error("cannot name the scratch directory '" + final_name + "': " + std::strerror(err));
  }
  return ScratchDir(final_name, fd);
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) (void)remove_tree(path_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

namespace {
// Nobody holds its flock (a live StagingDir, ScratchDir or write_file_atomic does).
bool unlocked(const fs::path& p) {
  FdCloser f{::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
  return f.fd >= 0 && ::flock(f.fd, LOCK_EX | LOCK_NB) == 0;
}
}  // namespace

std::vector<fs::path> remove_dead_siblings(const fs::path& dest) {
  std::vector<fs::path> removed;
  const std::string name = dest.filename().string();
  if (name.empty() || name == "." || name == "..") return removed;
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent_or_dot(dest), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    if (!entry.starts_with(name + ".tmp-") && !entry.starts_with(name + ".old-")) continue;
    // Only what the name says a rigctl of this user made, whose lease is dead and which nobody has
    // locked: another user's, or a live one from another runtime dir, is never touched.
    auto lease = staging_lease(entry);
    struct stat st{};
    if (lease.empty() || lease_live(lease) || ::lstat(it->path().c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    if (!(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) || !unlocked(it->path())) continue;
    std::error_code ec2;
    if (S_ISDIR(st.st_mode) ? remove_tree(it->path()) : fs::remove(it->path(), ec2)) removed.push_back(it->path());
  }
  return removed;
}

std::vector<fs::path> remove_stale_staging(const fs::path& root, std::chrono::seconds min_age) {
  std::vector<fs::path> removed;
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name.find(".tmp-") == std::string::npos && name.find(".old-") == std::string::npos) continue;
    it.disable_recursion_pending();
    std::error_code ec2;
    if (auto lease = staging_lease(name); !lease.empty()) {
      // A live build's staging can grow for minutes without its directory's time changing: only
      // its lease tells.
      // Nor can its lease alone: a rigctl with another runtime dir holds the entry's flock instead.
      if (lease_live(lease) || !unlocked(it->path())) continue;
    } else {
      auto mtime = fs::last_write_time(it->path(), ec2);
      if (ec2 || now - mtime < min_age) continue;
    }
    fs::remove_all(it->path(), ec2);
    if (!ec2) removed.push_back(it->path());
  }
  return removed;
}

std::vector<fs::path> remove_stale_scratch(const std::vector<fs::path>& more_roots) {
  std::vector<fs::path> removed;
  std::vector<fs::path> roots{scratch_root_dir()};
  for (auto& r : more_roots) {
    std::error_code ec;
    bool seen = false;
    for (auto& have : roots) seen = seen || fs::equivalent(have, r, ec);
    if (!seen && fs::is_directory(r, ec)) roots.push_back(r);
  }
  for (auto& root : roots) {
    std::error_code ec;
    // Only the entries named by ScratchDir ("rigctl-*" with a lease): nothing else there is
    // rigctl's to judge.
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      auto name = it->path().filename().string();
      if (!name.starts_with("rigctl-")) continue;
      auto lease = staging_lease(name);
      if (lease.empty() || lease_live(lease)) continue;
      std::error_code ec2;
      if (!it->is_directory(ec2) || it->is_symlink(ec2)) continue;
      // The lease file lives in the runtime dir of the rigctl that took it, which need not be this
      // one's (another user, RIGCTL_RUNTIME_DIR): the directory's own flock is what says "live".
      FdCloser dir{::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
      if (dir.fd >= 0 && ::flock(dir.fd, LOCK_EX | LOCK_NB) == 0 && remove_tree(it->path())) removed.push_back(it->path());
    }
  }
  return removed;
}

fs::path cache_root() {
  // The XDG Base Directory spec: a relative XDG_CACHE_HOME is invalid and ignored (HOME likewise).
  if (const char* x = absolute_env("XDG_CACHE_HOME")) return fs::path(x) / "rigctl";
  if (const char* h = absolute_env("HOME")) return fs::path(h) / ".cache" / "rigctl";
  return fs::path("/tmp") / ("rigctl-cache-" + std::to_string(::getuid()));
}

FdCloser::~FdCloser() {
  if (fd >= 0) ::close(fd);
}

}  // namespace rig
