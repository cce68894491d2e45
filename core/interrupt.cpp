#include "core/interrupt.hpp"

#include <csignal>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <atomic>
#include <array>

namespace rig {

namespace {

// Written by the handler and read by every thread (matrix cells, ablation items, child waits): a
// lock-free atomic is both async-signal-safe and race-free (a volatile sig_atomic_t is only the former,
// and TSan reports it).
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");
constexpr size_t kMaxChildren = 64;
std::array<std::atomic<pid_t>, kMaxChildren> g_children{};
static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler needs lock-free atomics");

void forward_to_children() {
  for (auto& c : g_children) {
    pid_t p = c.load(std::memory_order_relaxed);
    // Children spawned by core/subprocess lead their own process group; one that does not (a
    // forked rigctl) gets the signal itself.
    if (p > 0 && ::kill(-p, SIGTERM) != 0) ::kill(p, SIGTERM);
  }
}

void on_signal(int sig) {
  const int saved_errno = errno;  // the interrupted code may be about to read errno
  if (g_signal.load() != 0) {
    // A second signal means the user wants out now.
    ::_exit(130);
  }
  g_signal.store(sig);
  forward_to_children();
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // The signals are blocked while any of their handlers runs: one handler at a time.
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGHUP);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR and see the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A hangup (the terminal or the SSH session went away) ends the run like SIGTERM, with its cleanup:
  // its default would kill rigctl and leave its rigs running. Unless it was ignored when rigctl started
  // (`nohup rigctl ...`): the user asked to outlive the terminal, and it stays ignored.
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // What rigctl inherited must not undo the above (measured 2026-12-07, rigctl started by a parent that
  // had set these): an ignored SIGCHLD, kept across exec, makes the kernel reap every child itself, and
  // a cold build ran its 42 s to fail at the end with "waitpid: No child processes"; SIGINT and SIGTERM
  // blocked in the inherited mask never reached the handlers, so Ctrl-C did nothing. SIGINT is caught
  // even when it was ignored at start (a `rigctl … &` of a non-interactive shell): scripts stop their
  // background rigctl with `kill -INT`, and the run must clean up then.
  signal(SIGCHLD, SIG_DFL);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGINT);
  sigaddset(&unblock, SIGTERM);
  sigaddset(&unblock, SIGHUP);
  sigaddset(&unblock, SIGCHLD);
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
  // A file size limit (ulimit -f) makes a write fail with EFBIG, reported and cleaned up, instead of
  // SIGXFSZ killing the run with half-written files (measured: `seccomp gen --out` under ulimit -f 4).
  signal(SIGXFSZ, SIG_IGN);
}

static std::atomic<long> g_kill_after_ms{10000};
std::chrono::milliseconds kill_after() { return std::chrono::milliseconds(g_kill_after_ms.load()); }
void set_kill_after_for_tests(std::chrono::milliseconds d) { g_kill_after_ms = static_cast<long>(d.count()); }

bool interrupted() { return g_signal.load() != 0; }

namespace {
thread_local int t_cleanup_depth = 0;
}
CleanupScope::CleanupScope() { ++t_cleanup_depth; }
CleanupScope::~CleanupScope() { --t_cleanup_depth; }
bool interrupt_stops_work() { return t_cleanup_depth == 0 && interrupted(); }
void reset_interrupted_for_tests() { g_signal.store(0); }
void simulate_interrupt_for_tests() {
  g_signal.store(SIGINT);
  forward_to_children();
}

void track_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid)) break;
  }
  // The signal came before the child could be recorded: it must not outlive the interrupt.
  if (interrupt_stops_work() && ::kill(-pid, SIGTERM) != 0) ::kill(pid, SIGTERM);
}

void untrack_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0)) return;
  }
}

SignalBlock::SignalBlock() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, &old_);
}

SignalBlock::~SignalBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

void SignalBlock::reset_in_child() const {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGPIPE, &sa, nullptr);
  sigaction(SIGXFSZ, &sa, nullptr);
  // SIGHUP only if rigctl caught it: one ignored under nohup stays ignored for its children too.
  struct sigaction hup {};
  if (sigaction(SIGHUP, nullptr, &hup) == 0 && hup.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);
  // The child starts with nothing blocked, whatever the thread that forked it had blocked.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace rig
