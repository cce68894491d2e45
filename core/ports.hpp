// Loopback port windows for rigs, reserved for as long as the rig lives. A probe that finds ports
// free and hands back a number is a race: the engine binds them only later, and another cell of the
// same matrix, another ablation item or another rigctl could probe the same window meanwhile. A
// reservation is held three ways: in a process-wide registry (threads of one rigctl), by a flock on
// runtime_dir()/ports/<port>.lock per port (other rigctl processes; the kernel frees it when the
// holder dies), and by a bind check (anything else listening there). Running out is an error,
// never port 0 or a fallback to some fixed port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/lock.hpp"

namespace rig {

class PortWindow {
 public:
  ~PortWindow();
  PortWindow(const PortWindow&) = delete;
  PortWindow& operator=(const PortWindow&) = delete;
  uint32_t base() const { return base_; }
  uint32_t count() const { return count_; }

 private:
  friend struct PortReserver;
  PortWindow(uint32_t base, uint32_t count, std::vector<FileLock> locks) : base_(base), count_(count), locks_(std::move(locks)) {}
  uint32_t base_, count_;
  std::vector<FileLock> locks_;
};

// Exactly [base, base + count): an Unavailable error naming who holds a port otherwise.
Result<std::shared_ptr<PortWindow>> reserve_ports_at(uint32_t base, uint32_t count);
// The first window [from + k*count, from + (k+1)*count) below `end` that is free; Unavailable when
// none is.
Result<std::shared_ptr<PortWindow>> reserve_port_window(uint32_t from, uint32_t count, uint32_t end = 65536);

// The same, with the lock files under `lock_dir` (tests).
Result<std::shared_ptr<PortWindow>> reserve_ports_at_in(const std::filesystem::path& lock_dir, uint32_t base, uint32_t count);
Result<std::shared_ptr<PortWindow>> reserve_port_window_in(const std::filesystem::path& lock_dir, uint32_t from, uint32_t count,
                                                           uint32_t end);

// True when nothing listens on 127.0.0.1:port (a bind succeeds).
bool loopback_port_free(uint32_t port);

}  // namespace rig
