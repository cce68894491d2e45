// SIGINT/SIGTERM/SIGHUP handling (SIGHUP only when it was not ignored at start: nohup). The handler only records the signal and forwards SIGTERM to the process
// groups of running children (async-signal-safe: a lock-free atomic flag, errno saved and restored,
// kill(2) of pids recorded in lock-free atomics). Long operations poll interrupted() and return an
// Interrupted error, so RAII owners (staging dirs, rigs, port windows) clean up on the normal
// return path and rigctl exits 130. A second signal exits at once (130) for a user who does not
// want to wait for that cleanup.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>

namespace rig {

void install_interrupt_handlers();
bool interrupted();
void reset_interrupted_for_tests();
// Behaves as if SIGINT had arrived (tests, and code that must unwind the same way).
void simulate_interrupt_for_tests();

// Removing what a run made must finish after the interrupt that asked for it: inside a CleanupScope
// (a rig's remove()), the calling thread's requests and subprocesses are not cut short by the pending
// signal, and a child it starts is not terminated for it. Each step keeps its own timeout; a second
// signal still exits at once.
class CleanupScope {
 public:
  CleanupScope();
  ~CleanupScope();
  CleanupScope(const CleanupScope&) = delete;
  CleanupScope& operator=(const CleanupScope&) = delete;
};
// interrupted(), except in a thread inside a CleanupScope: what long operations poll to stop.
bool interrupt_stops_work();

// Children registered here (as process group leaders) receive SIGTERM when rigctl is interrupted.
void track_child(pid_t pid);
void untrack_child(pid_t pid);

// A child that ignores SIGTERM gets SIGKILL this long after the interrupt (10 s; tests shorten it).
std::chrono::milliseconds kill_after();
void set_kill_after_for_tests(std::chrono::milliseconds d);

// Blocks SIGINT/SIGTERM/SIGHUP in the calling thread for its lifetime, so a fork() cannot run the handler
// in the child before the child has reset it, and the parent records the child before the
// handler can look for it. The handler runs once the block is lifted.
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;
  // In a forked child: default dispositions for SIGINT/SIGTERM/SIGPIPE/SIGXFSZ (SIGHUP unless ignored),
  // then the old mask.
  void reset_in_child() const;

 private:
  sigset_t old_;
};

}  // namespace rig
