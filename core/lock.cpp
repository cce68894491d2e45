#include "core/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "core/fs.hpp"
#include "core/interrupt.hpp"

namespace rig {

namespace fs = std::filesystem;

namespace {

constexpr auto kLockPoll = std::chrono::milliseconds(50);

// Which threads of this process hold which lock files: a thread waiting for a lock it holds itself
// would wait forever, and is told so instead.
std::mutex g_held_mu;
std::multimap<std::string, std::thread::id> g_held;

void note_held(const fs::path& p) {
  std::lock_guard lock(g_held_mu);
  g_held.emplace(p.string(), std::this_thread::get_id());
}
void note_released(const fs::path& p) {
  std::lock_guard lock(g_held_mu);
  auto range = g_held.equal_range(p.string());
  for (auto it = range.first; it != range.second; ++it)
    if (it->second == std::this_thread::get_id()) {
      g_held.erase(it);
      return;
    }
  if (range.first != range.second) g_held.erase(range.first);  // released by another thread than took it
}
bool held_by_this_thread(const fs::path& p) {
  std::lock_guard lock(g_held_mu);
  auto range = g_held.equal_range(p.string());
  for (auto it = range.first; it != range.second; ++it)
    if (it->second == std::this_thread::get_id()) return true;
  return false;
}

int open_lock_file(const fs::path& path, int& err) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another user's lock file: flock works read-only too
  err = fd < 0 ? errno : 0;
  return fd;
}

Error lock_error(const fs::path& path, int err) {
  return os_error("cannot open lock file '" + path.string() + "'", err);
}

std::string self_description(const std::string& command) {
  std::string start;
  if (auto stat = read_file("/proc/self/stat")) {
    // Field 22 (starttime, clock ticks since boot), counted after the ")" that ends field 2.
    auto close = stat->rfind(')');
    if (close != std::string::npos) {
      size_t field = 2, pos = close + 1;
      while (field < 22 && pos < stat->size()) {
        pos = stat->find(' ', pos + 1);
        if (pos == std::string::npos) break;
        ++field;
      }
      if (pos != std::string::npos) start = stat->substr(pos + 1, stat->find(' ', pos + 1) - pos - 1);
    }
  }
  return "pid " + std::to_string(::getpid()) + " start " + start + " (" + command + ")\n";
}

std::string self_command() {
  auto cmd = read_file("/proc/self/cmdline");
  if (!cmd) return "rigctl";
  std::string s = *cmd;
  for (auto& c : s)
    if (c == '\0') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

bool valid_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos && s[0] != '.';
}

}  // namespace

fs::path runtime_dir() {
  if (const char* d = std::getenv("RIGCTL_RUNTIME_DIR"); d && *d) return d;
  if (::geteuid() == 0) return "/run/rigctl";
  if (const char* x = absolute_env("XDG_RUNTIME_DIR")) return fs::path(x) / "rigctl";
  return fs::path("/tmp") / ("rigctl-" + std::to_string(::getuid()));
}

// ---- FileLock ----

Result<std::optional<FileLock>> FileLock::try_acquire(const fs::path& path, Mode mode) {
  int err = 0;
  int fd = open_lock_file(path, err);
  if (fd < 0) return lock_error(path, err);
  int op = (mode == Mode::Shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) return std::optional<FileLock>();
    return internal_error("cannot lock '" + path.string() + "': " + std::strerror(e));
  }
  note_held(path);
  return std::optional<FileLock>(FileLock(fd, path));
}

Result<FileLock> FileLock::acquire(const fs::path& path, Mode mode, const std::function<void()>& on_wait) {
  bool told = false;
  for (;;) {
    if (interrupted()) return interrupted_error();
    RIG_TRY(auto got, try_acquire(path, mode));
    if (got) return std::move(*got);
    if (held_by_this_thread(path))
      return internal_error("'" + path.string() + "' is held by this same rigctl thread: waiting for it would never end",
                            "this is a bug in rigctl: drop the earlier holder first");
    if (!told && on_wait) on_wait();
    told = true;
    std::this_thread::sleep_for(kLockPoll);
  }
}

FileLock& FileLock::operator=(FileLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) {
      ::close(fd_);
      note_released(path_);
    }
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  ::close(fd_);  // closing the last fd of the description releases the flock
  note_released(path_);
}

Status FileLock::downgrade() {
  while (::flock(fd_, LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    return internal_error("cannot downgrade lock '" + path_.string() + "': " + std::strerror(errno));
  }
  return ok();
}

void FileLock::describe(const std::string& text) {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) return;
  (void)!::pwrite(fd_, text.data(), text.size(), 0);
}

std::string lock_holder(const fs::path& path) {
  auto text = read_file(path);
  if (!text) return "";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.size() > 300 ? s.substr(0, 300) : s;
}

// ---- leases ----

namespace lease_detail {

Result<Lease> acquire_lease(const fs::path& dir, const std::string& command) {
  std::error_code ec;
  fs::create_directories(dir / "leases", ec);
  if (ec) return internal_error("cannot create '" + (dir / "leases").string() + "': " + ec.message());
  Lease l;
  l.id = random_token(16);
  // Locked under a temporary name, then renamed: whoever sees <id>.lock sees it locked, so a gc
  // never mistakes a lease being born for a dead one.
  auto tmp = dir / "leases" / (l.id + ".new");
  auto final_path = dir / "leases" / (l.id + ".lock");
  l.fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (l.fd < 0) return internal_error("cannot create lease '" + tmp.string() + "': " + std::strerror(errno));
  if (::flock(l.fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(l.fd);
    ::unlink(tmp.c_str());
    return internal_error("cannot lock lease '" + tmp.string() + "': " + std::strerror(e));
  }
  std::string text = self_description(command);
  (void)!::write(l.fd, text.data(), text.size());
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int e = errno;
    ::close(l.fd);
    ::unlink(tmp.c_str());
    return internal_error("cannot place lease '" + final_path.string() + "': " + std::strerror(e));
  }
  return l;
}

void release_lease(Lease& l) {
  if (l.fd < 0) return;
  ::close(l.fd);
  l.fd = -1;
}

bool lease_live_in(const fs::path& dir, const std::string& id) {
  if (!valid_id(id)) return false;
  int fd = ::open((dir / "leases" / (id + ".lock")).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool live = false;
  while (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    live = errno == EWOULDBLOCK;
    break;
  }
  ::close(fd);
  return live;
}

Status register_run_in(const fs::path& dir, const std::string& lease_id, const std::string& run_id) {
  if (!valid_id(run_id)) return internal_error("run id '" + run_id + "' is not a plain name");
  if (lease_id.empty()) return internal_error("no lease under '" + dir.string() + "' to register run " + run_id + " with");
  return write_file_atomic(dir / "runs" / run_id, lease_id + "\n");
}

LeaseSnapshot snapshot_runs_in(const fs::path& dir) {
  LeaseSnapshot s;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir / "runs", ec)) {
    auto name = e.path().filename().string();
    if (!valid_id(name) || name.find(".tmp-") != std::string::npos) continue;
    auto text = read_file(e.path());
    std::string lease = text ? *text : "";
    while (!lease.empty() && (lease.back() == '\n' || lease.back() == ' ')) lease.pop_back();
    (lease_live_in(dir, lease) ? s.live_runs : s.dead_runs).insert(name);
  }
  return s;
}

size_t remove_dead_leases_in(const fs::path& dir) {
  size_t removed = 0;
  std::error_code ec;
  for (auto& run : snapshot_runs_in(dir).dead_runs)
    if (fs::remove(dir / "runs" / run, ec)) ++removed;
  for (auto& e : fs::directory_iterator(dir / "leases", ec)) {
    auto p = e.path();
    if (p.extension() != ".lock") continue;
    // Remove it while holding it: a lease nobody holds is never taken again (ids are not reused).
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code rm;
      if (fs::remove(p, rm)) ++removed;
    }
    ::close(fd);
  }
  return removed;
}

}  // namespace lease_detail

namespace {

std::mutex g_lease_mu;
bool g_lease_tried = false;
lease_detail::Lease g_lease;
fs::path g_lease_dir;
std::vector<std::string> g_runs;

// A rigctl that exits normally leaves no lease behind (one that is killed leaves it to gc). What
// its runs labelled and left on purpose (a launched rig) is then nobody's: gc removes it.
void drop_process_lease() {
  std::lock_guard lock(g_lease_mu);
  if (g_lease.fd < 0) return;
  std::error_code ec;
  for (auto& run : g_runs) fs::remove(g_lease_dir / "runs" / run, ec);
  fs::remove(g_lease_dir / "leases" / (g_lease.id + ".lock"), ec);
  lease_detail::release_lease(g_lease);
}

}  // namespace

const std::string& process_lease() {
  std::lock_guard lock(g_lease_mu);
  if (!g_lease_tried) {
    g_lease_tried = true;
    g_lease_dir = runtime_dir();
    auto l = lease_detail::acquire_lease(g_lease_dir, self_command());
    if (l) {
      g_lease = *l;
      std::atexit(drop_process_lease);
    }
  }
  return g_lease.id;
}

Status register_run(const std::string& run_id) {
  const auto& lease = process_lease();
  if (lease.empty())
    return internal_error("cannot take a lease under '" + runtime_dir().string() + "' for run " + run_id,
                          "make it writable, or set RIGCTL_RUNTIME_DIR to a writable directory");
  RIG_CHECK(lease_detail::register_run_in(g_lease_dir, lease, run_id));
  std::lock_guard lock(g_lease_mu);
  g_runs.push_back(run_id);
  return ok();
}

bool lease_live(const std::string& lease_id) { return lease_detail::lease_live_in(runtime_dir(), lease_id); }

LeaseSnapshot snapshot_runs() { return lease_detail::snapshot_runs_in(runtime_dir()); }

size_t remove_dead_leases() { return lease_detail::remove_dead_leases_in(runtime_dir()); }

}  // namespace rig
