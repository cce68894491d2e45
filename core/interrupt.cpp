#include "core/interrupt.hpp"

#include <csignal>
#include <unistd.h>

#include <atomic>
#include <array>

namespace rig {

namespace {

std::atomic<int> g_signal{0};
constexpr size_t kMaxChildren = 64;
std::array<std::atomic<pid_t>, kMaxChildren> g_children{};

void on_signal(int sig) {
  if (g_signal.exchange(sig) != 0) {
    // A second signal means the user wants out now.
    ::_exit(130);
  }
  for (auto& c : g_children) {
    pid_t p = c.load();
    if (p > 0) ::kill(-p, SIGTERM);  // children lead their own process group
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR and see the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return g_signal.load() != 0; }
void reset_interrupted_for_tests() { g_signal.store(0); }

void track_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid)) return;
  }
}

void untrack_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace rig
