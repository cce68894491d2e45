#pragma once
// Threads the system may refuse. std::thread's constructor throws std::system_error (EAGAIN) when a
// pids limit (a container's --pids-limit, systemd's TasksMax, a cgroup's pids.max) or RLIMIT_NPROC is
// reached, and an exception that leaves a thread of its own, or unwinds past a joinable std::thread,
// ends in std::terminate. Measured (2026-12-07): `rigctl smoke` under pids.max 4 aborted (exit 134) and
// left its rig running. Every thread rigctl starts goes through here instead.

#include <functional>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace rig {

// A started thread, or an Unavailable error ("cannot start a thread for WHAT: Resource temporarily
// unavailable", with a hint naming the limits). The thread runs `fn` under guarded(): an exception
// escaping it is caught there, never std::terminate; a thread whose result matters returns it by its
// own means (start_thread is for threads that report through shared state).
Result<std::thread> start_thread(const std::string& what, std::function<void()> fn);

// Runs `worker` on up to `wanted` threads and joins them all. A worker takes its work from a queue it
// shares with the others until the queue is empty, so fewer threads only means less side by side:
// when the system refuses a thread, the ones already started carry on, and when it refuses the first,
// the calling thread runs `worker` itself. An exception escaping a worker ends that worker only and is
// returned (the first one) as the Defect error guarded() makes of it, after every worker has ended.
Status run_workers(unsigned wanted, const std::string& what, const std::function<void()>& worker);

// Tests: start_thread asks `grant` before each thread and refuses it (as a pids limit would) when it
// says false; an empty function grants every thread. `thread_budget(n)`: the next n, then none.
void set_thread_gate_for_tests(std::function<bool()> grant);
std::function<bool()> thread_budget(int n);

}  // namespace rig
