// Locks and leases between rigctl processes (and threads), all on flock(2): the kernel drops a
// flock when its holder dies, however it dies (SIGKILL, OOM, power loss ends everything anyway),
// so a dead holder's lock is free at once and nothing needs a timeout or a pid check to tell live
// work from leftovers. flock locks belong to an open file description: two threads that open the
// file separately exclude each other like two processes do. Every fd here is O_CLOEXEC, so a child
// rigctl spawns never inherits (and never prolongs) a lock.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rig {

// Where rigctl processes on this machine meet, whatever XDG_CACHE_HOME each of them has: leases of
// live runs and port reservations (the engine and loopback ports are machine-wide, so these must
// be too). RIGCTL_RUNTIME_DIR, else /run/rigctl for root, else $XDG_RUNTIME_DIR/rigctl, else
// /tmp/rigctl-<uid>.
std::filesystem::path runtime_dir();

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Waits until the lock is held. The wait polls, so SIGINT ends it (Interrupted). `on_wait` is
  // called once when the lock was not free at the first try.
  static Result<FileLock> acquire(const std::filesystem::path& path, Mode mode, const std::function<void()>& on_wait = {});
  // The lock if it is free now, else nullopt.
  static Result<std::optional<FileLock>> try_acquire(const std::filesystem::path& path, Mode mode);

  FileLock(FileLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Exclusive to shared. Not atomic (flock(2) drops, then takes): another waiter may get in
  // between, so a caller re-checks what it protects afterwards.
  Status downgrade();
  // Overwrites the lock file's content (who holds it, for messages).
  void describe(const std::string& text);
  const std::filesystem::path& path() const { return path_; }

 private:
  FileLock(int fd, std::filesystem::path p) : fd_(fd), path_(std::move(p)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

// What a lock or lease file says about its holder ("pid 123 (rigctl build ...)"), or "".
std::string lock_holder(const std::filesystem::path& path);

// ---- leases ----
//
// A rigctl that makes something (a build's staging dir, a run's containers and volumes) first takes
// its process lease: runtime_dir()/leases/<id>.lock, flocked for the process's life and naming its
// pid, start time and command. A run id is registered as runtime_dir()/runs/<run id>, holding the
// lease id. `rigctl gc` treats what belongs to a live lease as live, and removes the rest.

// This process's lease id (16 hex digits), taken on first use; "" when the runtime dir is unusable.
const std::string& process_lease();
// Records that `run_id` belongs to this process's lease (before anything is labelled with it).
Status register_run(const std::string& run_id);

// True while some process holds the lease.
bool lease_live(const std::string& lease_id);

struct LeaseSnapshot {
  std::set<std::string> live_runs;
  std::set<std::string> dead_runs;  // registered, but the lease is gone
};
// Which registered runs are live now. Read it after listing what may be removed: a run registers
// before it labels anything, so whatever was listed and belongs to a live run is in the snapshot.
LeaseSnapshot snapshot_runs();
// Removes run registrations and lease files whose holder is gone. Returns how many were removed.
size_t remove_dead_leases();

// For tests: the same machinery under another directory.
namespace lease_detail {
struct Lease {
  std::string id;
  int fd = -1;
};
Result<Lease> acquire_lease(const std::filesystem::path& dir, const std::string& command);
void release_lease(Lease& l);
bool lease_live_in(const std::filesystem::path& dir, const std::string& id);
Status register_run_in(const std::filesystem::path& dir, const std::string& lease_id, const std::string& run_id);
LeaseSnapshot snapshot_runs_in(const std::filesystem::path& dir);
size_t remove_dead_leases_in(const std::filesystem::path& dir);
}  // namespace lease_detail

}  // namespace rig
